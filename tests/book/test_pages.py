"""The order book on the order table: stock flags (one rule for the column, 選庫存足夠 and the
book) in constant queries, actions on the table's selection and only on the user's own shops'
orders, the results page, the auto-import switch, the old book page sending people to /orders/."""

from __future__ import annotations

import re

import pytest

from book.models import BookAction, BookOrder, BookShopSettings
from book.selectors import stock_enough_pks
from orders.models import Order
from orders.selection import selected_pks, selection_replace
from tests.book.helpers import act, product
from tests.factories import OrderFactory, ShopFactory

pytestmark = [pytest.mark.django_db]


def order(shop, sku: str, quantity: int, **fields):
    items = [
        {
            "item_id": "1",
            "item_name": f"商品 {sku}",
            "model_name": "",
            "sku": sku,
            "quantity": quantity,
            "price": 100,
        }
    ]
    return OrderFactory(shop=shop, items=items, shipping_carrier="全家", **fields)


def stock_column(html: str) -> dict[str, str]:
    """Order number -> the text of its 庫存足夠 cell on the order table."""
    rows = re.findall(r'<tr data-order="([^"]+)">(.*?)</tr>', html, re.S)
    return {
        sn: re.sub(
            r"<[^>]+>", "", re.search(r'<td class="extra stock">(.*?)</td>', body, re.S).group(1)
        ).strip()
        for sn, body in rows
    }


def test_stock_enough_counts_what_earlier_imported_orders_reserve(
    staff_client, own_shop, salesperson, django_assert_max_num_queries
):
    product("CUP", 3)
    first = order(own_shop, "CUP", 2)
    second = order(own_shop, "CUP", 2)
    short = order(own_shop, "CUP", 4)
    unknown = order(own_shop, "NOPE", 1)
    everything = Order.objects.all()
    assert set(stock_enough_pks(everything)) == {first.pk, second.pk}

    act(staff_client, "import", [first])  # reserves 2 of the 3 cups

    staff_client.get("/orders/")  # fills the carrier menu's cache
    with django_assert_max_num_queries(30) as few:
        page = staff_client.get("/orders/")
    queries = len(few)  # now: the next request resets Django's query log
    flags = stock_column(page.content.decode())
    assert flags[first.order_sn] == "是"  # it holds its stock
    # Not enough names the SKUs short, and those the catalogue does not know.
    assert flags[second.order_sn] == flags[short.order_sn] == "否 缺貨: CUP"
    assert flags[unknown.order_sn] == "否 未知商品: NOPE"
    staff_client.post("/orders/selection/", {"action": "stock"})
    assert set(selected_pks(user=salesperson)) == {first.pk}

    for _ in range(40):
        order(own_shop, "CUP", 1)
    staff_client.get("/orders/")  # new orders: the carrier menu's cache is filled again
    with django_assert_max_num_queries(queries):
        assert staff_client.get("/orders/").status_code == 200


def test_a_forced_import_of_an_unknown_sku_is_not_stock_enough_until_the_product_covers_it(
    staff_client, own_shop, salesperson
):
    product("CUP", 5)
    forced = order(own_shop, "NOPE", 2)
    covered = order(own_shop, "CUP", 1)
    act(staff_client, "force_import", [forced, covered])
    assert BookOrder.objects.get(order=forced).stock_reserved  # imported, holding nothing for NOPE

    flags = stock_column(staff_client.get("/orders/").content.decode())
    assert flags[forced.order_sn] == "否 未知商品: NOPE" and flags[covered.order_sn] == "是"
    staff_client.post("/orders/selection/", {"action": "stock"})
    assert set(selected_pks(user=salesperson)) == {covered.pk}

    product("NOPE", 2)  # the product joins the catalogue: its stock covers the line
    flags = stock_column(staff_client.get("/orders/").content.decode())
    assert flags[forced.order_sn] == "是"


def test_actions_take_the_tables_selection_of_the_users_own_shops(
    staff_client, own_shop, other_staff, salesperson
):
    product("CUP", 10)
    mine = order(own_shop, "CUP", 1)
    others = order(ShopFactory(verified=True, salesperson=other_staff), "CUP", 1)
    selection_replace(user=salesperson, order_pks=[mine.pk, others.pk])  # e.g. a shop taken away since

    response = staff_client.post("/orders/actions/", {"action": "import"})

    action = BookAction.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/actions/{action.pk}/"
    assert action.order_pks == [mine.pk]
    assert list(BookOrder.objects.values_list("order_id", flat=True)) == [mine.pk]
    result = staff_client.get(response["Location"]).content.decode()
    assert mine.order_sn in result and "已匯入" in result and others.order_sn not in result
    assert 'href="/orders/"' in result  # back to the order table
    table = staff_client.get("/orders/").content.decode()
    assert re.search(rf'data-order="{mine.order_sn}">.*?class="extra book-state">.*?已匯入', table, re.S)


def test_results_are_shown_only_to_who_started_them(staff_client, client, own_shop, other_staff):
    product("CUP", 10)
    act(staff_client, "import", [order(own_shop, "CUP", 1)])
    action = BookAction.objects.get()
    client.force_login(other_staff)

    assert client.get(f"/orders/actions/{action.pk}/").status_code == 404
    assert client.get(f"/orders/actions/{action.pk}/?format=json").status_code == 404
    assert client.get(f"/orders/actions/{action.pk}/document/").status_code == 404


def test_an_empty_selection_or_unknown_action_changes_nothing(staff_client, own_shop):
    response = staff_client.post("/orders/actions/", {"action": "import"}, follow=True)
    assert "請至少選擇一筆訂單" in response.content.decode()
    assert act(staff_client, "delete", [order(own_shop, "CUP", 1)]).status_code == 404
    assert not BookAction.objects.exists()


def test_the_conversion_form_remembers_the_sender_on_the_order_page(staff_client, own_shop):
    act(staff_client, "convert", [order(own_shop, "CUP", 1)], sender="王小美", allow_blank_tracking="1")

    html = staff_client.get("/orders/").content.decode()
    assert 'id="sender" name="sender" value="王小美"' in html
    assert re.search(r'name="allow_blank_tracking" value="1" checked', html)


def test_the_auto_import_switch_is_per_shop_and_only_for_own_shops(staff_client, own_shop, other_staff):
    page = staff_client.get("/orders/").content.decode()
    assert f'action="/orders/shops/{own_shop.pk}/auto-import/"' in page
    staff_client.post(f"/orders/shops/{own_shop.pk}/auto-import/", {"enabled": "1"})
    assert BookShopSettings.objects.get(shop=own_shop).auto_import

    others = ShopFactory(verified=True, salesperson=other_staff)
    assert staff_client.post(f"/orders/shops/{others.pk}/auto-import/", {"enabled": "1"}).status_code == 404
    staff_client.post(f"/orders/shops/{own_shop.pk}/auto-import/", {"enabled": "0"})
    assert list(BookShopSettings.objects.values_list("shop_id", "auto_import")) == [(own_shop.pk, False)]


def test_the_old_book_page_leads_to_the_order_table_which_links_the_products(staff_client):
    response = staff_client.get("/orders/book/")
    assert response.status_code == 301 and response["Location"] == "/orders/"
    assert 'href="/orders/products/"' in staff_client.get("/orders/").content.decode()

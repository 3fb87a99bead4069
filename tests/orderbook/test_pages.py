"""The order book's pages: the order list with stock flags in constant queries, actions only on
the user's own shops' orders, the results page, the auto-import switch."""

from __future__ import annotations

import re

import pytest

from orders.book_selectors import stock_enough_pks
from orders.models import BookAction, BookOrder, BookShopSettings
from tests.factories import OrderFactory, ShopFactory
from tests.orderbook.conftest import product

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


@pytest.fixture
def own_shop(salesperson):
    return ShopFactory(
        verified=True, shop_id="242826267", account="ktmst", name="我的測試賣場", salesperson=salesperson
    )


def test_the_book_page_flags_stock_in_the_same_number_of_queries_for_more_orders(
    staff_client, own_shop, django_assert_max_num_queries
):
    product("CUP", 3)
    enough = order(own_shop, "CUP", 3)
    short = order(own_shop, "CUP", 4)
    unknown = order(own_shop, "NOPE", 1)

    with django_assert_max_num_queries(12) as few:
        page = staff_client.get("/orders/book/")
    html = page.content.decode()
    assert page.status_code == 200
    flagged = set(re.findall(r'value="(\d+)"[^>]*data-enough="1"', html))
    assert flagged == {str(enough.pk)}
    assert stock_enough_pks(order_pks=[enough.pk, short.pk, unknown.pk]) == [enough.pk]

    for _ in range(40):
        order(own_shop, "CUP", 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_client.get("/orders/book/").status_code == 200


def test_actions_take_only_orders_of_the_users_own_shops(staff_client, own_shop, other_staff):
    product("CUP", 10)
    mine = order(own_shop, "CUP", 1)
    others = order(ShopFactory(verified=True, salesperson=other_staff), "CUP", 1)

    response = staff_client.post("/orders/book/action/", {"action": "import", "order": [mine.pk, others.pk]})

    action = BookAction.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/book/actions/{action.pk}/"
    assert action.order_pks == [mine.pk]
    assert list(BookOrder.objects.values_list("order_id", flat=True)) == [mine.pk]
    result = staff_client.get(response["Location"]).content.decode()
    assert mine.order_sn in result and "已匯入" in result and others.order_sn not in result


def test_results_are_shown_only_to_who_started_them(staff_client, client, own_shop, other_staff):
    product("CUP", 10)
    staff_client.post("/orders/book/action/", {"action": "import", "order": [order(own_shop, "CUP", 1).pk]})
    action = BookAction.objects.get()
    client.force_login(other_staff)

    assert client.get(f"/orders/book/actions/{action.pk}/").status_code == 404


def test_an_empty_selection_or_unknown_action_changes_nothing(staff_client):
    assert staff_client.post("/orders/book/action/", {"action": "import"}).status_code == 302
    assert staff_client.post("/orders/book/action/", {"action": "delete", "order": ["1"]}).status_code == 404
    assert not BookAction.objects.exists()


def test_the_auto_import_switch_is_per_shop_and_only_for_own_shops(staff_client, own_shop, other_staff):
    staff_client.post(f"/orders/book/shops/{own_shop.pk}/auto-import/", {"enabled": "1"})
    assert BookShopSettings.objects.get(shop=own_shop).auto_import

    others = ShopFactory(verified=True, salesperson=other_staff)
    assert (
        staff_client.post(f"/orders/book/shops/{others.pk}/auto-import/", {"enabled": "1"}).status_code == 404
    )
    staff_client.post(f"/orders/book/shops/{own_shop.pk}/auto-import/", {"enabled": "0"})
    assert list(BookShopSettings.objects.values_list("shop_id", "auto_import")) == [(own_shop.pk, False)]

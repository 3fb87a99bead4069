"""The order table: sorting, paging, the server-side selection and its helpers over the whole
filtered result, 匯入[訂單編號], and [聊聊] from an order."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from book.models import BookOrder, Product
from chat.models import Conversation
from orders.models import Order
from orders.selection import (
    selected_orders,
    selected_pks,
    selection_on_page,
    selection_replace,
    selection_select_all,
    selection_toggle,
)
from orders.selectors import OrderFilter
from tests.factories import OrderFactory, ShopFactory

pytestmark = pytest.mark.django_db

LIST = reverse("orders:list")


@pytest.fixture
def own_shop(salesperson):
    return ShopFactory(verified=True, account="ktmst", name="我的測試賣場", salesperson=salesperson)


@pytest.fixture
def many_orders(own_shop):
    """250 orders an hour apart (three pages): every tenth is delivered already."""
    now = timezone.now()
    return [
        OrderFactory(
            shop=own_shop,
            order_sn=f"2411{n:06d}",
            status="COMPLETED" if n % 10 == 0 else "READY_TO_SHIP",
            created_on_shopee=now - timedelta(hours=n),
            total_amount=Decimal(100 + n),
            items=[{"item_name": f"商品{n}", "sku": f"SKU{n % 3}", "quantity": 1 + n % 2, "price": 100}],
        )
        for n in range(250)
    ]


def rows(response):
    return response.context["rows"]


def selected_count(response) -> int:
    match = re.search(r'id="selected-count"[^>]*>已選 (\d+) 筆', response.content.decode())
    assert match, "the selected count is shown"
    return int(match.group(1))


def select(client, action, query=""):
    return client.post(reverse("orders:selection"), {"action": action, "query": query})


def test_select_all_covers_every_page_of_the_filter_and_survives_reloads(staff_client, many_orders):
    response = select(staff_client, "all", "scope=pending")
    assert response.status_code == 302 and "scope=pending" in response["Location"]

    for page in (1, 2, 3):
        response = staff_client.get(f"{LIST}?scope=pending&page={page}")
        assert selected_count(response) == 225  # the 25 delivered orders are not pending
        assert all(row.selected for row in rows(response))
    shown = staff_client.get(LIST)  # without the filter: still the same selection
    assert selected_count(shown) == 225
    assert not any(row.selected for row in rows(shown) if row.status == "COMPLETED")


def test_ticking_one_order_and_select_none(staff_client, many_orders, salesperson):
    select(staff_client, "all")
    untick = staff_client.post(reverse("orders:selection_toggle", args=[many_orders[3].pk]))
    assert "已選 249 筆" in untick.content.decode()
    assert many_orders[3].pk not in set(selected_orders(user=salesperson).values_list("pk", flat=True))

    tick = staff_client.post(reverse("orders:selection_toggle", args=[many_orders[3].pk]), {"on": "1"})
    assert "已選 250 筆" in tick.content.decode()

    select(staff_client, "none")
    assert selected_count(staff_client.get(LIST)) == 0


def test_select_imported_and_stock_enough_over_the_filter(staff_client, many_orders, salesperson):
    for order in many_orders[:3]:
        BookOrder.objects.create(order=order, imported_at=timezone.now(), stock_reserved=True)
    Product.objects.create(sku="SKU1", name="有貨", on_hand=5, reserved=4)  # 1 available
    Product.objects.create(sku="SKU2", name="缺貨", on_hand=0)

    select(staff_client, "imported")
    assert set(selected_orders(user=salesperson).values_list("order_sn", flat=True)) == {
        "2411000000",
        "2411000001",
        "2411000002",
    }

    select(staff_client, "stock")
    chosen = set(selected_orders(user=salesperson).values_list("pk", flat=True))
    # SKU1 orders want 1 + n % 2 pieces: only even n fits the one available; imported ones hold theirs.
    expected = {o.pk for n, o in enumerate(many_orders) if n < 3 or (n % 3 == 1 and n % 2 == 0)}
    assert chosen == expected
    page = staff_client.get(LIST)
    enough_column = {row.pk for row in rows(page) if dict(row.cells)["stock"].text == "是"}
    assert enough_column == expected & {row.pk for row in rows(page)}


def test_a_selection_is_per_user_and_only_of_visible_orders(
    staff_client, client, other_staff, many_orders, salesperson
):
    select(staff_client, "all")
    client.force_login(other_staff)
    assert selected_count(client.get(LIST)) == 0
    assert client.post(reverse("orders:selection_toggle", args=[many_orders[0].pk])).status_code == 404


def test_the_table_sorts_and_pages(staff_client, many_orders):
    newest_first = staff_client.get(LIST)
    assert [o.order_sn for o in rows(newest_first)][:2] == ["2411000000", "2411000001"]
    assert newest_first.context["page"].paginator.num_pages == 3

    by_amount = staff_client.get(f"{LIST}?sort=-amount")
    assert [o.total_amount for o in rows(by_amount)][:2] == [Decimal(349), Decimal(348)]
    last_page = staff_client.get(f"{LIST}?sort=amount&page=3")
    assert [o.total_amount for o in rows(last_page)][-1] == Decimal(349)


def test_the_table_queries_stay_constant(staff_client, many_orders, django_assert_num_queries):
    """Session and user (4), the user's shops (once for every form and filter), newest order
    (carrier menu cached), count, the page's ids, the selection (its row with the ticks counted,
    and which of the page's orders it holds: 2), rows, downloads, exports; the
    registered columns: the order book's state (1) and stock (orders, lines imported unreserved and
    their products: 3), the
    notice column's batch and automatic notices (2); the order book's panel: its sender and its
    auto-import switches (2); the header's count of replies due (the user's shops and two counts:
    3). The same for any page, filter or selection size."""
    staff_client.get(LIST)  # fills the carrier menu's cache
    with django_assert_num_queries(24):
        staff_client.get(LIST)
    select(staff_client, "all")
    with django_assert_num_queries(24):
        staff_client.get(f"{LIST}?scope=pending&page=3&sort=amount")


def test_importing_an_unknown_order_number_says_so(sandbox, shop, staff_client):
    response = staff_client.post(reverse("orders:import_one"), {"order_sn": "241101NOSUCH1"}, follow=True)
    assert "在您已驗證的帳號中，蝦皮查無訂單 241101NOSUCH1。" in response.content.decode()
    assert not Order.objects.exists()

    response = staff_client.post(reverse("orders:import_one"), {"order_sn": "no!"}, follow=True)
    assert "訂單編號是 6 到 32 個英文字母或數字。" in response.content.decode()


def test_importing_an_order_number_fetches_and_selects_it(sandbox, shop, staff_client, salesperson):
    sandbox.create_order(
        shop_id=shop.shop_id, order_sn="241101KNOWN01", carrier="全家", tracking_number="auto"
    )
    response = staff_client.post(reverse("orders:import_one"), {"order_sn": "241101known01"}, follow=True)
    assert "已從" in response.content.decode()
    order = Order.objects.get(order_sn="241101KNOWN01")
    assert order.tracking_number and order.channel_kind == "store"
    assert list(selected_orders(user=salesperson)) == [order]
    assert [o.order_sn for o in rows(response)] == ["241101KNOWN01"]


def test_chat_opens_the_buyers_conversation_or_says_why_not(staff_client, own_shop):
    hidden = OrderFactory(shop=own_shop, order_sn="241101HIDDEN1", buyer_user_id="")
    response = staff_client.get(reverse("inbox:order_conversation", args=[hidden.pk]), follow=True)
    assert "蝦皮隱藏了訂單 241101HIDDEN1 的買家" in response.content.decode()

    quiet = OrderFactory(shop=own_shop, order_sn="241101QUIET01", buyer_user_id="700000001")
    response = staff_client.get(reverse("inbox:order_conversation", args=[quiet.pk]), follow=True)
    assert "尚未與" in response.content.decode()

    conversation = Conversation.objects.create(shop=own_shop, conversation_id="1", buyer_id="700000001")
    response = staff_client.get(reverse("inbox:order_conversation", args=[quiet.pk]))
    assert response.status_code == 302 and response["Location"] == f"/chat/?c={conversation.pk}"


def test_chat_of_another_staff_members_order_is_not_found(client, other_staff, own_shop):
    order = OrderFactory(shop=own_shop)
    client.force_login(other_staff)
    assert client.get(reverse("inbox:order_conversation", args=[order.pk])).status_code == 404


def test_a_search_in_chinese_finds_the_buyer_and_an_empty_result_offers_every_order(staff_client, own_shop):
    OrderFactory(shop=own_shop, order_sn="241101CHINA01", buyer_username="王小明", total_amount=None)
    OrderFactory(shop=own_shop, order_sn="241101CHINA02", buyer_username="陳大文", total_amount=Decimal(99))

    found = staff_client.get(f"{LIST}?q=小明")
    assert [row.order_sn for row in rows(found)] == ["241101CHINA01"]
    html, pk = found.content.decode(), rows(found)[0].pk
    assert f'hx-post="{reverse("orders:selection_toggle", args=[pk])}"' in html
    assert f'href="{reverse("inbox:order_conversation", args=[pk])}"' in html

    nothing = staff_client.get(f"{LIST}?q=不存在的買家").content.decode()
    assert "沒有符合條件的訂單。" in nothing and "請在上方下載" not in nothing
    assert re.search(r'<a href="/orders/" id="clear-filters">顯示全部訂單</a>', nothing)

    # An order without an amount goes last, whichever way the amounts are sorted.
    for sort in ("amount", "-amount"):
        assert rows(staff_client.get(f"{LIST}?sort={sort}"))[-1].order_sn == "241101CHINA01"


def test_which_orders_of_a_page_are_selected_whatever_the_selection(salesperson, other_staff, many_orders):
    """The page asks about its own orders only: ticked ones, and the rule of a 全選 less those unticked."""
    pks = [o.pk for o in many_orders]
    assert selection_on_page(user=salesperson, order_pks=pks[:3]) == (0, set())  # never selected
    selection_replace(user=salesperson, order_pks=pks[::2])
    assert selection_on_page(user=salesperson, order_pks=pks[:4]) == (125, {pks[0], pks[2]})
    assert selection_on_page(user=salesperson, order_pks=[]) == (125, set())
    selection_select_all(user=salesperson, filters=OrderFilter(scope="pending"))
    selection_toggle(user=salesperson, order=many_orders[1], selected=False)
    selection_toggle(user=salesperson, order=many_orders[10], selected=True)  # delivered: not pending
    assert selection_on_page(user=salesperson, order_pks=pks[:12]) == (
        225,
        set(pks[2:10]) | {pks[10], pks[11]},
    )
    selection_replace(user=salesperson, order_pks=[])
    assert selection_on_page(user=salesperson, order_pks=pks[:3]) == (0, set())
    assert selection_on_page(user=other_staff, order_pks=pks[:3]) == (0, set())


def test_select_all_then_untick_one_and_the_action_takes_the_rest(staff_client, many_orders):
    select(staff_client, "all", "scope=pending")
    staff_client.post(reverse("orders:selection_toggle", args=[many_orders[1].pk]))
    page = staff_client.get(f"{LIST}?scope=pending")
    assert selected_count(page) == 224
    assert not next(row for row in rows(page) if row.pk == many_orders[1].pk).selected

    exported = staff_client.post(reverse("orders:export"), {"query": ""})  # 匯出Excel takes the selection
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    numbers = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(numbers) == 224 and many_orders[1].order_sn not in numbers
    assert many_orders[2].order_sn in numbers and many_orders[10].order_sn not in numbers


def test_an_action_holds_the_orders_it_took_for_the_next_one(staff_client, many_orders, salesperson):
    select(staff_client, "all", "scope=pending")
    staff_client.post(reverse("orders:selection_toggle", args=[many_orders[1].pk]))
    first = staff_client.post(reverse("orders:export"), {"query": ""})
    # The action moved its orders out of the filter (as 轉出貨 or 匯入 do): the selection is still them.
    Order.objects.filter(pk__in=[order.pk for order in many_orders]).update(status="SHIPPED")
    again = staff_client.post(reverse("orders:export"), {"query": ""})

    def numbers(response):
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        return {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}

    assert numbers(again) == numbers(first) and len(numbers(first)) == 224
    assert many_orders[1].order_sn not in numbers(again)
    assert selected_count(staff_client.get(LIST)) == 224


def test_an_order_arriving_after_select_all_is_not_in_it(staff_client, many_orders, own_shop, salesperson):
    select(staff_client, "all", "scope=pending")
    newcomer = OrderFactory(shop=own_shop, status="READY_TO_SHIP", created_on_shopee=timezone.now())
    page = staff_client.get(f"{LIST}?scope=pending")
    assert selected_count(page) == 225
    assert rows(page)[0].pk == newcomer.pk and not rows(page)[0].selected
    assert newcomer.pk not in selected_pks(user=salesperson)
    # Ticked by hand it joins; 全選 again takes it in as well.
    staff_client.post(reverse("orders:selection_toggle", args=[newcomer.pk]), {"on": "1"})
    assert selected_count(staff_client.get(LIST)) == 226
    select(staff_client, "all", "scope=pending")
    assert newcomer.pk in selected_pks(user=salesperson) and len(selected_pks(user=salesperson)) == 226


def test_select_all_takes_the_orders_the_page_showed(staff_client, many_orders, own_shop, salesperson):
    shown = staff_client.get(f"{LIST}?scope=pending&page=2").context["shown"]
    newcomer = OrderFactory(shop=own_shop, status="READY_TO_SHIP", created_on_shopee=timezone.now())
    # 全選 clicked on the page shown before the order came: that page's orders, and its count.
    page = staff_client.post(
        reverse("orders:selection"), {"action": "all", "query": "scope=pending", "shown": shown}, follow=True
    )
    assert "已選取 225 筆訂單。" in page.content.decode()
    assert selected_count(page) == 225 and rows(page)[0].pk == newcomer.pk and not rows(page)[0].selected
    assert newcomer.pk not in selected_pks(user=salesperson)
    # What another filter's page showed is not taken for this one: it is counted.
    select_carrier = {"action": "all", "query": "scope=pending&q=241100000", "shown": shown}
    assert (
        "已選取 9 筆訂單。"
        in staff_client.post(reverse("orders:selection"), select_carrier, follow=True).content.decode()
    )


def test_an_order_shipped_since_select_all_leaves_a_pending_selection(staff_client, many_orders, salesperson):
    select(staff_client, "all", "scope=pending")
    Order.objects.filter(pk=many_orders[1].pk).update(status="SHIPPED")
    assert many_orders[1].pk not in selected_pks(user=salesperson)
    assert len(selected_pks(user=salesperson)) == 224


def test_a_shop_taken_away_drops_out_of_the_selection(staff_client, many_orders, salesperson, other_staff):
    second = ShopFactory(verified=True, account="second", salesperson=salesperson)
    theirs = [OrderFactory(shop=second, status="READY_TO_SHIP") for _n in range(5)]
    select(staff_client, "all", "scope=pending")
    staff_client.post(reverse("orders:selection_toggle", args=[theirs[0].pk]))
    assert selected_count(staff_client.get(LIST)) == 229
    second.salesperson = other_staff
    second.save()
    assert selected_count(staff_client.get(LIST)) == 225
    assert not {o.pk for o in theirs} & set(selected_pks(user=salesperson))

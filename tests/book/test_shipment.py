"""轉出貨: converting imported orders to shipments through Shopee's logistics calls (the sandbox
over HTTP): store pickup, home delivery and seller delivery, the blank-tracking switch, repeats
and an order cancelled on Shopee in between."""

from __future__ import annotations

import pytest

from book.imports import book_import
from book.models import BookOrder, BookUserSettings
from book.shipment import book_convert, book_user_settings_save
from book.signals import order_converted_to_shipment
from orders.models import Order
from tests.book.helpers import act, by_sn, line, product, pull, remote_order, stock

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("require_postgres")]


@pytest.fixture
def announced():
    """Orders announced by order_converted_to_shipment (sent after commit)."""
    seen: list[str] = []

    def listener(sender, book_order, order, user, **kwargs):
        seen.append(order.order_sn)

    order_converted_to_shipment.connect(listener, weak=False, dispatch_uid="test-announced")
    yield seen
    order_converted_to_shipment.disconnect(dispatch_uid="test-announced")


def imported(sandbox, shop, user, *remote):
    orders = pull(shop, *remote)
    outcomes = book_import(order_pks=[o.pk for o in orders], user=user)
    assert {o.code for o in outcomes} == {"imported"}
    return orders


def ship_calls(sandbox) -> int:
    return sum(c["count"] for c in sandbox.calls() if c["path"].endswith("/ship_order"))


def test_store_pickup_and_home_delivery_are_arranged_on_shopee_and_deduct_stock(
    sandbox, shop, salesperson, announced
):
    product("CUP", 10)
    store = remote_order(sandbox, shop, line("CUP", 2), carrier="7-ELEVEN")
    home = remote_order(sandbox, shop, line("CUP", 3), carrier="新竹物流")
    orders = imported(sandbox, shop, salesperson, store, home)
    assert stock("CUP") == (10, 5)

    outcomes = book_convert(order_pks=[o.pk for o in orders], user=salesperson, sender="王小美")

    assert by_sn(outcomes) == {store["order_sn"]: "converted", home["order_sn"]: "converted"}
    world = sandbox.state()["orders"]
    for remote in (store, home):
        entry = BookOrder.objects.get(order__order_sn=remote["order_sn"])
        assert world[remote["order_sn"]]["status"] == "PROCESSED"  # arranged on Shopee
        assert entry.tracking_number == world[remote["order_sn"]]["tracking_number"] != ""
        assert (entry.state, entry.sender, entry.shipped_by) == ("shipped", "王小美", salesperson)
        assert Order.objects.get(order_sn=remote["order_sn"]).tracking_number == entry.tracking_number
    assert stock("CUP") == (5, 0)
    assert sorted(announced) == sorted([store["order_sn"], home["order_sn"]])
    assert entry.tracking_number in {o.message for o in outcomes if o.order_sn == home["order_sn"]}.pop()


def test_a_repeated_conversion_changes_nothing(sandbox, shop, salesperson, announced):
    product("CUP", 10)
    orders = imported(sandbox, shop, salesperson, remote_order(sandbox, shop, line("CUP", 2), carrier="全家"))
    book_convert(order_pks=[orders[0].pk], user=salesperson, sender="王小美")
    calls = ship_calls(sandbox)
    before = BookOrder.objects.get(order=orders[0])

    [again] = book_convert(order_pks=[orders[0].pk], user=salesperson, sender="別人")

    after = BookOrder.objects.get(order=orders[0])
    assert again.code == "already_converted" and before.tracking_number in again.message
    assert (after.sender, after.shipped_at, after.tracking_number) == (
        "王小美",
        before.shipped_at,
        before.tracking_number,
    )
    assert stock("CUP") == (8, 0) and ship_calls(sandbox) == calls
    assert announced == [orders[0].order_sn]  # one event


def test_home_delivery_without_a_tracking_number_needs_the_blank_tracking_switch(
    sandbox, shop, salesperson, announced
):
    """黑貓 arranged in Seller Centre whose number has not come yet, and seller delivery (賣家宅配)
    without the seller's own number: refused with the reason unless the switch is on."""
    product("CUP", 10)
    tcat = remote_order(sandbox, shop, line("CUP", 1), carrier="黑貓宅急便", status="PROCESSED")
    seller = remote_order(sandbox, shop, line("CUP", 1), carrier="賣家宅配")
    orders = imported(sandbox, shop, salesperson, tcat, seller)

    refused = book_convert(order_pks=[o.pk for o in orders], user=salesperson, sender="王小美")

    assert by_sn(refused) == {tcat["order_sn"]: "blank_tracking", seller["order_sn"]: "blank_tracking"}
    assert all("寄件編號" in o.message for o in refused)
    assert sandbox.state()["orders"][seller["order_sn"]]["status"] == "READY_TO_SHIP"  # nothing arranged
    assert set(BookOrder.objects.values_list("state", flat=True)) == {"imported"}
    assert stock("CUP") == (10, 2) and announced == []

    allowed = book_convert(
        order_pks=[o.pk for o in orders], user=salesperson, sender="王小美", allow_blank_tracking=True
    )

    assert by_sn(allowed) == {tcat["order_sn"]: "converted_blank", seller["order_sn"]: "converted_blank"}
    assert sandbox.state()["orders"][seller["order_sn"]]["status"] == "PROCESSED"  # non-integrated
    assert set(BookOrder.objects.values_list("state", flat=True)) == {"shipped"}
    assert stock("CUP") == (8, 0) and sorted(announced) == sorted([tcat["order_sn"], seller["order_sn"]])


def test_store_pickup_ships_without_the_switch(sandbox, shop, salesperson):
    product("CUP", 10)
    orders = imported(
        sandbox, shop, salesperson, remote_order(sandbox, shop, line("CUP", 1), carrier="蝦皮店到店")
    )

    [outcome] = book_convert(order_pks=[orders[0].pk], user=salesperson)

    assert outcome.code == "converted"


def test_an_order_cancelled_on_shopee_in_between_is_refused_and_its_stock_released(
    sandbox, shop, salesperson, announced
):
    product("CUP", 10)
    remote = remote_order(sandbox, shop, line("CUP", 4), carrier="全家")
    orders = imported(sandbox, shop, salesperson, remote)
    sandbox.set_order_status(remote["order_sn"], "CANCELLED")  # the buyer cancels; no push reaches us

    [outcome] = book_convert(order_pks=[orders[0].pk], user=salesperson, sender="王小美")

    assert outcome.code == "cancelled_on_shopee" and outcome.message == "已在蝦皮取消"
    assert BookOrder.objects.get(order=orders[0]).state == "cancelled"
    assert stock("CUP") == (10, 0) and ship_calls(sandbox) == 0 and announced == []


def test_orders_not_imported_are_refused(sandbox, shop, salesperson):
    [order] = pull(shop, remote_order(sandbox, shop, line("CUP", 1)))

    [outcome] = book_convert(order_pks=[order.pk], user=salesperson)

    assert outcome.code == "not_imported" and ship_calls(sandbox) == 0


def test_the_sender_and_switch_are_remembered_per_user(salesperson, other_staff):
    book_user_settings_save(user=salesperson, sender="王小美", allow_blank_tracking=True)
    book_user_settings_save(user=other_staff, sender="阿明", allow_blank_tracking=False)
    book_user_settings_save(user=salesperson, sender="王小美 倉庫", allow_blank_tracking=True)

    assert dict(BookUserSettings.objects.values_list("user__username", "sender")) == {
        "sales": "王小美 倉庫",
        "other": "阿明",
    }


def test_seller_delivery_ships_with_the_sellers_own_tracking_number(
    sandbox, shop, staff_client, salesperson, eager_tasks
):
    product("CUP", 10)
    seller = remote_order(sandbox, shop, line("CUP", 1), carrier="賣家宅配")
    orders = imported(sandbox, shop, salesperson, seller)

    response = act(
        staff_client,
        "convert",
        [orders[0]],
        sender="王小美",
        tracking_numbers=f"{seller['order_sn']}, S0000012345\nnonsense line\n",
        follow=True,
    )

    assert "已轉出貨，寄件編號 S0000012345" in response.content.decode()
    assert sandbox.state()["orders"][seller["order_sn"]]["tracking_number"] == "S0000012345"
    assert BookOrder.objects.get(order=orders[0]).tracking_number == "S0000012345"


def test_a_forced_line_whose_sku_joined_the_catalogue_later_is_deducted_on_conversion(
    sandbox, shop, salesperson
):
    product("CUP", 10)
    remote = remote_order(sandbox, shop, line("CUP", 2), line("NEW-1", 3), carrier="7-ELEVEN")
    [order] = pull(shop, remote)
    [forced] = book_import(order_pks=[order.pk], user=salesperson, force=True)
    assert forced.code == "imported_unknown_sku"
    product("NEW-1", 7)  # staff add the missing product afterwards (商品 page or its .xlsx)

    [outcome] = book_convert(order_pks=[order.pk], user=salesperson, sender="王小美")

    assert outcome.code == "converted"
    assert stock("CUP") == (8, 0) and stock("NEW-1") == (4, 0)  # nothing was reserved for NEW-1
    lines = BookOrder.objects.get(order=order).lines.all()
    assert sorted((ln.sku, ln.product.sku) for ln in lines) == [("CUP", "CUP"), ("NEW-1", "NEW-1")]

"""Parcels that come back (未取貨): Shopee cancels an order after it shipped, the book marks it
returning without touching stock, and 退貨入庫 puts the goods back on hand once, against the
sandbox over HTTP."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from book.imports import book_import
from book.models import BookOrder
from book.returns import book_restock
from book.shipment import book_convert
from orders.services import orders_refresh
from tests.book.helpers import act, by_sn, line, product, pull, remote_order, stock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres", "eager_tasks"),
]


def shipped(sandbox, shop, user, *remote):
    orders = pull(shop, *remote)
    assert {o.code for o in book_import(order_pks=[o.pk for o in orders], user=user)} == {"imported"}
    assert {o.code for o in book_convert(order_pks=[o.pk for o in orders], user=user)} == {"converted"}
    return orders


def cancelled_on_shopee(sandbox, shop, *remote):
    """The buyer never picks the parcel up: Shopee cancels the order, our next read sees it."""
    for order in remote:
        sandbox.set_order_status(order["order_sn"], "CANCELLED")
    orders_refresh(shop=shop, order_sns=[order["order_sn"] for order in remote])


def test_a_parcel_cancelled_after_shipment_is_returning_then_restocked_once(
    sandbox, shop, staff_client, salesperson
):
    product("CUP", 10)
    product("BAG", 5)
    remote = remote_order(sandbox, shop, line("CUP", 2), line("BAG", 1), carrier="7-ELEVEN")
    [order] = shipped(sandbox, shop, salesperson, remote)
    assert stock("CUP") == (8, 0) and stock("BAG") == (4, 0)

    cancelled_on_shopee(sandbox, shop, remote)

    entry = BookOrder.objects.get(order=order)
    assert entry.state == "returning" and entry.cancelled_at is not None
    assert stock("CUP") == (8, 0) and stock("BAG") == (4, 0)  # the parcel is not back yet
    page = staff_client.get("/orders/").content.decode()
    assert "出貨後取消・退件寄回中" in page and "退貨入庫" in page

    response = act(staff_client, "restock", [order], follow=True)

    assert "退件已入庫：3 件加回庫存" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.state, entry.returned_by) == ("returned", salesperson) and entry.returned_at
    assert stock("CUP") == (10, 0) and stock("BAG") == (5, 0)
    assert "退件已入庫" in staff_client.get("/orders/").content.decode()  # the 已匯入 column

    again = act(staff_client, "restock", [order], follow=True)

    assert "已退貨入庫過" in again.content.decode()
    assert stock("CUP") == (10, 0) and stock("BAG") == (5, 0)
    assert BookOrder.objects.get(order=order).returned_at == entry.returned_at


def test_a_mixed_selection_restocks_only_returning_parcels_and_says_why_for_the_others(
    sandbox, shop, salesperson
):
    product("CUP", 20)
    returning = remote_order(sandbox, shop, line("CUP", 2))
    on_its_way = remote_order(sandbox, shop, line("CUP", 3))
    imported = remote_order(sandbox, shop, line("CUP", 1))
    never_imported = remote_order(sandbox, shop, line("CUP", 1))
    shipped(sandbox, shop, salesperson, returning, on_its_way)
    pull(shop, imported, never_imported)
    book_import(order_pks=[o.pk for o in pull(shop, imported)], user=salesperson)
    cancelled_on_shopee(sandbox, shop, returning)
    assert stock("CUP") == (15, 1)
    orders = pull(shop, returning, on_its_way, imported, never_imported)

    outcomes = book_restock(order_pks=[o.pk for o in orders] + [999_999_999], user=salesperson)

    assert by_sn(outcomes) == {
        "": "not_found",
        returning["order_sn"]: "restocked",
        on_its_way["order_sn"]: "not_returning",
        imported["order_sn"]: "not_returning",
        never_imported["order_sn"]: "not_imported",
    }
    words = {o.order_sn: o.message for o in outcomes}
    assert words[on_its_way["order_sn"]] == "不是退件（訂單簿：已出貨），庫存未變動"
    assert "已匯入" in words[imported["order_sn"]] and words[never_imported["order_sn"]] == "尚未匯入"
    assert stock("CUP") == (17, 1)  # only the returning parcel's 2 back; the reservation untouched
    states = dict(BookOrder.objects.values_list("order__order_sn", "state"))
    assert states == {
        returning["order_sn"]: "returned",
        on_its_way["order_sn"]: "shipped",
        imported["order_sn"]: "imported",
    }
    # A returned order stays out of the book's imports and conversions.
    [again] = book_import(order_pks=[orders[0].pk], user=salesperson, force=True)
    assert again.code == "already_shipped"


def test_a_double_click_restocks_once(sandbox, shop, salesperson):
    """Two restocks of the same parcels at the same moment (two requests): one adds, one reports."""
    product("CUP", 10)
    remote = [remote_order(sandbox, shop, line("CUP", 1)) for _ in range(5)]
    orders = shipped(sandbox, shop, salesperson, *remote)
    cancelled_on_shopee(sandbox, shop, *remote)
    start = threading.Barrier(2)
    results: list[list[str]] = []

    def click() -> None:
        try:
            start.wait()
            results.append([o.code for o in book_restock(order_pks=[o.pk for o in orders], user=salesperson)])
        finally:
            connection.close()

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()

    assert sorted(results) == [["already_restocked"] * 5, ["restocked"] * 5]
    assert stock("CUP") == (10, 0)

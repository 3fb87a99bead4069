"""Importing Shopee orders into the order book through the service, end to end: normal, forced and
supplementary imports and their stock reservations, the orders pulled from the sandbox over HTTP.
The import's rules case by case: test_rules.py; auto import and cancellations: test_after_orders.py."""

from __future__ import annotations

import pytest

from book.imports import book_import
from book.models import BookOrder, Product
from book.supplement import book_supplement
from orders.models import Order
from tests.book.helpers import by_sn, line, product, pull, remote_order, stock

pytestmark = pytest.mark.django_db


def test_import_takes_orders_with_enough_stock_and_says_why_not_for_the_others(sandbox, shop, salesperson):
    product("CUP", 5)
    product("BAG", 1)
    enough = remote_order(sandbox, shop, line("CUP", 2, 289), line("BAG", 1, 99))
    short = remote_order(sandbox, shop, line("BAG", 1))  # the only BAG goes to the earlier order
    unknown = remote_order(sandbox, shop, line("NOPE-1", 1), line("CUP", 1))
    no_sku = remote_order(sandbox, shop, {"item_name": "無料號商品", "quantity": 1, "price": 10})
    cancelled = remote_order(sandbox, shop, line("CUP", 1), status="CANCELLED")
    unpaid = remote_order(sandbox, shop, line("CUP", 1), status="UNPAID")
    orders = pull(shop, enough, short, unknown, no_sku, cancelled, unpaid)

    outcomes = book_import(order_pks=[o.pk for o in orders], user=salesperson)

    assert by_sn(outcomes) == {
        enough["order_sn"]: "imported",
        short["order_sn"]: "not_enough_stock",
        unknown["order_sn"]: "unknown_sku",
        no_sku["order_sn"]: "missing_sku",
        cancelled["order_sn"]: "cancelled_on_shopee",
        unpaid["order_sn"]: "not_paid",
    }
    words = {o.order_sn: o.message for o in outcomes}
    assert "BAG" in words[short["order_sn"]] and "NOPE-1" in words[unknown["order_sn"]]
    assert "無料號商品" in words[no_sku["order_sn"]]
    entry = BookOrder.objects.get(order__order_sn=enough["order_sn"])
    assert (entry.state, entry.imported_by, entry.forced) == ("imported", salesperson, False)
    assert sorted((ln.sku, ln.quantity, int(ln.price), ln.product.sku) for ln in entry.lines.all()) == [
        ("BAG", 1, 99, "BAG"),
        ("CUP", 2, 289, "CUP"),
    ]
    assert stock("CUP") == (5, 2) and stock("BAG") == (1, 1)  # reserved, not yet deducted
    assert BookOrder.objects.count() == 1  # nothing half-imported for the refused ones


def test_importing_again_gives_one_record_and_reserves_once(sandbox, shop, salesperson, other_staff):
    product("CUP", 5)
    [order] = pull(shop, remote_order(sandbox, shop, line("CUP", 2)))

    first = book_import(order_pks=[order.pk], user=salesperson)
    second = book_import(order_pks=[order.pk, order.pk], user=other_staff)

    assert [o.code for o in first] == ["imported"] and [o.code for o in second] == ["already_imported"]
    assert BookOrder.objects.filter(order=order).count() == 1
    assert BookOrder.objects.get(order=order).imported_by == salesperson
    assert stock("CUP") == (5, 2)


def test_stock_enough_counts_what_earlier_imported_orders_reserve(sandbox, shop, salesperson):
    product("CUP", 3)
    first, second = pull(
        shop, remote_order(sandbox, shop, line("CUP", 2)), remote_order(sandbox, shop, line("CUP", 2))
    )
    assert by_sn(book_import(order_pks=[first.pk], user=salesperson)) == {first.order_sn: "imported"}

    [outcome] = book_import(order_pks=[second.pk], user=salesperson)

    assert outcome.code == "not_enough_stock" and outcome.params == {"sku": "CUP", "need": 2, "available": 1}
    assert stock("CUP") == (3, 2)


def test_force_import_ignores_stock_and_lets_it_go_negative(sandbox, shop, salesperson):
    product("CUP", 1)
    [order] = pull(shop, remote_order(sandbox, shop, line("CUP", 3)))

    [outcome] = book_import(order_pks=[order.pk], user=salesperson, force=True)

    assert outcome.code == "imported_short" and "CUP" in outcome.message
    assert stock("CUP") == (1, 3)
    assert BookOrder.objects.get(order=order).forced


def test_force_import_takes_lines_whose_sku_is_not_in_the_catalogue_without_a_product(
    sandbox, shop, salesperson
):
    product("CUP", 5)
    mixed = remote_order(sandbox, shop, line("CUP", 2), line("NEW-1", 3))
    known = remote_order(sandbox, shop, line("CUP", 1))
    orders = pull(shop, mixed, known)
    refused = book_import(order_pks=[o.pk for o in orders], user=salesperson)
    assert by_sn(refused) == {mixed["order_sn"]: "unknown_sku", known["order_sn"]: "imported"}

    forced = book_import(order_pks=[o.pk for o in orders], user=salesperson, force=True)

    assert by_sn(forced) == {mixed["order_sn"]: "imported_unknown_sku", known["order_sn"]: "already_imported"}
    [words] = [o.message for o in forced if o.order_sn == mixed["order_sn"]]
    assert words == "已匯入，但料號不在商品資料中：NEW-1（未保留庫存，請補建商品）"
    entry = BookOrder.objects.get(order=orders[0])
    assert entry.forced and sorted(
        (ln.sku, ln.quantity, ln.product.sku if ln.product else None) for ln in entry.lines.all()
    ) == [("CUP", 2, "CUP"), ("NEW-1", 3, None)]
    assert stock("CUP") == (5, 3)  # the known line reserves; the unknown one holds nothing
    assert not Product.objects.filter(sku="NEW-1").exists()


def test_force_import_reimports_an_order_whose_shopee_content_changed(sandbox, shop, salesperson):
    product("CUP", 10)
    product("BAG", 10)
    remote = remote_order(sandbox, shop, line("CUP", 3), line("BAG", 1))
    [order] = pull(shop, remote)
    book_import(order_pks=[order.pk], user=salesperson)
    unchanged = book_import(order_pks=[order.pk], user=salesperson, force=True)

    sandbox.set_order_items(remote["order_sn"], [line("CUP", 1)])  # the buyer cancelled part of it
    pull(shop, remote)
    normal = book_import(order_pks=[order.pk], user=salesperson)
    forced = book_import(order_pks=[order.pk], user=salesperson, force=True)

    assert [o.code for o in unchanged + normal + forced] == [
        "already_imported",
        "already_imported",
        "reimported",
    ]
    entry = BookOrder.objects.get(order=order)
    assert [(ln.sku, ln.quantity) for ln in entry.lines.all()] == [("CUP", 1)]
    assert stock("CUP") == (10, 1) and stock("BAG") == (10, 0)


def test_supplementary_import_fills_in_store_tracking_numbers_assigned_after_import(
    sandbox, shop, salesperson
):
    product("CUP", 10)
    store = remote_order(sandbox, shop, line("CUP", 1), carrier="全家")
    still_waiting = remote_order(sandbox, shop, line("CUP", 1), carrier="7-ELEVEN")
    had_one = remote_order(sandbox, shop, line("CUP", 1), carrier="萊爾富", tracking_number="auto")
    home = remote_order(sandbox, shop, line("CUP", 1), carrier="新竹物流")
    not_imported = remote_order(sandbox, shop, line("CUP", 1), carrier="全家")
    orders = pull(shop, store, still_waiting, had_one, home, not_imported)
    book_import(order_pks=[o.pk for o in orders[:4]], user=salesperson)
    assigned = sandbox.set_tracking_number(store["order_sn"])["tracking_number"]  # Shopee assigns it later

    outcomes = book_supplement(order_pks=[o.pk for o in orders])

    assert by_sn(outcomes) == {
        store["order_sn"]: "tracking_filled",
        still_waiting["order_sn"]: "no_tracking_yet",
        had_one["order_sn"]: "has_tracking",  # assigned before import: the order sync read it
        home["order_sn"]: "not_store_pickup",
        not_imported["order_sn"]: "not_imported",
    }
    assert BookOrder.objects.get(order__order_sn=store["order_sn"]).tracking_number == assigned
    assert Order.objects.get(order_sn=store["order_sn"]).tracking_number == assigned
    assert (
        BookOrder.objects.get(order__order_sn=had_one["order_sn"]).tracking_number
        == had_one["tracking_number"]
    )
    assert [o.code for o in book_supplement(order_pks=[orders[0].pk])] == ["has_tracking"]

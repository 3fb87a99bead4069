"""The order book's rules over plain data, case by case: what an import does to a selection
(book.rules.import_decide) and whether an order's stock is enough (stock_short). No database,
no sandbox: these run on any machine, in milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from book.rules import (
    AUTO_IMPORT_STATUSES,
    Entry,
    ImportOrder,
    Line,
    Stock,
    content_hash,
    import_decide,
    order_lines,
    stock_short,
    wanted_units,
)
from orders.models import STATUS_LABELS

T0 = datetime(2024, 11, 1, 9, 0, tzinfo=UTC)


def order(pk: int, *lines: Line, status: str = "READY_TO_SHIP", minutes: int = 0, tracking: str = ""):
    """An order placed `minutes` after T0 (the earlier one is judged first)."""
    return ImportOrder(
        pk=pk,
        order_sn=f"SN{pk}",
        status=status,
        created=T0 + timedelta(minutes=minutes),
        lines=lines,
        tracking_number=tracking,
    )


def line(sku: str, quantity: int = 1, name: str = "") -> Line:
    return Line(sku=sku, name=name or f"商品 {sku}", quantity=quantity, price=Decimal("100.00"))


def stock(pk: int, sku: str, on_hand: int, reserved: int = 0) -> Stock:
    return Stock(pk=pk, sku=sku, on_hand=on_hand, reserved=reserved)


def decide(orders, *, products=(), entries=None, pks=None, **options):
    orders = list(orders)
    return import_decide(
        pks=[o.pk for o in orders] if pks is None else pks,
        orders=orders,
        entries=entries or {},
        stock=list(products),
        **options,
    )


def codes(plan) -> dict[str, str]:
    return {outcome.order_sn: outcome.code for outcome in plan.outcomes}


def reserved(plan) -> dict[str, int]:
    """The reservation of every product whose reservation the plan moves, by SKU."""
    return {item.sku: item.reserved for item in plan.stock_changed()}


# -- importing ---------------------------------------------------------------------------------


def test_an_order_with_enough_stock_is_imported_and_reserves_its_lines():
    plan = decide(
        [order(1, line("CUP", 2), line("BAG", 1), tracking="F1")],
        products=[stock(10, "CUP", 5), stock(11, "BAG", 1)],
    )

    assert codes(plan) == {"SN1": "imported"}
    [imported] = plan.imported
    assert (imported.order_pk, imported.entry_pk, imported.tracking_number) == (1, None, "F1")
    assert [(ln.sku, ln.quantity, product) for ln, product in imported.lines] == [
        ("CUP", 2, 10),
        ("BAG", 1, 11),
    ]
    assert imported.content_hash == content_hash(ln for ln, _product in imported.lines)
    assert reserved(plan) == {"CUP": 2, "BAG": 1}


def test_the_earliest_created_order_gets_the_last_unit_whatever_the_selection_order():
    late, early = order(1, line("CUP"), minutes=5), order(2, line("CUP"), minutes=1)

    plan = decide([late, early], products=[stock(10, "CUP", 1)])

    assert [o.order_sn for o in plan.outcomes] == ["SN2", "SN1"]
    assert codes(plan) == {"SN2": "imported", "SN1": "not_enough_stock"}
    assert plan.outcomes[1].params == {"sku": "CUP", "need": 1, "available": 0}
    assert [item.order_pk for item in plan.imported] == [2]


def test_an_order_counts_what_earlier_imports_and_earlier_orders_of_the_selection_reserve():
    plan = decide(
        [
            order(1, line("CUP", 2), minutes=1),
            order(2, line("CUP", 2), minutes=2),
            order(3, line("CUP"), minutes=3),
        ],
        products=[stock(10, "CUP", on_hand=6, reserved=1)],  # 5 available
    )

    assert codes(plan) == {"SN1": "imported", "SN2": "imported", "SN3": "imported"}
    assert reserved(plan) == {"CUP": 6}

    plan = decide([order(4, line("CUP", 2))], products=[stock(10, "CUP", on_hand=6, reserved=5)])

    assert plan.outcomes[0].params == {"sku": "CUP", "need": 2, "available": 1}


def test_lines_of_one_sku_are_needed_together():
    plan = decide([order(1, line("CUP", 2), line("CUP", 2))], products=[stock(10, "CUP", 3)])

    assert codes(plan) == {"SN1": "not_enough_stock"}
    assert plan.outcomes[0].params["need"] == 4


def test_the_first_short_sku_is_named_and_nothing_is_reserved_for_a_refused_order():
    plan = decide(
        [order(1, line("CUP", 1), line("BAG", 3), line("LAMP", 9))],
        products=[stock(10, "CUP", 5), stock(11, "BAG", 1), stock(12, "LAMP", 0)],
    )

    assert plan.outcomes[0].code == "not_enough_stock" and plan.outcomes[0].params["sku"] == "BAG"
    assert plan.imported == [] and plan.stock_changed() == []


def test_orders_not_found_come_first():
    plan = decide([order(1, line("CUP"))], products=[stock(10, "CUP", 1)], pks=[7, 1, 8])

    assert [(o.order_sn, o.code, o.order_pk) for o in plan.outcomes] == [
        ("", "not_found", 7),
        ("", "not_found", 8),
        ("SN1", "imported", 1),
    ]


# -- refusals whatever the stock ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "entry_state", "lines", "code"),
    [
        ("READY_TO_SHIP", "shipped", (line("CUP"),), "already_shipped"),
        ("SHIPPED", "returning", (line("CUP"),), "already_shipped"),
        ("COMPLETED", "returned", (line("CUP"),), "already_shipped"),
        ("CANCELLED", None, (line("CUP"),), "cancelled_on_shopee"),
        ("IN_CANCEL", "imported", (line("CUP"),), "cancelled_on_shopee"),
        ("READY_TO_SHIP", "cancelled", (line("CUP"),), "cancelled_in_book"),
        ("UNPAID", None, (line("CUP"),), "not_paid"),
        ("PENDING", None, (line("CUP"),), "not_paid"),
        ("TO_RETURN", None, (line("CUP"),), "status_not_importable"),
        ("INVOICE_PENDING", None, (line("CUP"),), "status_not_importable"),
        ("READY_TO_SHIP", None, (), "no_items"),
        ("READY_TO_SHIP", None, (line("CUP", 0),), "no_items"),
        ("READY_TO_SHIP", None, (line("CUP"), line("", name="無料號商品")), "missing_sku"),
    ],
)
def test_orders_that_cannot_be_imported_are_refused_with_the_reason_even_when_forced(
    status, entry_state, lines, code
):
    entries = {1: Entry(pk=50, state=entry_state, stock_reserved=True)} if entry_state else {}

    for force in (False, True):
        plan = decide(
            [order(1, *lines, status=status)], products=[stock(10, "CUP", 9)], entries=entries, force=force
        )

        assert codes(plan) == {"SN1": code}
        assert plan.imported == [] and plan.stock_changed() == []


def test_a_refusal_names_the_status_or_the_lines_in_the_readers_words():
    plan = decide(
        [
            order(1, line("CUP"), status="UNPAID"),
            order(2, line("", name="吊飾"), line("", name="贈品"), minutes=1),
        ],
        products=[stock(10, "CUP", 9)],
    )

    # Stored as Shopee's code, said in the reader's words when shown.
    assert plan.outcomes[0].params == {"status": "UNPAID"}
    assert (
        plan.outcomes[0].message
        == f"蝦皮上尚未可處理（{STATUS_LABELS['UNPAID']}）"
        == "蝦皮上尚未可處理（未付款）"
    )
    with translation.override("en"):
        assert plan.outcomes[0].message == "Not ready on Shopee yet (Unpaid)"
    assert plan.outcomes[1].params == {"names": "吊飾、贈品"}


def test_automatic_import_takes_only_orders_still_to_ship():
    orders = [
        order(1, line("CUP"), status="READY_TO_SHIP"),
        order(2, line("CUP"), status="PROCESSED", minutes=1),
        order(3, line("CUP"), status="COMPLETED", minutes=2),
        order(4, line("NOPE"), status="COMPLETED", minutes=3),
    ]

    plan = decide(orders, products=[stock(10, "CUP", 9)], statuses=AUTO_IMPORT_STATUSES)

    assert codes(plan) == {
        "SN1": "imported",
        "SN2": "imported",
        "SN3": "status_not_importable",
        "SN4": "status_not_importable",
    }


# -- already imported, unknown SKUs, short stock, force ----------------------------------------


def test_an_order_in_the_book_is_already_imported_unless_forced_with_changed_lines():
    lines = (line("CUP", 2),)
    entry = Entry(
        pk=50, state="imported", content_hash=content_hash(lines), stock_reserved=True, held=((10, 2),)
    )
    products = [stock(10, "CUP", 5, reserved=2)]

    for force in (False, True):
        plan = decide([order(1, *lines)], products=products, entries={1: entry}, force=force)
        assert codes(plan) == {"SN1": "already_imported"} and plan.stock_changed() == []


def test_an_unknown_sku_is_refused_and_a_forced_import_takes_it_without_a_product():
    orders = [order(1, line("CUP", 2), line("NEW-2", 1), line("NEW-1", 3))]
    products = [stock(10, "CUP", 5)]

    refused = decide(orders, products=products)
    forced = decide(orders, products=products, force=True)

    assert codes(refused) == {"SN1": "unknown_sku"} and refused.outcomes[0].params == {"skus": "NEW-1、NEW-2"}
    assert codes(forced) == {"SN1": "imported_unknown_sku"} and forced.outcomes[0].params == {
        "skus": "NEW-1、NEW-2"
    }
    assert [(ln.sku, product) for ln, product in forced.imported[0].lines] == [
        ("CUP", 10),
        ("NEW-2", None),
        ("NEW-1", None),
    ]
    assert reserved(forced) == {"CUP": 2}  # a line outside the catalogue reserves nothing


def test_a_forced_import_ignores_short_stock_and_lets_available_go_negative():
    plan = decide(
        [order(1, line("CUP", 3)), order(2, line("CUP", 1), minutes=1)],
        products=[stock(10, "CUP", 1)],
        force=True,
    )

    assert codes(plan) == {"SN1": "imported_short", "SN2": "imported_short"}
    assert plan.outcomes[0].params == {"skus": "CUP"}
    assert plan.stock[10].available == -3


def test_a_forced_reimport_releases_what_the_old_lines_held_before_it_reserves_anew():
    old = (line("CUP", 3), line("BAG", 1))
    entry = Entry(
        pk=50,
        state="imported",
        content_hash=content_hash(old),
        stock_reserved=True,
        tracking_number="F-OLD",
        held=((10, 3), (11, 1)),
    )
    products = [stock(10, "CUP", on_hand=3, reserved=3), stock(11, "BAG", on_hand=1, reserved=1)]

    plan = decide(
        [order(1, line("CUP", 2), tracking="F-NEW")], products=products, entries={1: entry}, force=True
    )

    assert codes(plan) == {"SN1": "reimported"}
    [again] = plan.imported
    assert (again.entry_pk, again.tracking_number) == (50, "F-OLD")  # the book's number stays
    assert reserved(plan) == {"BAG": 0, "CUP": 2}  # all 3 cups would not fit without the release


def test_a_reimport_of_an_entry_that_holds_nothing_releases_nothing():
    entry = Entry(pk=50, state="imported", content_hash="old", stock_reserved=False, held=((10, 3),))

    plan = decide(
        [order(1, line("CUP", 1), tracking="F9")],
        products=[stock(10, "CUP", on_hand=3, reserved=3)],
        entries={1: entry},
        force=True,
    )

    assert codes(plan) == {"SN1": "reimported"}
    assert plan.imported[0].tracking_number == "F9"  # the entry had none: the order's
    assert reserved(plan) == {"CUP": 4}


# -- an order's lines --------------------------------------------------------------------------


def test_shopee_items_become_book_lines_and_the_same_lines_the_same_fingerprint():
    items = [
        {"item_name": "馬克杯", "model_name": "白", "sku": " CUP-W ", "quantity": 2, "price": 289},
        {"item_name": "x" * 300, "sku": "", "quantity": None, "price": "not a price"},
    ]

    lines = order_lines(items)

    assert lines[0] == Line(sku="CUP-W", name="馬克杯 白", quantity=2, price=Decimal("289.00"))
    assert (len(lines[1].name), lines[1].quantity, lines[1].price) == (255, 0, None)
    assert content_hash(order_lines(items)) == content_hash(lines)
    assert content_hash(order_lines([{**items[0], "quantity": 1}, items[1]])) != content_hash(lines)
    assert order_lines(None) == ()


# -- stock enough ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "short"),
    [
        ([{"sku": "CUP", "quantity": 2}], None),
        ([{"sku": "CUP", "quantity": 2}, {"sku": "CUP", "quantity": 2}], ["CUP"]),
        ([{"sku": "CUP", "quantity": 1}, {"sku": "LAMP", "quantity": 1}], ["LAMP"]),
        ([{"sku": "NOPE", "quantity": 1}], ["NOPE"]),
        ([{"sku": "", "quantity": 1}], [""]),
        ([], []),
    ],
)
def test_stock_is_enough_when_every_line_has_a_sku_with_that_much_available(items, short):
    available = {"CUP": 3, "LAMP": 0}

    assert stock_short(wanted_units(items), available) == short


def test_an_order_holding_its_stock_is_enough_whatever_is_left():
    assert stock_short(None, {}) is None

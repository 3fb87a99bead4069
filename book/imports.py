"""匯入: 匯入訂單, 強制匯入 and 自動匯入 of Shopee orders into the order book.

Contract of `book_import(order_pks=…, user=…, force=False)`: the selection is imported in one
transaction, one Outcome per order (orders not found first, then earliest created first). An
order is imported whole or not at all; importing it again, from two tabs or by auto import and a
person at once, gives one record. What is imported, reserved or refused and why is
`book.rules.import_decide`; this module does it in three steps:

1. lock and load: the Order rows (pk order), their book entries, then the products of their SKUs
   and of what a forced re-import releases (pk order), read as plain data;
2. decide, over that data alone (book.rules);
3. one bulk write: new entries and their lines, entries imported again, the products' reservations.

Concurrent imports wait for each other at step 1, so none reserves the same last unit twice.
Queries per call are constant, not per order or line (on PostgreSQL the new entries and lines go
in as arrays: no model instance per row).

Import reserves stock, conversion to shipment deducts it (book.shipment), a cancellation on
Shopee releases it (book.cancellations).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Shop
from book.cancellations import book_cancel_cancelled
from book.models import BookOrder, BookOrderLine, BookShopSettings, Product
from book.outcomes import Outcome
from book.rules import (
    AUTO_IMPORT_STATUSES,
    IMPORTED,
    Entry,
    Imported,
    ImportOrder,
    ImportPlan,
    Stock,
    import_decide,
    order_lines,
)
from orders.models import Order

log = logging.getLogger(__name__)


def book_import(
    *, order_pks: Iterable[int], user=None, force: bool = False, statuses: frozenset[str] | None = None
) -> list[Outcome]:
    """Import the selected orders (see the module docstring). `statuses` narrows the importable
    Shopee statuses (auto import); `user` None records an automatic import."""
    pks = list(dict.fromkeys(int(pk) for pk in order_pks))
    if not pks:
        return []
    with transaction.atomic():
        orders, entries, stock = _lock_and_load(pks, force=force)
        plan = import_decide(
            pks=pks, orders=orders, entries=entries, stock=stock, force=force, statuses=statuses
        )
        _write(plan, user_pk=user.pk if user else None, force=force, now=timezone.now())
    return plan.outcomes


def _lock_and_load(pks: list[int], *, force: bool) -> tuple[list[ImportOrder], dict[int, Entry], list[Stock]]:
    orders = [
        ImportOrder(pk, sn, status, created, order_lines(items), tracking)
        for pk, sn, status, created, items, tracking in Order.objects.select_for_update(of=("self",))
        .filter(pk__in=pks)
        .order_by("pk")
        .values_list("pk", "order_sn", "status", "created_on_shopee", "items", "tracking_number")
    ]
    rows = (
        BookOrder.objects.select_for_update()
        .filter(order_id__in=[order.pk for order in orders])
        .order_by("pk")
        .values_list("order_id", "pk", "state", "content_hash", "stock_reserved", "tracking_number")
    )
    entries = {order_pk: Entry(*fields) for order_pk, *fields in rows}
    if force:  # a re-import releases what the old lines hold
        entries = _with_held(entries)
    skus = {line.sku for order in orders for line in order.lines if line.sku}
    held = {product_pk for entry in entries.values() for product_pk, _quantity in entry.held}
    stock = [
        Stock(*row)
        for row in Product.objects.select_for_update()
        .filter(Q(sku__in=skus) | Q(pk__in=held))
        .order_by("pk")
        .values_list("pk", "sku", "on_hand", "reserved")
    ]
    return orders, entries, stock


def _with_held(entries: dict[int, Entry]) -> dict[int, Entry]:
    """The entries with what their lines reserve (only imported ones may be imported again)."""
    held: dict[int, list[tuple[int, int]]] = {}
    lines = BookOrderLine.objects.filter(
        book_order_id__in=[entry.pk for entry in entries.values() if entry.state == IMPORTED],
        product__isnull=False,
    ).values_list("book_order_id", "product_id", "quantity")
    for entry_pk, product_pk, quantity in lines:
        held.setdefault(entry_pk, []).append((product_pk, quantity))
    return {
        order_pk: replace(entry, held=tuple(held.get(entry.pk, ()))) for order_pk, entry in entries.items()
    }


def _write(plan: ImportPlan, *, user_pk: int | None, force: bool, now) -> None:
    new = [item for item in plan.imported if item.entry_pk is None]
    again = [item for item in plan.imported if item.entry_pk is not None]
    created = _insert_entries(new, user_pk=user_pk, forced=force, now=now)
    if again:
        BookOrder.objects.bulk_update(
            [_entry(item, user_pk=user_pk, forced=True, now=now) for item in again],
            [
                "imported_at",
                "imported_by",
                "forced",
                "content_hash",
                "stock_reserved",
                "tracking_number",
                "updated_at",
            ],
        )
        BookOrderLine.objects.filter(book_order_id__in=[item.entry_pk for item in again]).delete()
    _insert_lines(
        [(created[item.order_pk], item) for item in new] + [(item.entry_pk, item) for item in again]
    )
    changed = plan.stock_changed()
    if changed:
        Product.objects.bulk_update(
            [Product(pk=item.pk, reserved=item.reserved, updated_at=now) for item in changed],
            ["reserved", "updated_at"],
        )


def _entry(item: Imported, *, user_pk: int | None, forced: bool, now) -> BookOrder:
    """A book entry as an import writes it: new (no pk) or imported again (its pk)."""
    return BookOrder(
        pk=item.entry_pk,
        order_id=item.order_pk,
        imported_at=now,
        imported_by_id=user_pk,
        forced=forced,
        content_hash=item.content_hash,
        stock_reserved=True,
        tracking_number=item.tracking_number,
        updated_at=now,
    )


def _insert_entries(new: list[Imported], *, user_pk: int | None, forced: bool, now) -> dict[int, int]:
    """The new book entries, in one statement; returns their pks by order pk."""
    if not new:
        return {}
    if connection.vendor != "postgresql":
        made = BookOrder.objects.bulk_create(
            _entry(item, user_pk=user_pk, forced=forced, now=now) for item in new
        )
        return {entry.order_id: entry.pk for entry in made}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {BookOrder._meta.db_table} (order_id, state, imported_at, imported_by_id, forced,
                content_hash, stock_reserved, sender, tracking_number, updated_at)
            SELECT o, %(state)s, %(now)s, %(user)s, %(forced)s, h, true, '', t, %(now)s
            FROM unnest(%(orders)s::bigint[], %(hashes)s::varchar[], %(tracking)s::varchar[]) AS u(o, h, t)
            RETURNING order_id, id
            """,  # noqa: S608 - the model's table name; every value is bound
            {
                "state": BookOrder.State.IMPORTED.value,
                "now": now,
                "user": user_pk,
                "forced": forced,
                "orders": [item.order_pk for item in new],
                "hashes": [item.content_hash for item in new],
                "tracking": [item.tracking_number for item in new],
            },
        )
        return dict(cursor.fetchall())


def _insert_lines(entries: list[tuple[int, Imported]]) -> None:
    """The lines of the entries (entry pk, what was imported), in one statement."""
    rows = [(entry_pk, line, product_pk) for entry_pk, item in entries for line, product_pk in item.lines]
    if not rows:
        return
    if connection.vendor != "postgresql":
        BookOrderLine.objects.bulk_create(
            BookOrderLine(
                book_order_id=entry_pk,
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                price=line.price,
                product_id=product_pk,
            )
            for entry_pk, line, product_pk in rows
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {BookOrderLine._meta.db_table} (book_order_id, sku, name, quantity, price, product_id)
            SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::integer[], %s::numeric[],
                %s::bigint[])
            """,  # noqa: S608 - the model's table name; every value is bound
            [
                [entry_pk for entry_pk, _line, _product in rows],
                [line.sku for _entry, line, _product in rows],
                [line.name for _entry, line, _product in rows],
                [line.quantity for _entry, line, _product in rows],
                [line.price for _entry, line, _product in rows],
                [product_pk for _entry, _line, product_pk in rows],
            ],
        )


AUTO_IMPORT_LISTED = 10  # order numbers of the last run named beside the switch


def book_auto_import(*, shop: Shop) -> list[Outcome]:
    """自動匯入: when the shop's switch is on, import its orders still to ship that are not in the
    book yet (normal import: stock and SKUs checked; the others wait for the next sync)."""
    if not BookShopSettings.objects.filter(shop=shop, auto_import=True).exists():
        return []
    pks = list(
        Order.objects.filter(shop=shop, status__in=AUTO_IMPORT_STATUSES, book_entry__isnull=True).values_list(
            "pk", flat=True
        )
    )
    outcomes = book_import(order_pks=pks, user=None, statuses=AUTO_IMPORT_STATUSES)
    imported = [outcome.order_sn for outcome in outcomes if outcome.ok and outcome.code != "already_imported"]
    if imported:
        log.info("auto import of %s: %d of %d orders imported", shop, len(imported), len(pks))
    now = timezone.now()
    last_run = {
        "auto_import_ran_at": now,
        "auto_import_left": sum(1 for outcome in outcomes if not outcome.ok),
    }
    if imported:
        last_run |= {
            "auto_import_imported_at": now,
            "auto_import_imported": len(imported),
            "auto_import_order_sns": imported[:AUTO_IMPORT_LISTED],
        }
    BookShopSettings.objects.filter(shop=shop).update(**last_run)
    return outcomes


def book_after_sync(*, shop: Shop) -> None:
    """After a pull of `shop`'s orders (the scheduled sync, a download), also one that found
    nothing new: Shopee's cancellations of the shop applied (a lost orders_cancelled is caught
    here), then 自動匯入 (stock may have arrived since)."""
    book_cancel_cancelled(shop=shop)
    book_auto_import(shop=shop)


def book_auto_import_set(*, shop: Shop, enabled: bool) -> BookShopSettings:
    settings, _created = BookShopSettings.objects.update_or_create(
        shop=shop, defaults={"auto_import": enabled}
    )
    return settings

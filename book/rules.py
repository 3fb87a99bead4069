"""The order book's rules over plain data: what an import does to a selection, and whether an
order's stock is enough. Nothing here reads or writes the database: the services read rows into
these dataclasses under their locks, ask the rules, and write what the rules answer
(book.imports, book.selectors). tests/book/test_rules.py tests them with plain data.

An import (`import_decide`):
- judges the orders earliest created first, so an earlier order gets the last unit;
- refuses, whatever the stock, orders already shipped or cancelled (on Shopee or in the book),
  not paid, in a status nothing is imported from (or outside `statuses`: automatic import), with
  no items, or with a line that has no SKU;
- answers "already imported" for an order in the book, unless it is forced and its Shopee lines
  changed: then it is imported again and what its old lines held is released first;
- needs every SKU in the catalogue and enough available stock (on hand minus what earlier
  imported orders reserve, including those earlier in the same selection); force skips both
  (available may go negative; a line outside the catalogue reserves nothing);
- reserves what it imports, on the `Stock` it was given, so the caller writes `plan.stock_changed()`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from book.outcomes import Outcome
from orders.models import CANCELLED_STATUSES

UNPAID_STATUSES = frozenset({"UNPAID", "PENDING"})
# Statuses a person may import from; automatic import takes only orders still to ship.
IMPORTABLE_STATUSES = frozenset(
    {"READY_TO_SHIP", "PROCESSED", "RETRY_SHIP", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED"}
)
AUTO_IMPORT_STATUSES = frozenset({"READY_TO_SHIP", "PROCESSED", "RETRY_SHIP"})

# Book entry states (book.models.BookOrder.State), as the rules read them.
IMPORTED, CANCELLED = "imported", "cancelled"
LEFT_STATES = frozenset({"shipped", "returning", "returned"})  # the goods left the shelf


@dataclass(frozen=True, slots=True)
class Line:
    """One Shopee item line as the book keeps it."""

    sku: str
    name: str
    quantity: int
    price: Decimal | None = None


def order_lines(items: Iterable[Mapping[str, Any]] | None) -> tuple[Line, ...]:
    """An order's Shopee items (orders.Order.items) as book lines."""
    lines = []
    for item in items or []:
        name = str(item.get("item_name") or "")
        if item.get("model_name"):
            name = f"{name} {item['model_name']}".strip()
        lines.append(
            Line(
                sku=str(item.get("sku") or "").strip(),
                name=name[:255],
                quantity=int(item.get("quantity") or 0),
                price=_price(item.get("price")),
            )
        )
    return tuple(lines)


def content_hash(lines: Iterable[Line]) -> str:
    data = [[line.sku, line.name, line.quantity, str(line.price)] for line in lines]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def _price(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else None
    except (InvalidOperation, ValueError):
        return None


# -- an import ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportOrder:
    """An order as the import reads it."""

    pk: int
    order_sn: str
    status: str
    created: datetime
    lines: tuple[Line, ...]
    tracking_number: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """An order's book entry as it stands; `held`: what its lines reserve, (product pk, quantity)
    (only read for a forced import, the one that may import it again)."""

    pk: int
    state: str
    content_hash: str = ""
    stock_reserved: bool = False
    tracking_number: str = ""
    held: tuple[tuple[int, int], ...] = ()


@dataclass(slots=True)
class Stock:
    """A product's stock; the import moves `reserved` as it decides."""

    pk: int
    sku: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class Imported:
    """An order to write into the book: a new entry (`entry_pk` None) or one imported again.
    `lines` pairs each line with its product's pk (None: not in the catalogue)."""

    order_pk: int
    entry_pk: int | None
    content_hash: str
    tracking_number: str
    lines: tuple[tuple[Line, int | None], ...]


@dataclass
class ImportPlan:
    outcomes: list[Outcome] = field(default_factory=list)  # one per order asked for
    imported: list[Imported] = field(default_factory=list)
    stock: dict[int, Stock] = field(default_factory=dict)  # by pk, `reserved` as decided
    touched: set[int] = field(default_factory=set)  # pks of the products whose reservation moved

    def stock_changed(self) -> list[Stock]:
        return [self.stock[pk] for pk in sorted(self.touched)]


def import_decide(
    *,
    pks: Iterable[int],
    orders: Iterable[ImportOrder],
    entries: Mapping[int, Entry],
    stock: Iterable[Stock],
    force: bool = False,
    statuses: frozenset[str] | None = None,
) -> ImportPlan:
    """What importing `pks` does (see the module docstring). `orders` are those of `pks` that
    exist, `entries` their book entries by order pk, `stock` the products of their SKUs and of
    what the entries hold. Outcomes: orders not found first, then earliest created first."""
    orders = sorted(orders, key=lambda order: (order.created, order.pk))
    found = {order.pk for order in orders}
    plan = ImportPlan(stock={item.pk: item for item in stock})
    plan.outcomes = [Outcome("", "not_found", {"pk": pk}, order_pk=pk) for pk in pks if pk not in found]
    by_sku = {item.sku: item for item in plan.stock.values()}
    for order in orders:
        plan.outcomes.append(
            _decide(order, entries.get(order.pk), plan, by_sku, force=force, statuses=statuses)
        )
    return plan


def _decide(
    order: ImportOrder,
    entry: Entry | None,
    plan: ImportPlan,
    by_sku: dict[str, Stock],
    *,
    force: bool,
    statuses: frozenset[str] | None,
) -> Outcome:
    refusal = import_refusal(order, entry, statuses=statuses)
    if refusal is not None:
        return refusal
    digest = content_hash(order.lines)
    if entry is not None and not (force and entry.content_hash != digest):
        return _outcome(order, "already_imported")
    unknown = sorted({line.sku for line in order.lines if line.sku not in by_sku})
    if unknown and not force:
        return _outcome(order, "unknown_sku", skus="、".join(unknown))
    need = Counter()
    for line in order.lines:
        if line.sku in by_sku:  # a forced line outside the catalogue reserves nothing
            need[line.sku] += line.quantity
    released = _released(entry, plan.stock)
    short = [sku for sku, quantity in need.items() if by_sku[sku].available + released[sku] < quantity]
    if short and not force:
        sku = short[0]
        available = by_sku[sku].available + released[sku]
        return _outcome(order, "not_enough_stock", sku=sku, need=need[sku], available=available)
    # Decided: reserve now, so the later orders of the selection see it.
    for sku, quantity in _moves(released, need).items():
        by_sku[sku].reserved += quantity
        plan.touched.add(by_sku[sku].pk)
    plan.imported.append(
        Imported(
            order_pk=order.pk,
            entry_pk=entry.pk if entry else None,
            content_hash=digest,
            tracking_number=(entry.tracking_number if entry else "") or order.tracking_number,
            lines=tuple((line, by_sku[line.sku].pk if line.sku in by_sku else None) for line in order.lines),
        )
    )
    if entry is not None:
        return _outcome(order, "reimported")
    if unknown:
        return _outcome(order, "imported_unknown_sku", skus="、".join(unknown))
    if short:
        return _outcome(order, "imported_short", skus="、".join(short))
    return _outcome(order, "imported")


def import_refusal(
    order: ImportOrder, entry: Entry | None, *, statuses: frozenset[str] | None = None
) -> Outcome | None:
    """Why the order cannot be imported whatever the stock, or None."""
    if entry is not None and entry.state in LEFT_STATES:
        return _outcome(order, "already_shipped")
    if order.status in CANCELLED_STATUSES:
        return _outcome(order, "cancelled_on_shopee")
    if entry is not None and entry.state == CANCELLED:
        return _outcome(order, "cancelled_in_book")
    if order.status in UNPAID_STATUSES:
        return _outcome(order, "not_paid", status=order.status)
    if order.status not in IMPORTABLE_STATUSES:
        return _outcome(order, "status_not_importable", status=order.status)
    if not any(line.quantity > 0 for line in order.lines):
        return _outcome(order, "no_items")
    missing = [line.name for line in order.lines if not line.sku]
    if missing:
        return _outcome(order, "missing_sku", names="、".join(missing))
    if statuses is not None and order.status not in statuses:
        return _outcome(order, "status_not_importable", status=order.status)
    return None


def _released(entry: Entry | None, stock: Mapping[int, Stock]) -> Counter:
    """By SKU, what an entry imported again gives back before it reserves anew."""
    released = Counter()
    if entry is not None and entry.stock_reserved:
        for product_pk, quantity in entry.held:
            released[stock[product_pk].sku] += quantity
    return released


def _moves(released: Counter, need: Counter) -> dict[str, int]:
    """How each SKU's reservation moves: what is needed now less what was held before."""
    moves = {sku: -quantity for sku, quantity in released.items()}
    for sku, quantity in need.items():
        moves[sku] = moves.get(sku, 0) + quantity
    return moves


def _outcome(order: ImportOrder, code: str, **params) -> Outcome:
    return Outcome(order.order_sn, code, params, order_pk=order.pk)


# -- stock enough ------------------------------------------------------------------------------


def wanted_units(items: Iterable[Mapping[str, Any]] | None) -> dict[str, int]:
    """The units an order's items want, by SKU ("" for lines without one)."""
    wanted: dict[str, int] = {}
    for item in items or []:
        sku = str(item.get("sku") or "").strip()
        wanted[sku] = wanted.get(sku, 0) + int(item.get("quantity") or 0)
    return wanted


def stock_short(wanted: Mapping[str, int] | None, available: Mapping[str, int]) -> list[str] | None:
    """None when an order's stock is enough, else the SKUs short ("" for a line without SKU; none
    at all for an order without lines). `wanted` None: the order holds its stock (imported).

    The one rule of the order table, 選庫存足夠 and the order book: imported orders that hold
    their stock are enough, and not imported ones whose every line has a SKU of a product with
    that much available. Each order is judged on its own (two orders may want the same last
    piece; 匯入訂單 then takes it for the first under a row lock)."""
    if wanted is None:
        return None
    short = [sku for sku, quantity in wanted.items() if not sku or available.get(sku, 0) < quantity]
    return short if short or not wanted else None

"""The order book's imports: 匯入訂單, 強制匯入, 自動匯入 and 超取補匯入, and Shopee's cancellations.

Contract:
- `book_import(order_pks=…, user=…, force=False)` imports a selection in one transaction and
  returns one Outcome per order (earliest created first). An order is imported whole or not at
  all; importing it again, from two tabs or by auto import and a person at once, gives one
  record: the Order rows are locked first (pk order), then the products (pk order), so
  concurrent imports wait for each other and never reserve the same last unit twice.
- A normal import needs every line's SKU known (Product.sku) and enough available stock
  (on hand minus what earlier imported orders reserve); force import skips the stock check
  (available may go negative), imports a line whose SKU is not in the catalogue as a line
  without a product (nothing reserved, said per order), and imports again an order whose
  Shopee lines changed.
- Import reserves stock, conversion to shipment deducts it (orders.shipment), cancellation on
  Shopee releases it (`book_cancel_cancelled`, run by every order write, `orders_store`); a
  cancellation after shipment marks the parcel returning, and 退貨入庫 (orders.returns) puts it
  back on the shelf.
- Queries per call are constant, not per order or line (bulk reads and writes).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Shop
from orders.channels import delivery_kind
from orders.models import STATUS_LABELS, BookOrder, BookOrderLine, BookShopSettings, Order, Product
from orders.outcomes import Outcome

log = logging.getLogger(__name__)

CANCELLED_STATUSES = frozenset({"IN_CANCEL", "CANCELLED"})
UNPAID_STATUSES = frozenset({"UNPAID", "PENDING"})
# Statuses a person may import from; automatic import takes only orders still to ship.
IMPORTABLE_STATUSES = frozenset(
    {"READY_TO_SHIP", "PROCESSED", "RETRY_SHIP", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED"}
)
AUTO_IMPORT_STATUSES = frozenset({"READY_TO_SHIP", "PROCESSED", "RETRY_SHIP"})


def order_lines(order: Order) -> list[dict[str, Any]]:
    """The order's lines as the book keeps them: one per Shopee item line."""
    lines = []
    for item in order.items or []:
        name = str(item.get("item_name") or "")
        if item.get("model_name"):
            name = f"{name} {item['model_name']}".strip()
        lines.append(
            {
                "sku": str(item.get("sku") or "").strip(),
                "name": name[:255],
                "quantity": int(item.get("quantity") or 0),
                "price": _price(item.get("price")),
            }
        )
    return lines


def content_hash(lines: list[dict[str, Any]]) -> str:
    data = [[line["sku"], line["name"], line["quantity"], str(line["price"])] for line in lines]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def _price(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else None
    except (InvalidOperation, ValueError):
        return None


def _refusal(order: Order, entry: BookOrder | None, lines: list[dict[str, Any]]) -> Outcome | None:
    """Why the order cannot be imported whatever the stock, or None."""
    sn, pk = order.order_sn, order.pk
    if entry is not None and entry.state in BookOrder.LEFT_STATES:
        return Outcome(sn, "already_shipped", order_pk=pk)
    if order.status in CANCELLED_STATUSES:
        return Outcome(sn, "cancelled_on_shopee", order_pk=pk)
    if entry is not None and entry.state == BookOrder.State.CANCELLED:
        return Outcome(sn, "cancelled_in_book", order_pk=pk)
    if order.status in UNPAID_STATUSES:
        return Outcome(sn, "not_paid", {"status": order.status_label}, order_pk=pk)
    if order.status not in IMPORTABLE_STATUSES:
        return Outcome(sn, "status_not_importable", {"status": order.status_label}, order_pk=pk)
    if not lines or not any(line["quantity"] > 0 for line in lines):
        return Outcome(sn, "no_items", order_pk=pk)
    missing = [line["name"] for line in lines if not line["sku"]]
    if missing:
        return Outcome(sn, "missing_sku", {"names": "、".join(missing)}, order_pk=pk)
    return None


def book_import(
    *, order_pks: Iterable[int], user=None, force: bool = False, statuses: frozenset[str] | None = None
) -> list[Outcome]:
    """Import the selected orders (see the module docstring). `statuses` narrows the importable
    Shopee statuses (auto import); `user` None records an automatic import."""
    pks = list(dict.fromkeys(int(pk) for pk in order_pks))
    if not pks:
        return []
    now = timezone.now()
    with transaction.atomic():
        orders = [
            _Locked(*row)
            for row in Order.objects.select_for_update(of=("self",))
            .filter(pk__in=pks)
            .order_by("pk")
            .values_list("pk", "order_sn", "status", "created_on_shopee", "items", "tracking_number")
        ]
        orders.sort(key=lambda order: (order.created_on_shopee, order.pk))
        found = {order.pk for order in orders}
        entries = {
            entry.order_id: entry
            for entry in BookOrder.objects.select_for_update().filter(order_id__in=found).order_by("pk")
        }
        old_lines: dict[int, list[BookOrderLine]] = defaultdict(list)
        if force:  # a re-import releases what the old lines reserved
            reimportable = [e.pk for e in entries.values() if e.state == BookOrder.State.IMPORTED]
            for line in BookOrderLine.objects.filter(book_order_id__in=reimportable):
                old_lines[line.book_order_id].append(line)
        lines_of = {order.pk: order_lines(order) for order in orders}
        skus = {line["sku"] for lines in lines_of.values() for line in lines if line["sku"]}
        old_product_pks = {
            line.product_id for lines in old_lines.values() for line in lines if line.product_id
        }
        products = list(
            Product.objects.select_for_update()
            .filter(Q(sku__in=skus) | Q(pk__in=old_product_pks))
            .order_by("pk")
        )
        by_sku = {product.sku: product for product in products}
        by_pk = {product.pk: product for product in products}
        touched: set[int] = set()

        outcomes: list[Outcome] = [
            Outcome("", "not_found", {"pk": pk}, order_pk=pk) for pk in pks if pk not in found
        ]
        new_entries: list[tuple[_NewEntry, list[dict[str, Any]]]] = []
        changed_entries: list[tuple[BookOrder, list[dict[str, Any]]]] = []
        for order in orders:
            entry = entries.get(order.pk)
            lines = lines_of[order.pk]
            refusal = _refusal(order, entry, lines)
            if refusal is None and statuses is not None and order.status not in statuses:
                refusal = Outcome(
                    order.order_sn, "status_not_importable", {"status": order.status_label}, order_pk=order.pk
                )
            if refusal is not None:
                outcomes.append(refusal)
                continue
            digest = content_hash(lines)
            if entry is not None and not (force and entry.content_hash != digest):
                outcomes.append(Outcome(order.order_sn, "already_imported", order_pk=order.pk))
                continue
            unknown = sorted({line["sku"] for line in lines if line["sku"] not in by_sku})
            if unknown and not force:
                outcomes.append(
                    Outcome(order.order_sn, "unknown_sku", {"skus": "、".join(unknown)}, order_pk=order.pk)
                )
                continue
            need = Counter()
            for line in lines:
                if line["sku"] in by_sku:  # a forced line outside the catalogue reserves nothing
                    need[line["sku"]] += line["quantity"]
            released = Counter()
            if entry is not None and entry.stock_reserved:
                for line in old_lines.get(entry.pk, []):
                    if line.product_id:
                        released[by_pk[line.product_id].sku] += line.quantity
            short = [
                sku for sku, quantity in need.items() if by_sku[sku].available + released[sku] < quantity
            ]
            if short and not force:
                sku = short[0]
                outcomes.append(
                    Outcome(
                        order.order_sn,
                        "not_enough_stock",
                        {"sku": sku, "need": need[sku], "available": by_sku[sku].available + released[sku]},
                        order_pk=order.pk,
                    )
                )
                continue
            # Decided: reserve in memory now, so later orders of the selection see it.
            for sku, quantity in released.items():
                by_sku[sku].reserved -= quantity
                touched.add(by_sku[sku].pk)
            for sku, quantity in need.items():
                by_sku[sku].reserved += quantity
                touched.add(by_sku[sku].pk)
            if entry is None:
                entry = _NewEntry(order.pk, now, user.pk if user else None, force)
                entry.content_hash, entry.stock_reserved = digest, True
                new_entries.append((entry, lines))
                code = "imported_unknown_sku" if unknown else "imported_short" if short else "imported"
            else:
                entry.imported_at, entry.imported_by, entry.forced = now, user, True
                entry.content_hash, entry.stock_reserved = digest, True
                changed_entries.append((entry, lines))
                code = "reimported"
            partial = code in ("imported_unknown_sku", "imported_short")
            params = {"skus": "、".join(unknown or short)} if partial else {}
            outcomes.append(Outcome(order.order_sn, code, params, order_pk=order.pk))
            if entry.tracking_number == "" and order.tracking_number:
                entry.tracking_number = order.tracking_number

        _insert_entries(new_entries, by_sku)
        if changed_entries:
            BookOrder.objects.bulk_update(
                [entry for entry, _ in changed_entries],
                ["imported_at", "imported_by", "forced", "content_hash", "stock_reserved", "tracking_number"],
            )
            BookOrderLine.objects.filter(book_order__in=[entry for entry, _ in changed_entries]).delete()
        _insert_lines(changed_entries, by_sku)
        if touched:
            for pk in touched:
                by_pk[pk].updated_at = now
            Product.objects.bulk_update([by_pk[pk] for pk in sorted(touched)], ["reserved", "updated_at"])
    return outcomes


class _NewEntry:
    """A BookOrder about to be inserted (a plain record: no model instance per order)."""

    __slots__ = ("order_id", "imported_at", "imported_by_id", "forced", "content_hash", "stock_reserved")
    __slots__ += ("tracking_number", "pk")

    def __init__(self, order_id: int, imported_at, imported_by_id: int | None, forced: bool) -> None:
        self.order_id, self.imported_at, self.imported_by_id, self.forced = (
            order_id,
            imported_at,
            imported_by_id,
            forced,
        )
        self.content_hash, self.stock_reserved, self.tracking_number, self.pk = "", True, "", None

    def model(self) -> BookOrder:
        return BookOrder(
            order_id=self.order_id,
            imported_at=self.imported_at,
            imported_by_id=self.imported_by_id,
            forced=self.forced,
            content_hash=self.content_hash,
            stock_reserved=self.stock_reserved,
            tracking_number=self.tracking_number,
        )


class _Locked:
    """The fields of a locked Order the import reads (no model instances: 2,000 at a time)."""

    __slots__ = ("pk", "order_sn", "status", "created_on_shopee", "items", "tracking_number")

    def __init__(self, pk, order_sn, status, created_on_shopee, items, tracking_number) -> None:
        self.pk, self.order_sn, self.status = pk, order_sn, status
        self.created_on_shopee, self.items, self.tracking_number = created_on_shopee, items, tracking_number

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))


def _insert_entries(
    new_entries: list[tuple[_NewEntry, list[dict[str, Any]]]], by_sku: dict[str, Product]
) -> None:
    """The new book entries and their lines, in two statements on PostgreSQL (unnest of arrays:
    no per-row Python model work), else through bulk_create."""
    if not new_entries:
        return
    if connection.vendor != "postgresql":
        created = BookOrder.objects.bulk_create([entry.model() for entry, _ in new_entries])
        for (entry, _lines), model in zip(new_entries, created, strict=True):
            entry.pk = model.pk
        _insert_lines(new_entries, by_sku)
        return
    first = new_entries[0][0]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orders_bookorder (order_id, state, imported_at, imported_by_id, forced,
                content_hash, stock_reserved, sender, tracking_number, updated_at)
            SELECT o, %(state)s, %(now)s, %(user)s, %(forced)s, h, true, '', t, %(now)s
            FROM unnest(%(orders)s::bigint[], %(hashes)s::varchar[], %(tracking)s::varchar[]) AS u(o, h, t)
            RETURNING id, order_id
            """,
            {
                "state": BookOrder.State.IMPORTED.value,
                "now": first.imported_at,
                "user": first.imported_by_id,
                "forced": first.forced,
                "orders": [entry.order_id for entry, _ in new_entries],
                "hashes": [entry.content_hash for entry, _ in new_entries],
                "tracking": [entry.tracking_number for entry, _ in new_entries],
            },
        )
        ids = dict((order_id, pk) for pk, order_id in cursor.fetchall())
    for entry, _lines in new_entries:
        entry.pk = ids[entry.order_id]
    _insert_lines(new_entries, by_sku)


def _insert_lines(entries: list[tuple[Any, list[dict[str, Any]]]], by_sku: dict[str, Product]) -> None:
    rows = [(entry.pk, line) for entry, lines in entries for line in lines]
    if not rows:
        return
    if connection.vendor != "postgresql":
        BookOrderLine.objects.bulk_create(
            BookOrderLine(
                book_order_id=pk,
                sku=line["sku"],
                name=line["name"],
                quantity=line["quantity"],
                price=line["price"],
                product=by_sku.get(line["sku"]),
            )
            for pk, line in rows
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orders_bookorderline (book_order_id, sku, name, quantity, price, product_id)
            SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::integer[], %s::numeric[],
                %s::bigint[])
            """,
            [
                [pk for pk, _ in rows],
                [line["sku"] for _, line in rows],
                [line["name"] for _, line in rows],
                [line["quantity"] for _, line in rows],
                [line["price"] for _, line in rows],
                [_product_pk(by_sku, line["sku"]) for _, line in rows],
            ],
        )


def _product_pk(by_sku: dict[str, Product], sku: str) -> int | None:
    product = by_sku.get(sku)
    return product.pk if product else None


def book_lock_products(product_pks: Iterable[int], *, now) -> dict[int, Product]:
    """The products locked in pk order (as every stock write locks them, so none deadlock) and
    stamped `now`, by pk; the caller changes and saves them in its transaction."""
    products = {
        p.pk: p for p in Product.objects.select_for_update().filter(pk__in=product_pks).order_by("pk")
    }
    for product in products.values():
        product.updated_at = now
    return products


def book_release(*, entry: BookOrder, products: dict[int, Product]) -> None:
    """Give back what `entry` reserves (products locked by the caller, saved by the caller)."""
    if not entry.stock_reserved:
        return
    for line in entry.lines.all():
        if line.product_id:
            products[line.product_id].reserved -= line.quantity
    entry.stock_reserved = False


def book_cancel_cancelled(*, shop: Shop, order_sns: Iterable[str]) -> int:
    """Book orders Shopee has since cancelled. Imported ones: cancelled in the book, their
    reservation released. Shipped ones: returning (a store parcel never picked up comes back),
    stock untouched until staff restock the parcel (orders.returns). Returns how many changed."""
    order_sns = list(order_sns)
    if not order_sns:
        return 0
    with transaction.atomic():
        entries = list(
            BookOrder.objects.select_for_update(of=("self",))
            .filter(
                order__shop=shop,
                order__order_sn__in=order_sns,
                order__status__in=CANCELLED_STATUSES,
                state__in=(BookOrder.State.IMPORTED, BookOrder.State.SHIPPED),
            )
            .prefetch_related("lines")
            .order_by("pk")
        )
        if not entries:
            return 0
        held = [entry for entry in entries if entry.state == BookOrder.State.IMPORTED]
        now = timezone.now()
        products = book_lock_products(
            {line.product_id for entry in held for line in entry.lines.all() if line.product_id}, now=now
        )
        for entry in entries:
            if entry.state == BookOrder.State.SHIPPED:
                entry.state, entry.cancelled_at = BookOrder.State.RETURNING, now
                continue
            book_release(entry=entry, products=products)
            entry.state, entry.cancelled_at = BookOrder.State.CANCELLED, now
        BookOrder.objects.bulk_update(entries, ["state", "cancelled_at", "stock_reserved"])
        Product.objects.bulk_update(list(products.values()), ["reserved", "updated_at"])
    return len(entries)


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
    imported = sum(1 for outcome in outcomes if outcome.code == "imported")
    if imported:
        log.info("auto import of %s: %d of %d orders imported", shop, imported, len(pks))
    return outcomes


def book_after_sync(*, shop: Shop) -> None:
    """自動匯入 once a pull of `shop`'s orders (the scheduled sync, a download) has ended, also
    one that found nothing new: stock may have arrived since. Failures are logged, never
    raised: the pull itself succeeded."""
    try:
        book_auto_import(shop=shop)
    except Exception:
        log.exception("auto import after the order sync of %s failed", shop)


def book_auto_import_set(*, shop: Shop, enabled: bool) -> BookShopSettings:
    settings, _created = BookShopSettings.objects.update_or_create(
        shop=shop, defaults={"auto_import": enabled}
    )
    return settings


def book_supplement(*, order_pks: Iterable[int], api_for=None) -> list[Outcome]:
    """超取補匯入: imported convenience-store orders that had no tracking number when imported get
    the one Shopee has assigned since (asked from Shopee when our copy has none)."""
    from accounts.services import shop_api, shop_auth_failed
    from shopee.errors import AuthError, ShopeeError

    api_for = api_for or shop_api
    pks = list(dict.fromkeys(int(pk) for pk in order_pks))
    orders = list(
        Order.objects.filter(pk__in=pks)
        .select_related("shop", "book_entry")
        .order_by("created_on_shopee", "pk")
    )
    outcomes: list[Outcome] = []
    apis: dict[int, Any] = {}
    for order in orders:
        entry = getattr(order, "book_entry", None)
        sn, pk = order.order_sn, order.pk
        if entry is None:
            outcomes.append(Outcome(sn, "not_imported", order_pk=pk))
            continue
        if delivery_kind(order) != "store":
            outcomes.append(Outcome(sn, "not_store_pickup", order_pk=pk))
            continue
        if entry.tracking_number:
            outcomes.append(Outcome(sn, "has_tracking", {"tracking": entry.tracking_number}, order_pk=pk))
            continue
        tracking = order.tracking_number
        if not tracking and order.status not in CANCELLED_STATUSES:
            try:
                if order.shop_id not in apis:
                    apis[order.shop_id] = api_for(order.shop)
                answer = apis[order.shop_id].get_tracking_number(order.order_sn, order.package_number or None)
                tracking = str(answer.get("tracking_number") or "")
            except AuthError as exc:
                shop_auth_failed(shop=order.shop, reason=str(exc))
                outcomes.append(Outcome(sn, "shopee_refused", {"error": str(exc)}, order_pk=pk))
                continue
            except ShopeeError as exc:
                outcomes.append(Outcome(sn, "shopee_unavailable", {"error": str(exc)}, order_pk=pk))
                continue
        if not tracking:
            outcomes.append(Outcome(sn, "no_tracking_yet", order_pk=pk))
            continue
        with transaction.atomic():
            updated = BookOrder.objects.filter(pk=entry.pk, tracking_number="").update(
                tracking_number=tracking
            )
            Order.objects.filter(pk=pk, tracking_number="").update(tracking_number=tracking)
        if updated:
            outcomes.append(Outcome(sn, "tracking_filled", {"tracking": tracking}, order_pk=pk))
        else:
            entry.refresh_from_db(fields=["tracking_number"])
            outcomes.append(Outcome(sn, "has_tracking", {"tracking": entry.tracking_number}, order_pk=pk))
    found = {order.pk for order in orders}
    return [Outcome("", "not_found", order_pk=pk) for pk in pks if pk not in found] + outcomes

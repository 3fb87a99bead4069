"""Reads of orders for pages: the order list and a buyer's orders beside a chat."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import F, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import sees_all_shops, shops_visible_to
from orders.channels import ChannelKind
from orders.models import STATUS_LABELS, BookOrder, Order, OrderDownload, OrderExport, Product
from orders.money import twd
from orders.scopes import scope_q


@dataclass(frozen=True)
class OrderFilter:
    shop_pk: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    status: str = ""
    carrier: str = ""
    search: str = ""  # order number, tracking number or buyer
    scope: str = ""  # one of orders.scopes.Scope; "" is every order
    only_not_imported: bool = False
    sort: str = ""  # a key of SORTS, "-" first for descending


# The table's sortable columns; the id breaks ties so pages never overlap.
SORTS = {
    "created": "created_on_shopee",
    "shop": "shop__account",
    "order": "order_sn",
    "carrier": "shipping_carrier",
    "tracking": "tracking_number",
    "amount": "total_amount",
    "status": "status",
}
DEFAULT_SORT = "-created"


def orders_for_list(*, user, filters: OrderFilter, shops=None) -> QuerySet[Order]:
    """The user's orders through the table's filters, sorted. `shops` (the user's visible shops,
    when the caller has them) saves a query."""
    orders = Order.objects.select_related("shop", "book_entry")
    # Someone who sees every shop needs no shop condition, and a salesperson's shops go in as
    # numbers: either way the planner can walk the (created, id) index instead of sorting.
    if not (user.is_staff and sees_all_shops(user)):
        shops = shops_visible_to(user) if shops is None else shops
        orders = orders.filter(shop_id__in=[shop.pk for shop in shops])
    if filters.shop_pk:
        orders = orders.filter(shop_id=filters.shop_pk)
    if filters.created_from:
        orders = orders.filter(created_on_shopee__gte=_day_start(filters.created_from))
    if filters.created_to:
        orders = orders.filter(created_on_shopee__lt=_day_start(filters.created_to + timedelta(days=1)))
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.carrier:
        orders = orders.filter(shipping_carrier=filters.carrier)
    if filters.search:
        term = filters.search.strip()
        orders = orders.filter(
            Q(order_sn__icontains=term)
            | Q(tracking_number__icontains=term)
            | Q(buyer_username__icontains=term)
        )
    if filters.scope:
        orders = orders.filter(scope_q(filters.scope))
    if filters.only_not_imported:
        orders = orders.filter(book_entry__isnull=True)
    return orders.order_by(*order_by(filters.sort))


def order_by(sort: str) -> tuple:
    key = sort.lstrip("-")
    if key not in SORTS:
        key, sort = DEFAULT_SORT.lstrip("-"), DEFAULT_SORT
    descending = sort.startswith("-")
    column = f"{'-' if descending else ''}{SORTS[key]}"
    if key == "amount":
        # Orders without an amount go last either way, on every backend (SQLite puts NULLs first
        # ascending, PostgreSQL descending). Only here: NULLS LAST on a column the indexes sort
        # NULLS FIRST would stop them being walked.
        amount = F(SORTS[key])
        column = amount.desc(nulls_last=True) if descending else amount.asc(nulls_last=True)
    return column, "-id" if descending else "id"


def orders_stock_enough(*, orders: QuerySet[Order]) -> set[int]:
    """Of these orders, the ones whose stock is enough (`stock_shortages`)."""
    rows = orders.order_by().values_list("pk", "items", "book_entry__stock_reserved")
    return {pk for pk, short in stock_shortages(rows).items() if short is None}


def stock_shortages(rows: Iterable[tuple[int, list | None, bool | None]]) -> dict[int, list[str] | None]:
    """For each (order pk, items, holds its stock): None when its stock is enough, else the SKUs
    that are short ("" for a line without SKU; none at all for an order without lines).

    The one rule of the order table, 選庫存足夠 and the order book: imported orders that hold
    their stock are enough, and not imported ones whose every line has a SKU of a product with
    that much available, where available is on hand minus what earlier imported orders reserve.
    Each order is judged on its own (two orders may want the same last piece; 匯入訂單 then takes
    it for the first under a row lock). One query, for the products."""
    wanted_by_pk: dict[int, dict[str, int] | None] = {}
    for pk, items, held in rows:
        if held:
            wanted_by_pk[pk] = None
            continue
        wanted: dict[str, int] = {}
        for item in items or []:
            sku = str(item.get("sku") or "").strip()
            wanted[sku] = wanted.get(sku, 0) + int(item.get("quantity") or 0)
        wanted_by_pk[pk] = wanted
    skus = {sku for wanted in wanted_by_pk.values() if wanted for sku in wanted} - {""}
    available = (
        dict(Product.objects.filter(sku__in=skus).values_list("sku", F("on_hand") - F("reserved")))
        if skus
        else {}
    )
    shortages: dict[int, list[str] | None] = {}
    for pk, wanted in wanted_by_pk.items():
        if wanted is None:
            shortages[pk] = None
            continue
        short = [sku for sku, qty in wanted.items() if not sku or available.get(sku, 0) < qty]
        shortages[pk] = short if short or not wanted else None
    return shortages


@dataclass(slots=True)
class OrderRow:
    """One row of the order table, its values ready to print."""

    pk: int
    order_sn: str
    shop: str
    created: str  # Asia/Taipei, Y/m/d H:i
    carrier: str
    unknown_channel: bool
    tracking_number: str
    total_amount: Decimal | None
    amount: str  # NT$1,234
    product_names: str
    status: str
    status_label: str
    book_state: str  # "" when not imported
    book_state_label: str
    book_tone: str  # the badge's colour
    short_skus: list[str] | None  # None: stock enough
    short_text: str  # the SKUs short, as one text
    selected: bool
    cells: list = field(default_factory=list)  # the registered extra columns' (orders.columns)

    @property
    def enough(self) -> bool:
        return self.short_skus is None

    def __getitem__(self, name: str):
        # A template looks `row.x` up as row["x"] first: answering it spares 2,000 exceptions a page.
        return getattr(self, name)


ROW_FIELDS = (
    "pk",
    "order_sn",
    "shop__account",
    "shop__name",
    "created_on_shopee",
    "shipping_carrier",
    "channel_kind",
    "tracking_number",
    "total_amount",
    "items",
    "status",
    "book_entry__state",
    "book_entry__stock_reserved",
)


def order_table_rows(*, order_pks: list[int], selected: set[int]) -> list[OrderRow]:
    """The order table's rows for these pks, in their order: one query for the orders and one
    for the products their stock is judged against, however many rows."""
    found = {row[0]: row for row in Order.objects.filter(pk__in=order_pks).values_list(*ROW_FIELDS)}
    found = [found[pk] for pk in order_pks if pk in found]
    shortages = stock_shortages((row[0], row[9], row[12]) for row in found)
    book_labels = dict(BookOrder.State.choices)
    book_tones = {
        BookOrder.State.SHIPPED: "ok",
        BookOrder.State.CANCELLED: "bad",
        BookOrder.State.RETURNING: "bad",  # a parcel to take back in
        BookOrder.State.RETURNED: "muted",
    }
    no_sku = _("no SKU")
    statuses = {key: str(label) for key, label in STATUS_LABELS.items()}
    tz = timezone.get_current_timezone()
    rows = []
    for (
        pk,
        sn,
        account,
        shop_name,
        created,
        carrier,
        kind,
        tracking,
        amount,
        items,
        status,
        state,
        _held,
    ) in found:
        rows.append(
            OrderRow(
                pk=pk,
                order_sn=sn,
                shop=account or shop_name,
                created=created.astimezone(tz).strftime("%Y/%m/%d %H:%M"),
                carrier=carrier,
                unknown_channel=kind == ChannelKind.UNKNOWN,
                tracking_number=tracking,
                total_amount=amount,
                amount=twd(amount),
                product_names="、".join(item.get("item_name", "") for item in items or []),
                status=status,
                status_label=statuses.get(status, status),
                book_state=state or "",
                book_state_label=str(book_labels.get(state, "")) if state else "",
                book_tone=book_tones.get(state, "warn"),
                short_skus=shortages[pk],
                short_text="、".join(sku or no_sku for sku in shortages[pk] or ()),
                selected=pk in selected,
            )
        )
    return rows


def order_choices(*, user) -> tuple[list[str], list[str]]:
    """Statuses (all of Shopee's) and the carriers present in the user's orders, for the filter
    menus. The carriers are a DISTINCT over every order: kept in the cache until an order is added
    (a status change never brings a new carrier)."""
    newest = Order.objects.aggregate(newest=Max("id"))["newest"] or 0
    key = f"orders:carriers:{user.pk}:{newest}"
    carriers = cache.get(key)
    if carriers is None:
        orders = Order.objects.filter(shop__in=shops_visible_to(user)).exclude(shipping_carrier="")
        carriers = sorted(set(orders.values_list("shipping_carrier", flat=True).distinct()))
        cache.set(key, carriers, 3600)
    return list(STATUS_LABELS), carriers


def orders_of_buyer(*, shop_id: int, buyer_id: str, limit: int = 20) -> list[Order]:
    """A buyer's newest orders in one shop (shown beside their conversation)."""
    if not buyer_id:
        return []
    return list(
        Order.objects.filter(shop_id=shop_id, buyer_user_id=buyer_id).order_by("-created_on_shopee")[:limit]
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def downloads_for_page(*, user, shops=None, limit: int = 10) -> list[OrderDownload]:
    """Downloads of the user's shops that are running or ended in the last hours, newest first."""
    recent = timezone.now() - timedelta(hours=6)
    shops = shops_visible_to(user) if shops is None else [shop.pk for shop in shops]
    return list(
        OrderDownload.objects.filter(shop__in=shops)
        .filter(Q(state__in=OrderDownload.ACTIVE_STATES) | Q(created_at__gte=recent))
        .select_related("shop")
        .defer("order_sns")
        .order_by("-created_at")[:limit]
    )


def exports_for_page(*, user, limit: int = 3) -> list[OrderExport]:
    """The user's latest Excel exports (without their order lists, which may be long)."""
    return list(OrderExport.objects.filter(user=user).defer("order_pks").order_by("-created_at")[:limit])


def download_for(*, user, pk: int) -> OrderDownload:
    return get_object_or_404(OrderDownload.objects.filter(shop__in=shops_visible_to(user)), pk=pk)


def order_for(user, pk: int) -> Order:
    return get_object_or_404(
        Order.objects.filter(shop__in=shops_visible_to(user)).select_related("shop"), pk=pk
    )

"""Reads of orders for pages: the order list and a buyer's orders beside a chat."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import F, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.selectors import sees_all_shops, shops_visible_to
from orders.channels import ChannelKind
from orders.imported import imported_q
from orders.models import STATUS_LABELS, Order, OrderDownload, OrderExport
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
    orders = Order.objects.select_related("shop")
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
        orders = orders.filter(imported_q(False))
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
    selected: bool
    cells: list = field(default_factory=list)  # (key, Cell or None) of each extra column (orders.columns)

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
)


def order_table_rows(*, order_pks: list[int], selected: set[int]) -> list[OrderRow]:
    """The order table's rows for these pks, in their order: one query, however many rows."""
    found = {row[0]: row for row in Order.objects.filter(pk__in=order_pks).values_list(*ROW_FIELDS)}
    found = [found[pk] for pk in order_pks if pk in found]
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
                selected=pk in selected,
            )
        )
    return rows


def newest_order_pk() -> int:
    return Order.objects.aggregate(newest=Max("id"))["newest"] or 0


def order_choices(*, user, newest: int) -> tuple[list[str], list[str]]:
    """Statuses (all of Shopee's) and the carriers present in the user's orders, for the filter
    menus. The carriers are a DISTINCT over every order: kept in the cache until an order is added
    (a status change never brings a new carrier): `newest` is the newest order's pk."""
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


def download_for(user, pk: int) -> OrderDownload:
    return get_object_or_404(OrderDownload.objects.filter(shop__in=shops_visible_to(user)), pk=pk)


def order_for(user, pk: int) -> Order:
    return get_object_or_404(
        Order.objects.filter(shop__in=shops_visible_to(user)).select_related("shop"), pk=pk
    )

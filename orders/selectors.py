"""Reads of orders for pages: the order list and a buyer's orders beside a chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import F, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.selectors import shops_visible_to
from orders.models import STATUS_LABELS, Order, OrderDownload, Product
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


def orders_for_list(*, user, filters: OrderFilter) -> QuerySet[Order]:
    orders = Order.objects.filter(shop__in=shops_visible_to(user)).select_related("shop", "book_entry")
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


def order_by(sort: str) -> tuple[str, str]:
    key = sort.lstrip("-")
    if key not in SORTS:
        key, sort = DEFAULT_SORT.lstrip("-"), DEFAULT_SORT
    descending = "-" if sort.startswith("-") else ""
    return f"{descending}{SORTS[key]}", f"{descending}id"


def orders_stock_enough(*, orders: QuerySet[Order]) -> set[int]:
    """Of these orders, the ones whose stock is enough — the one rule of the order table, 選庫存足夠
    and the order book: imported ones that hold their stock, and not imported ones whose every
    line has a SKU of a product with that much available, where available is on hand minus what
    earlier imported orders reserve. Each order is judged on its own (two orders may want the
    same last piece; 匯入訂單 then takes it for the first under a row lock)."""
    rows = list(orders.order_by().values_list("pk", "items", "book_entry__stock_reserved"))
    skus = {str(item.get("sku") or "").strip() for _pk, items, _held in rows for item in items or []}
    available = dict(
        Product.objects.filter(sku__in=skus - {""}).values_list("sku", F("on_hand") - F("reserved"))
    )
    enough = set()
    for pk, items, held in rows:
        if held:
            enough.add(pk)
            continue
        wanted: dict[str, int] = {}
        for item in items or []:
            sku = str(item.get("sku") or "").strip()
            wanted[sku] = wanted.get(sku, 0) + int(item.get("quantity") or 0)
        if wanted and all(sku and available.get(sku, 0) >= qty for sku, qty in wanted.items()):
            enough.add(pk)
    return enough


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


def downloads_for_page(*, user, limit: int = 10) -> list[OrderDownload]:
    """Downloads of the user's shops that are running or ended in the last hours, newest first."""
    recent = timezone.now() - timedelta(hours=6)
    return list(
        OrderDownload.objects.filter(shop__in=shops_visible_to(user))
        .filter(Q(state__in=OrderDownload.ACTIVE_STATES) | Q(created_at__gte=recent))
        .select_related("shop")
        .defer("order_sns")
        .order_by("-created_at")[:limit]
    )


def download_for(*, user, pk: int) -> OrderDownload:
    return get_object_or_404(OrderDownload.objects.filter(shop__in=shops_visible_to(user)), pk=pk)


def order_for(user, pk: int) -> Order:
    return get_object_or_404(
        Order.objects.filter(shop__in=shops_visible_to(user)).select_related("shop"), pk=pk
    )

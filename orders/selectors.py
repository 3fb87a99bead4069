"""Reads of orders for pages: the order list and a buyer's orders beside a chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.selectors import shops_visible_to
from orders.models import Order


@dataclass(frozen=True)
class OrderFilter:
    shop_pk: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    status: str = ""
    carrier: str = ""
    search: str = ""  # order number, tracking number or buyer


def orders_for_list(*, user, filters: OrderFilter) -> QuerySet[Order]:
    orders = Order.objects.filter(shop__in=shops_visible_to(user)).select_related("shop")
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
    return orders.order_by("-created_on_shopee", "-id")


def order_choices(*, user) -> tuple[list[str], list[str]]:
    """Statuses and carriers present in the user's orders, for the filter menus."""
    orders = Order.objects.filter(shop__in=shops_visible_to(user))
    statuses = sorted(set(orders.values_list("status", flat=True).distinct()))
    carriers = sorted(
        set(orders.exclude(shipping_carrier="").values_list("shipping_carrier", flat=True).distinct())
    )
    return statuses, carriers


def orders_of_buyer(*, shop_id: int, buyer_id: str, limit: int = 20) -> list[Order]:
    """A buyer's newest orders in one shop (shown beside their conversation)."""
    if not buyer_id:
        return []
    return list(
        Order.objects.filter(shop_id=shop_id, buyer_user_id=buyer_id).order_by("-created_on_shopee")[:limit]
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))

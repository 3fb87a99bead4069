"""超取補匯入: imported convenience-store orders that had no tracking number when imported get
the one Shopee has assigned since (asked from Shopee when our copy of the order has none).

Contract of `book_supplement(order_pks=…)`: one Outcome per order (orders not found first, then
earliest created first). A number is written once, to the book entry and to the order, only
where it is still blank (a second run, or two at once, report the number already there). A
Shopee error is said per order (book.outcomes.shopee_failed); the rest of the selection goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

from accounts.tokens import shop_api
from book.models import BookOrder
from book.outcomes import Outcome, shopee_failed
from orders.channels import delivery_kind
from orders.models import CANCELLED_STATUSES, Order
from shopee.errors import ShopeeError


def book_supplement(*, order_pks: Iterable[int], api_for: Callable[[Any], Any] = shop_api) -> list[Outcome]:
    pks = list(dict.fromkeys(int(pk) for pk in order_pks))
    orders = list(
        Order.objects.filter(pk__in=pks)
        .select_related("shop", "book_entry")
        .order_by("created_on_shopee", "pk")
    )
    outcomes: dict[int, Outcome] = {}
    apis: dict[int, Any] = {}
    for order in orders:
        refusal = _refusal(order)
        if refusal is not None:
            outcomes[order.pk] = refusal
            continue
        try:
            tracking = _tracking_number(order, apis, api_for)
        except ShopeeError as error:
            code, params = shopee_failed(error, shop=order.shop)
            outcomes[order.pk] = Outcome(order.order_sn, code, params, order_pk=order.pk)
            continue
        outcomes[order.pk] = _fill(order, tracking)
    found = {order.pk for order in orders}
    return [Outcome("", "not_found", order_pk=pk) for pk in pks if pk not in found] + [
        outcomes[order.pk] for order in orders
    ]


def _refusal(order: Order) -> Outcome | None:
    entry = getattr(order, "book_entry", None)
    sn, pk = order.order_sn, order.pk
    if entry is None:
        return Outcome(sn, "not_imported", order_pk=pk)
    if delivery_kind(order) != "store":
        return Outcome(sn, "not_store_pickup", order_pk=pk)
    if entry.tracking_number:
        return Outcome(sn, "has_tracking", {"tracking": entry.tracking_number}, order_pk=pk)
    return None


def _tracking_number(order: Order, apis: dict[int, Any], api_for) -> str:
    """Our copy's number, else Shopee's (one API handle per shop); "" when there is none yet."""
    if order.tracking_number or order.status in CANCELLED_STATUSES:
        return order.tracking_number
    if order.shop_id not in apis:
        apis[order.shop_id] = api_for(order.shop)
    answer = apis[order.shop_id].get_tracking_number(order.order_sn, order.package_number or None)
    return str(answer.get("tracking_number") or "")


def _fill(order: Order, tracking: str) -> Outcome:
    sn, pk, entry = order.order_sn, order.pk, order.book_entry
    if not tracking:
        return Outcome(sn, "no_tracking_yet", order_pk=pk)
    with transaction.atomic():
        updated = BookOrder.objects.filter(pk=entry.pk, tracking_number="").update(tracking_number=tracking)
        Order.objects.filter(pk=pk, tracking_number="").update(tracking_number=tracking)
    if updated:
        return Outcome(sn, "tracking_filled", {"tracking": tracking}, order_pk=pk)
    entry.refresh_from_db(fields=["tracking_number"])
    return Outcome(sn, "has_tracking", {"tracking": entry.tracking_number}, order_pk=pk)

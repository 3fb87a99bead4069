"""Shopee's cancellations in the book. An imported order Shopee cancelled gives its reservation
back and is cancelled in the book; one cancelled after shipment (a store parcel never picked up,
未取貨) is returning, its stock untouched until 退貨入庫 (book.returns).

They reach the book three ways: orders.signals.orders_cancelled after an order write (the task
`book_cancellations`), the sweep over the shop after every pull of its orders (`book_after_sync`:
a lost signal is caught there, at the latest by the next scheduled sync), and at once when an
action re-reads its selection from Shopee before acting (`book_orders_refresh`). Applying one
twice changes nothing: the entries are locked and only imported or shipped ones change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from accounts.models import Shop
from book.models import BookOrder, Product
from book.stock import book_lock_products, book_release
from orders.models import CANCELLED_STATUSES
from orders.services import orders_refresh

State = BookOrder.State


def book_cancel_cancelled(*, shop: Shop, order_sns: Iterable[str] | None = None) -> int:
    """Book entries of `shop` (of `order_sns`, or all of them: the sweep) whose orders Shopee has
    cancelled since: imported ones cancelled with their reservation released, shipped ones
    returning. Returns how many changed."""
    entries = BookOrder.objects.filter(
        order__shop=shop, order__status__in=CANCELLED_STATUSES, state__in=(State.IMPORTED, State.SHIPPED)
    )
    if order_sns is not None:
        order_sns = list(order_sns)
        if not order_sns:
            return 0
        entries = entries.filter(order__order_sn__in=order_sns)
    with transaction.atomic():
        entries = list(entries.select_for_update(of=("self",)).prefetch_related("lines").order_by("pk"))
        if not entries:
            return 0
        held = [entry for entry in entries if entry.state == State.IMPORTED]
        now = timezone.now()
        products = book_lock_products(
            {line.product_id for entry in held for line in entry.lines.all() if line.product_id}, now=now
        )
        for entry in entries:
            if entry.state == State.SHIPPED:
                entry.state, entry.cancelled_at = State.RETURNING, now
                continue
            book_release(entry=entry, products=products)
            entry.state, entry.cancelled_at = State.CANCELLED, now
        BookOrder.objects.bulk_update(entries, ["state", "cancelled_at", "stock_reserved"])
        Product.objects.bulk_update(list(products.values()), ["reserved", "updated_at"])
    return len(entries)


def book_orders_refresh(*, shop: Shop, order_sns: list[str], api) -> None:
    """Read the orders again from Shopee before acting on them, and apply what Shopee cancelled
    at once (the action's results say so). Shopee's errors are raised (an AuthError after the
    shop is flipped, as orders_refresh does)."""
    orders_refresh(shop=shop, order_sns=order_sns, api=api)
    book_cancel_cancelled(shop=shop, order_sns=order_sns)

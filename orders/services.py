"""Orders as Shopee has them, pulled into the database (what the inbox and the order page show).

`orders_refresh` re-reads named orders (order pushes, the inbox); `orders_sync_recent` pulls every
order of a shop updated since its last sync. Both upsert on (shop, order_sn), so repeating them is
harmless. What the apps above must hear of (cancellations, a finished pull) goes out as the
signals of orders.signals after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Shop, ShopSync
from accounts.services import shop_auth_failed
from accounts.syncs import (
    LeaseLost,
    sync_cursor,
    sync_failed,
    sync_lease_release,
    sync_lease_take,
    sync_succeeded,
)
from accounts.tokens import shop_api
from orders.channels import ChannelKind, channel_kind
from orders.models import CANCELLED_STATUSES, Order
from orders.signals import orders_cancelled, orders_synced, send_on_commit
from shopee.client import ShopClient
from shopee.errors import AuthError
from shopee.text import without_nul

log = logging.getLogger(__name__)

# Statuses after shipment was arranged: the tracking number exists (or will shortly).
TRACKED_STATUSES = frozenset(
    {"PROCESSED", "RETRY_SHIP", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"}
)
AWAITING_SHIPMENT = frozenset({"READY_TO_SHIP", "RETRY_SHIP"})
# A shop's first order sync reaches back as far as Shopee lets us message a buyer about an order.
FIRST_SYNC = timedelta(days=30)
OVERLAP = timedelta(minutes=10)  # orders updated while the previous sync ran are read again
SYNC_LEASE = timedelta(minutes=15)  # one order sync per shop at a time (accounts.syncs)
ORDERS = ShopSync.Kind.ORDERS

UPDATED_FIELDS = [
    "status",
    "buyer_user_id",
    "buyer_username",
    "total_amount",
    "currency",
    "shipping_carrier",
    "logistics_channel_id",
    "channel_kind",
    "package_number",
    "tracking_number",
    "items",
    "message_to_seller",
    "note",
    "created_on_shopee",
    "updated_on_shopee",
    "pay_time",
    "fetched_at",
]
COMPARED_FIELDS = [name for name in UPDATED_FIELDS if name != "fetched_at"]


def orders_refresh(*, shop: Shop, order_sns: Iterable[str], api: ShopClient | None = None) -> int:
    """Read the orders from Shopee and store them; returns how many were stored.
    An AuthError flips the shop (shop_auth_failed) and is raised again."""
    order_sns = list(dict.fromkeys(str(sn) for sn in order_sns if sn))
    if not order_sns:
        return 0
    try:
        api = api or shop_api(shop)
        return len(orders_store(shop=shop, details=api.get_order_details(order_sns), api=api))
    except AuthError as exc:
        shop_auth_failed(shop=shop, reason=str(exc))
        raise


def orders_store(*, shop: Shop, details: Iterable[Mapping[str, Any]], api: ShopClient) -> dict[str, str]:
    """Upsert orders from get_order_detail answers (the one way an order is written), asking
    Shopee for tracking numbers not yet known, and again when shipment was just arranged. Returns each order's
    outcome: "new", "updated" or "unchanged" (unchanged rows are not written)."""
    rows = [_order_row(detail, shop) for detail in details]
    known = {
        order.order_sn: order
        for order in Order.objects.filter(shop=shop, order_sn__in=[row.order_sn for row in rows]).only(
            "order_sn", *COMPARED_FIELDS
        )
    }
    outcomes: dict[str, str] = {}
    changed: list[Order] = []
    for row in rows:
        old = known.get(row.order_sn)
        row.tracking_number = old.tracking_number if old else ""
        # Arranging shipment (here or in Seller Centre) can replace a store order's 寄件編號.
        arranged_now = old is not None and old.status != row.status and row.status == "PROCESSED"
        if (arranged_now or not row.tracking_number) and _tracking_due(row):
            answer = api.get_tracking_number(row.order_sn, row.package_number or None)
            row.tracking_number = str(answer.get("tracking_number") or "") or row.tracking_number
        if old is None:
            outcomes[row.order_sn] = "new"
        elif any(getattr(old, name) != getattr(row, name) for name in COMPARED_FIELDS):
            outcomes[row.order_sn] = "updated"
        else:
            outcomes[row.order_sn] = "unchanged"
            continue
        changed.append(row)
    Order.objects.bulk_create(
        changed, update_conflicts=True, unique_fields=["shop", "order_sn"], update_fields=UPDATED_FIELDS
    )
    cancelled = [row.order_sn for row in changed if row.status in CANCELLED_STATUSES]
    if cancelled:
        send_on_commit(orders_cancelled, sender=Order, shop_pk=shop.pk, order_sns=cancelled)
    return outcomes


def orders_sync_recent(*, shop: Shop) -> int | None:
    """Store every order of `shop` updated since its last order sync (or FIRST_SYNC back).
    Returns how many orders were stored, None when another sync of the shop is running."""
    token = sync_lease_take(shop_pk=shop.pk, kind=ORDERS, lease=SYNC_LEASE)
    if token is None:
        return None
    try:
        now = timezone.now()
        cursor = sync_cursor(shop_pk=shop.pk, kind=ORDERS)
        since = datetime.fromtimestamp(cursor, UTC) - OVERLAP if cursor else now - FIRST_SYNC
        try:
            api = shop_api(shop)
            order_sns = list(
                api.iter_order_sns(
                    time_from=int(since.timestamp()),
                    time_to=int(now.timestamp()),
                    time_range_field="update_time",
                )
            )
        except AuthError as exc:
            shop_auth_failed(shop=shop, reason=str(exc))
            raise
        stored = orders_refresh(shop=shop, order_sns=order_sns, api=api)
        send_on_commit(orders_synced, sender=Order, shop_pk=shop.pk)
        sync_succeeded(shop_pk=shop.pk, kind=ORDERS, token=token, cursor=int(now.timestamp()))
        return stored
    except LeaseLost:
        log.warning("order sync of %s lost its lease to another run", shop)
        return None
    finally:
        sync_lease_release(shop_pk=shop.pk, kind=ORDERS, token=token)


def orders_sync_failed(*, shop: Shop, error: Exception) -> None:
    """Show the failure on 帳號 and 狀態; the next scheduled run tries again."""
    sync_failed(shop_pk=shop.pk, kind=ORDERS, error=error)


def _tracking_due(row: Order) -> bool:
    """Worth asking Shopee for the tracking number: shipment is arranged, or a store-pickup order
    awaiting shipment (Taiwan's store code, 寄件編號, can exist before shipment is arranged)."""
    if row.status in TRACKED_STATUSES:
        return True
    return row.status in AWAITING_SHIPMENT and row.channel_kind == ChannelKind.STORE


def _order_row(detail: Mapping[str, Any], shop: Shop) -> Order:
    detail = without_nul(detail)  # JSON may carry "\u0000"; PostgreSQL stores no NUL
    package = (detail.get("package_list") or [{}])[0]
    amount = detail.get("total_amount")
    buyer_id = str(detail.get("buyer_user_id") or "")
    carrier = str(detail.get("shipping_carrier") or package.get("shipping_carrier") or "")
    channel_id = str(package.get("logistics_channel_id") or "")
    return Order(
        shop=shop,
        order_sn=str(detail["order_sn"]),
        status=str(detail.get("order_status") or ""),
        buyer_user_id="" if buyer_id == "0" else buyer_id,  # Taiwan masks some buyers as 0
        buyer_username=str(detail.get("buyer_username") or ""),
        total_amount=Decimal(str(amount)) if amount is not None else None,
        currency=str(detail.get("currency") or "TWD"),
        shipping_carrier=carrier,
        logistics_channel_id=channel_id,
        channel_kind=channel_kind(channel_id=channel_id, carrier=carrier),
        package_number=str(package.get("package_number") or ""),
        items=[_item(item) for item in detail.get("item_list") or []],
        message_to_seller=str(detail.get("message_to_seller") or ""),
        note=str(detail.get("note") or ""),
        created_on_shopee=_time(detail.get("create_time")) or timezone.now(),
        updated_on_shopee=_time(detail.get("update_time")),
        pay_time=_time(detail.get("pay_time")),
    )


def _item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "item_id": str(item.get("item_id") or ""),
        "item_name": str(item.get("item_name") or ""),
        "model_name": str(item.get("model_name") or ""),
        # The order book matches products by SKU: the model's when the item has models.
        "sku": str(item.get("model_sku") or item.get("item_sku") or ""),
        "quantity": int(item.get("model_quantity_purchased") or 0),
        "price": item.get("model_discounted_price"),
    }


def _time(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None

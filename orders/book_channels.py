"""How an order travels, as the order book needs to know it: convenience-store pickup, home
delivery by a courier, or delivery the seller arranges alone; and whether Shopee prints a
shipping document for its carrier.

A stand-in keyed on `Order.logistics_channel_id` (then `shipping_carrier`) until the order
table's channel classification (`orders.channels`, branch `orders`) is merged; replace the
two functions below by it then. Channel ids are SHOPEE_API.md §4.1's.
"""

from __future__ import annotations

from typing import Literal

from orders.models import Order

Kind = Literal["store", "home", "seller"]

STORE_CHANNELS = frozenset({"30005", "30006", "30007", "30011", "30014", "30029"})
STORE_CARRIERS = ("7-ELEVEN", "7-11", "全家", "萊爾富", "OK Mart", "蝦皮店到店")
SELLER_CARRIERS = ("賣家宅配",)
# 黑貓宅急便 brings its own label: Shopee prints no document for it [OFF].
NO_DOCUMENT_CHANNELS = frozenset({"30001"})
NO_DOCUMENT_CARRIERS = ("黑貓宅急便",)


def order_kind(order: Order) -> Kind:
    carrier = order.shipping_carrier or ""
    if order.logistics_channel_id in STORE_CHANNELS or any(name in carrier for name in STORE_CARRIERS):
        return "store"
    if carrier.startswith(SELLER_CARRIERS):
        return "seller"
    return "home"


def has_shopee_document(order: Order) -> bool:
    """False for carriers Shopee prints nothing for: seller delivery and 黑貓宅急便."""
    if order_kind(order) == "seller":
        return False
    if order.logistics_channel_id in NO_DOCUMENT_CHANNELS:
        return False
    return not (order.shipping_carrier or "").startswith(NO_DOCUMENT_CARRIERS)

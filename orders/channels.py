"""Which kind of delivery an order's logistics channel is: convenience-store pickup, home
delivery, or unknown (SHOPEE_API.md §4.1); and, for the order book, who delivers (a courier or
the seller alone) and whether Shopee prints a shipping document for the carrier.

The channel id decides first (Shopee's documented Taiwan ids); an id we do not know falls back to
the carrier text Shopee shows, and a text we cannot place stays "unknown" — the read scopes never
guess an order into pickup or home delivery.
"""

from __future__ import annotations

from typing import Literal

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    STORE = "store", _("Store pickup")
    HOME = "home", _("Home delivery")
    UNKNOWN = "unknown", _("Unknown channel")


# Documented Taiwan channel ids [OFF]: 30005 7-ELEVEN, 30006 全家, 30007 萊爾富, 30011 全家冷凍超取,
# 30014 OK Mart; 30029 is very likely 蝦皮店到店 (UNCERTAIN, it has a pickup-store sorting group);
# 30001 黑貓宅急便.
CHANNEL_IDS = {
    "30005": ChannelKind.STORE,
    "30006": ChannelKind.STORE,
    "30007": ChannelKind.STORE,
    "30011": ChannelKind.STORE,
    "30014": ChannelKind.STORE,
    "30029": ChannelKind.STORE,
    "30001": ChannelKind.HOME,
}

# Carrier texts seen in Taiwan integrations, matched as parts of the text so the cross-border
# variants ("蝦皮海外 - 全家", "萊爾富-經濟包") land with their kind. Home words are tried first:
# "店到家宅配" is a home delivery although it contains "店到".
HOME_WORDS = ("宅配", "宅急便", "新竹物流", "嘉里快遞", "黑貓")
STORE_WORDS = ("7-ELEVEN", "7-11", "全家", "萊爾富", "OK MART", "店到店", "超商", "超取")


def channel_kind(*, channel_id: str = "", carrier: str = "") -> ChannelKind:
    kind = CHANNEL_IDS.get(str(channel_id or "").strip())
    if kind is not None:
        return kind
    text = (carrier or "").strip().upper()
    if not text:
        return ChannelKind.UNKNOWN
    if any(word.upper() in text for word in HOME_WORDS):
        return ChannelKind.HOME
    if any(word.upper() in text for word in STORE_WORDS):
        return ChannelKind.STORE
    return ChannelKind.UNKNOWN


# Delivery the seller arranges alone (a home delivery by channel kind, but with no Shopee courier).
SELLER_CARRIERS = ("賣家宅配",)
# 黑貓宅急便 brings its own label: Shopee prints no document for it [OFF].
NO_DOCUMENT_CHANNELS = frozenset({"30001"})
NO_DOCUMENT_CARRIERS = ("黑貓宅急便", "黑貓")

Delivery = Literal["store", "home", "seller"]


def order_channel_kind(order) -> ChannelKind:
    """The stored kind; an order stored before it was classified is classified now."""
    if order.channel_kind and order.channel_kind != ChannelKind.UNKNOWN:
        return ChannelKind(order.channel_kind)
    return channel_kind(channel_id=order.logistics_channel_id, carrier=order.shipping_carrier)


def delivery_kind(order) -> Delivery:
    """Store pickup, a courier's home delivery, or the seller's own delivery. An unknown channel
    is treated as home delivery here: the book then asks for a tracking number (the safe side)."""
    if order_channel_kind(order) == ChannelKind.STORE:
        return "store"
    if (order.shipping_carrier or "").strip().startswith(SELLER_CARRIERS):
        return "seller"
    return "home"


def has_shopee_document(order) -> bool:
    """False for carriers Shopee prints nothing for: seller delivery and 黑貓宅急便."""
    if delivery_kind(order) == "seller":
        return False
    if order.logistics_channel_id in NO_DOCUMENT_CHANNELS:
        return False
    return not (order.shipping_carrier or "").strip().startswith(NO_DOCUMENT_CARRIERS)

"""Which kind of delivery an order's logistics channel is: convenience-store pickup, home
delivery, or unknown (SHOPEE_API.md §4.1).

The channel id decides first (Shopee's documented Taiwan ids); an id we do not know falls back to
the carrier text Shopee shows, and a text we cannot place stays "unknown" — the read scopes never
guess an order into pickup or home delivery.
"""

from __future__ import annotations

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

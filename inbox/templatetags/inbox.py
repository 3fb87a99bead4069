"""Small display helpers for the inbox: times as staff read them, message kinds, safe links."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.chat_words import ChatStop
from accounts.models import Shop
from chat.transport import chat_stop

register = template.Library()

# Shown in place of text for messages that are not text (the list preview, cards).
KIND_LABELS = {
    "image": _("[Image]"),
    "sticker": _("[Sticker]"),
    "item": _("[Product]"),
    "order": _("[Order]"),
    "video": _("[Video]"),
    "voucher": _("[Voucher]"),
    "bundle_message": _("[Bundle]"),
}


@register.filter
def inbox_time(moment: datetime | None) -> str:
    """Today: 14:05; this year: 11/27; before: 2025/11/27 (Taipei time)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    today = timezone.localdate()
    if local.date() == today:
        return local.strftime("%H:%M")
    if local.year == today.year:
        return local.strftime("%m/%d")
    return local.strftime("%Y/%m/%d")


@register.filter
def kind_label(message_type: str) -> str:
    if message_type == "text":
        return ""
    return str(KIND_LABELS.get(message_type, _("[Message]")))


@register.filter
def preview(conversation) -> str:
    return conversation.last_message_text or kind_label(conversation.last_message_type)


@register.filter
def web_url(value) -> str:
    """Only http(s) links from message content reach an href or src."""
    value = str(value or "")
    return value if value.startswith(("https://", "http://")) else ""


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter(name="chat_stop")
def chat_stop_filter(shop) -> ChatStop | None:
    """What stops the shop's chat, through its transport (nothing for a missing shop)."""
    return chat_stop(shop) if isinstance(shop, Shop) else None

"""Small display helpers for the inbox: times as staff read them, message kinds, safe links."""

from __future__ import annotations

import uuid
from dataclasses import fields

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from accounts.chat_words import ChatStop
from accounts.models import Shop
from chat.rich import Shown, message_shown
from chat.selectors import deadlines_of, visible_shops
from chat.transport import chat_stop, send_refusal
from outbox.pictures import ACCEPT

register = template.Library()


SHOWN = tuple(field.name for field in fields(Shown))


@register.simple_tag
def shown(message, order_cards=None, shop_id: str = "") -> dict:
    """What a stored message's bubble shows (chat.rich), its time in Taipei written three ways and
    its id, as plain strings in a dict: a pane draws 300 bubbles of some twenty lookups each, which
    a dict answers at once (the date filter, an int's localization or an attribute cost more)."""
    order = order_cards.get(message.order_sn) if order_cards and message.order_sn else None
    names = {str(item.get("item_id")): item.get("item_name", "") for item in order.items} if order else {}
    view = message_shown(
        message_type=message.message_type,
        content=message.content,
        text=message.text,
        status=message.status,
        shop_id=str(shop_id),
        from_buyer=message.from_buyer,
        item_names=names,
    )
    local = timezone.localtime(message.created_at)
    return {name: getattr(view, name) for name in SHOWN} | {
        "pk": str(message.pk),
        "unix": str(int(local.timestamp())),  # data-at, what the pane's script sorts by
        "iso": local.isoformat(),  # <time datetime>
        "short": local.strftime("%m/%d %H:%M"),
    }


@register.simple_tag
def picture_rules() -> dict:
    """What the composer checks before a picture leaves the browser (the outbox checks again)."""
    return {"max_bytes": settings.CHAT_IMAGE_MAX_BYTES, "accept": ACCEPT}


@register.simple_tag
def new_key() -> str:
    """A fresh key for the buttons of one rendering (a double click of one is one message)."""
    return uuid.uuid4().hex


@register.simple_tag
def cannot_send(shop, message_type: str) -> str:
    """Why the shop's chat cannot send this kind of message, in words ("" when it can)."""
    refusal = send_refusal(shop, message_type)
    return gettext(refusal) if refusal else ""


@register.filter
def lookup(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter(name="chat_stop")
def chat_stop_filter(shop) -> ChatStop | None:
    """What stops the shop's chat, through its transport (nothing for a missing shop)."""
    return chat_stop(shop) if isinstance(shop, Shop) else None


@register.inclusion_tag("inbox/_deadlines.html", takes_context=True)
def reply_deadlines(context) -> dict:
    """The header's count of my conversations near or past the deadline (base.html)."""
    return deadline_context(context["request"].user)


def deadline_context(user) -> dict:
    shop_pks = [shop.pk for shop in visible_shops(user)]
    return {
        "deadlines": deadlines_of(user, shop_pks=shop_pks),
        "deadline_poll_seconds": settings.CHAT_DEADLINE_POLL_SECONDS,
    }

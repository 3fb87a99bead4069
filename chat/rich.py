"""Every kind of message Shopee sends to either face (F14), as staff should see it: what it is in
words (a list row's "[圖片]"), and the parts a bubble shows (a picture, a sticker, product cards,
an order, a voucher, a video link), Shopee's own automatic messages marked as such, and a plain
placeholder in words for a type we do not know, never an empty bubble.

Shapes: SHOPEE_API.md §5, §5A, §6.4 and the research notes on rich messages (§3, §5): content may
name media by absolute URL or by a bare hash; stickers are pictures under a sticker base.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

PRODUCT_TYPES = frozenset({"item", "item_card", "product", "variation_card", "item_list"})
# Shopee's FAQ assistant and chatbot (問答小幫手): their own types (research notes §3).
BOT_PREFIX = "faq"
BOT_TYPES = frozenset({"bundle_message", "auto_reply", "faq_card", "general_option_pack"})
AUTO_REPLY_STATUSES = frozenset({"auto_reply", "offwork_autoreply"})
PRICE_UNIT = 100_000  # Shopee's web prices are in 1/100000 of the currency (variation_card, item_list)

WORDS = {
    "image": _("[Image]"),
    "image_with_text": _("[Image]"),
    "sticker": _("[Sticker]"),
    "emoji_message": _("[Sticker]"),
    "order": _("[Order]"),
    "video": _("[Video]"),
    "voucher": _("[Voucher]"),
    "notification": _("[Shopee notification]"),
    "offer": _("[Offer]"),
}


def is_bot(message_type: str) -> bool:
    return message_type.startswith(BOT_PREFIX) or message_type in BOT_TYPES


def kind_words(message_type: str) -> str:
    """A message that is not text in words ("" for text): the list's preview, the outbox's rows."""
    if message_type == "text":
        return ""
    if message_type in PRODUCT_TYPES:
        return str(_("[Product]"))
    if is_bot(message_type):
        return str(_("[FAQ assistant]"))
    return str(WORDS.get(message_type, _("[Message]")))


@dataclass(frozen=True)
class Product:
    name: str
    url: str  # the product's page on Shopee TW ("" when the item is unknown)
    image: str = ""
    price: str = ""  # as given by Shopee, in TWD


@dataclass(frozen=True)
class Shown:
    """What one message's bubble shows. `kind` picks the bubble's layout: text, image, sticker,
    products, order, voucher, video, notice (Shopee's system line) or unsupported."""

    kind: str
    text: str = ""
    image: str = ""  # the full-size picture (image) or the sticker
    thumb: str = ""
    link: str = ""  # a video
    order_sn: str = ""
    code: str = ""  # a voucher's code
    products: tuple[Product, ...] = ()
    marker: str = ""  # 蝦皮自動回覆 / 問答小幫手 / 蝦皮通知: not written by a person
    unknown_type: str = ""


def message_shown(
    *,
    message_type: str,
    content: Mapping[str, Any] | None,
    text: str = "",
    status: str = "",
    shop_id: str = "",
    from_buyer: bool = True,
    item_names: Mapping[str, str] | None = None,
) -> Shown:
    """The bubble of a message as Shopee stored it (`text`: its words as stored, else the
    content's). `item_names` names items a card shows by id only (the Open Platform's
    `{shop_id, item_id}`), e.g. from the buyer's orders."""
    content = content if isinstance(content, Mapping) else {}
    text = text or _text(content.get("text"))
    shown = _shown(message_type, content, text, shop_id, from_buyer, item_names or {})
    if status in AUTO_REPLY_STATUSES and not shown.marker:
        return replace(shown, marker=gettext("Shopee auto-reply"))
    return shown


def _shown(  # noqa: C901 - one case per message type Shopee documents
    message_type: str,
    content: Mapping[str, Any],
    text: str,
    shop_id: str,
    from_buyer: bool,
    names: Mapping[str, str],
) -> Shown:
    if message_type == "text":
        return Shown("text", text=text)
    if message_type in ("image", "image_with_text"):
        full = media_url(content.get("url") or content.get("image_url"), settings.SHOPEE_IMAGE_BASE)
        thumb = media_url(content.get("thumb_url"), settings.SHOPEE_IMAGE_BASE) or full
        return (
            Shown("image", text=text, image=full, thumb=thumb) if full else _unsupported(message_type, text)
        )
    if message_type in ("sticker", "emoji_message"):
        return Shown("sticker", image=sticker_url(content))
    if message_type in PRODUCT_TYPES:
        return Shown("products", products=_products(message_type, content, shop_id, names))
    if message_type == "order":
        return Shown("order", order_sn=_text(content.get("order_sn")))
    if message_type == "voucher":
        return Shown("voucher", code=_text(content.get("voucher_code") or content.get("voucher_id")))
    if message_type == "video":
        link = media_url(content.get("video_url"), settings.SHOPEE_VIDEO_BASE)
        thumb = media_url(content.get("thumb_url"), settings.SHOPEE_IMAGE_BASE)
        return Shown("video", link=link, thumb=thumb, text=_duration(content.get("duration_seconds")))
    if message_type == "notification":
        # The system line has a version for each side; ours is the receiver's when the buyer sent it.
        side = content.get("notification_for_receiver" if from_buyer else "notification_for_sender")
        words = _text(side.get("text") if isinstance(side, Mapping) else side) or text
        return Shown(
            "notice", text=words or str(_("[Shopee notification]")), marker=gettext("Shopee notification")
        )
    if is_bot(message_type):
        return Shown("notice", text=_bot_words(message_type, content, text), marker=gettext("FAQ assistant"))
    if message_type == "offer":
        return Shown("notice", text=str(_("[Offer]")))
    return _unsupported(message_type, text or _text((content.get("custom_preview_text") or {}).get("text")))


def _unsupported(message_type: str, text: str) -> Shown:
    return Shown("unsupported", text=text, unknown_type=message_type)


def _bot_words(message_type: str, content: Mapping[str, Any], text: str) -> str:
    if message_type in ("faq_liveagent", "faq_liveagents"):
        return text or gettext("The buyer asked to talk to the seller")
    if message_type == "bundle_message" and content.get("shopee_chatbot_replied"):
        return gettext("Shopee's chatbot answered the buyer")
    return text or gettext("A message of Shopee's FAQ assistant")


def _products(
    message_type: str, content: Mapping[str, Any], shop_id: str, names: Mapping[str, str]
) -> tuple[Product, ...]:
    if message_type != "item_list":
        return (_product(content, shop_id, names),)
    infos = content.get("chat_product_infos")
    infos = infos if isinstance(infos, list) else []
    return tuple(_product(info, shop_id, names) for info in infos if isinstance(info, Mapping))


def _product(info: Mapping[str, Any], shop_id: str, names: Mapping[str, str]) -> Product:
    card = info.get("item_card_v2") if isinstance(info.get("item_card_v2"), Mapping) else {}
    item_id = _text(info.get("item_id") or info.get("product_id"))
    seller = _text(info.get("shop_id")) or shop_id
    name = _text(info.get("product_name") or info.get("name") or card.get("name")) or names.get(item_id, "")
    display = card.get("display_price")
    price = display.get("price") if isinstance(display, Mapping) else None
    return Product(
        name=name,
        url=product_url(seller, item_id),
        image=media_url(info.get("thumb_url") or info.get("image"), settings.SHOPEE_IMAGE_BASE),
        price=_price(price if price is not None else info.get("price")),
    )


def product_url(shop_id: str, item_id: str) -> str:
    if not (shop_id.isdigit() and item_id.isdigit()):
        return ""
    return settings.SHOPEE_PRODUCT_URL.format(shop_id=shop_id, item_id=item_id)


def sticker_url(content: Mapping[str, Any]) -> str:
    """A sticker's picture: the URL some payloads carry, else <base>/<package>/<id>@1x.png."""
    given = media_url(content.get("sticker_url") or content.get("url") or content.get("thumbnail_url"), "")
    if given:
        return given
    package, sticker = _text(content.get("sticker_package_id")), _text(content.get("sticker_id"))
    if not (package and sticker) or "/" in package + sticker:
        return ""
    extension = _text(content.get("format")) or "png"
    return (
        f"{settings.SHOPEE_STICKER_BASE}/{package}/{sticker}@1x.{extension if extension.isalnum() else 'png'}"
    )


def media_url(value: Any, base: str) -> str:
    """An http(s) URL as given, or `base` + a bare hash (Shopee sends some media that way); ""
    for anything else, so nothing but a web address reaches a src or an href."""
    value = _text(value)
    if value.startswith(("https://", "http://")):
        return value
    if base and value and all(c.isalnum() or c in "_-." for c in value):
        return base + value
    return ""


def _price(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    amount = value / PRICE_UNIT if value >= PRICE_UNIT else value
    return f"{amount:,.0f}"


def _duration(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return ""
    return f"{int(value) // 60}:{int(value) % 60:02d}"


def _text(value: Any) -> str:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""

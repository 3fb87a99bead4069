"""Seller chat: conversations, messages, Shopee's sending rules, and push 10 when a buyer writes.

Messages the seller sends through the API and those "typed in Seller Centre" look alike in
get_message; only `deliveries` (the control API) tells what went out through send_message.
"""

from __future__ import annotations

import secrets
from typing import Any

from shopee.sandbox import media
from shopee.sandbox.config import DAY
from shopee.sandbox.core import ApiError, Core
from shopee.sandbox.orders import buyer_ensure
from shopee.sandbox.pushes import PUSH_WEBCHAT, push_emit
from shopee.sandbox.shops import shop_get
from shopee.sandbox.state import Conversation, Message, Shop

NS = 1_000_000_000

# What each sendable message_type must carry in `content`.
SEND_CONTENT = {
    "text": ("text",),
    "order": ("order_sn",),
    "item": ("item_id",),
    "sticker": ("sticker_id", "sticker_package_id"),
    "image": ("image_url",),
}
# What Shopee itself writes into a conversation (control API `shopee_says`): the shop's
# auto-replies and the FAQ assistant's messages carry these statuses (SHOPEE_API.md §6.4).
STATUSES = ("normal", "auto_reply", "offwork_autoreply")


# -- adding messages ---------------------------------------------------------------------------


def conversation_ensure(core: Core, shop_id: str, buyer_id: int) -> Conversation:
    world = core.world
    conversation = world.conversation_between(shop_id, buyer_id)
    if conversation is None:
        conversation_id = str(core.rng.randrange(10**17, 10**18))  # > 2**53, like Shopee's
        while conversation_id in world.conversations:
            conversation_id = str(core.rng.randrange(10**17, 10**18))
        conversation = Conversation(conversation_id=conversation_id, shop_id=shop_id, buyer_id=buyer_id)
        world.conversations[conversation_id] = conversation
    return conversation


def _append(
    core: Core,
    conversation: Conversation,
    *,
    origin: str,
    message_type: str,
    content: dict[str, Any],
    source_content: dict[str, Any] | None = None,
    created_ns: int | None = None,
    status: str = "normal",
) -> Message:
    world = core.world
    message = Message(
        message_id=world.next_message_id(),
        conversation_id=conversation.conversation_id,
        shop_id=conversation.shop_id,
        buyer_id=conversation.buyer_id,
        from_buyer=origin == "buyer",
        origin=origin,
        message_type=message_type,
        content=content,
        created_ns=created_ns or world.next_ns(),
        source_content=source_content or {},
        status=status,
    )
    world.messages[message.message_id] = message
    conversation.message_ids.append(message.message_id)
    if message.from_buyer:
        conversation.unread_count += 1
    core.changed()
    return message


def buyer_says(
    core: Core,
    *,
    shop_id: str | int,
    buyer_id: int | str | None = None,
    buyer_name: str | None = None,
    text: str | None = None,
    message_type: str = "text",
    content: dict[str, Any] | None = None,
    order_sn: str | None = None,
    created_ns: int | None = None,
    push: bool = True,
) -> Message:
    """A buyer writes to the shop (creating the conversation if needed); push 10 follows, except
    for a TW shop (no Open Platform chat in Taiwan) unless `tw_chat_push` is on."""
    shop = shop_get(core, shop_id)
    content = content if content is not None else {"text": text}
    if not isinstance(content, dict) or not isinstance(message_type, str):
        raise ValueError("content must be an object and message_type a string")
    if message_type == "text" and not (isinstance(content.get("text"), str) and content["text"]):
        raise ValueError("a text message needs text")
    if buyer_name is not None and not isinstance(buyer_name, str):
        raise ValueError("buyer_name must be a string")
    buyer = buyer_ensure(core, buyer_id, buyer_name)
    if message_type == "image" and not content.get("url"):  # a photo from the buyer's phone
        content = {**content, **media.buyer_picture(core, shop.shop_id, len(core.world.messages))}
    conversation = conversation_ensure(core, shop.shop_id, buyer.buyer_id)
    message = _append(
        core,
        conversation,
        origin="buyer",
        message_type=message_type,
        content=content,
        source_content={"order_sn": order_sn} if order_sn else {},
        created_ns=created_ns,
    )
    if push and (shop.region != "TW" or core.config.tw_chat_push):
        push_emit(core, PUSH_WEBCHAT, _webchat_data(core, shop, message), shop_id=shop.shop_id)
    return message


def seller_centre_says(
    core: Core, *, shop_id: str | int, buyer_id: int | str, text: str, created_ns: int | None = None
) -> Message:
    """A reply the seller typed in Seller Centre, not through the API (no rules, no delivery record)."""
    shop = shop_get(core, shop_id)
    if str(buyer_id) not in core.world.buyers:
        raise LookupError(f"no buyer {buyer_id}")
    if not isinstance(text, str) or not text:
        raise ValueError("text is required")
    conversation = conversation_ensure(core, shop.shop_id, int(buyer_id))
    return _append(
        core,
        conversation,
        origin="seller_centre",
        message_type="text",
        content={"text": text},
        created_ns=created_ns,
    )


def shopee_says(
    core: Core,
    *,
    shop_id: str | int,
    buyer_id: int | str,
    message_type: str = "text",
    text: str | None = None,
    content: dict[str, Any] | None = None,
    status: str = "auto_reply",
) -> Message:
    """A message Shopee writes into the conversation on the shop's side: the shop's auto-reply
    (`auto_reply`, `offwork_autoreply`) or the FAQ assistant's (`bundle_message`, `faq_*` types).
    Not a delivery, and no push (the sandbox's choice: Shopee documents neither)."""
    shop = shop_get(core, shop_id)
    if str(buyer_id) not in core.world.buyers:
        raise LookupError(f"no buyer {buyer_id}")
    content = content if content is not None else {"text": text}
    if not isinstance(content, dict) or not isinstance(message_type, str) or not message_type:
        raise ValueError("content must be an object and message_type a string")
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    conversation = conversation_ensure(core, shop.shop_id, int(buyer_id))
    return _append(
        core, conversation, origin="shopee", message_type=message_type, content=content, status=status
    )


def send_message(
    core: Core,
    shop: Shop,
    *,
    to_id: int,
    message_type: str,
    content: Any,
    source_content: Any,
) -> Message:
    """sellerchat/send_message with Shopee's rules, checked in the order a seller would meet them."""
    world = core.world
    if (core.faults.tw_send_restriction or core.config.tw_send_refused) and shop.region == "TW":
        raise ApiError(
            "region_not_supported", "Sending chat messages is not supported for this shop's region."
        )
    _check_content(core, shop, message_type, content)
    source_content = source_content if isinstance(source_content, dict) else {}
    if str(to_id) not in world.buyers:
        raise ApiError("error_param", "to_id is not a valid user.")
    conversation = world.conversation_between(shop.shop_id, to_id)
    _check_rules(core, shop, to_id, conversation, message_type, content, source_content)
    conversation = conversation or conversation_ensure(core, shop.shop_id, to_id)
    return _append(
        core,
        conversation,
        origin="api",
        message_type=message_type,
        content=_as_shown(core, shop, message_type, content),
        source_content={k: v for k, v in source_content.items() if k in ("order_sn", "item_id")},
    )


def _as_shown(core: Core, shop: Shop, message_type: str, content: dict[str, Any]) -> dict[str, Any]:
    """A sent message's content as Shopee shows it when read: an image by its picture's urls, a
    card with the shop (SHOPEE_API.md §5 "received content", §6.4 samples)."""
    if message_type == "image":
        return media.image_content(core, media.upload_of_url(core, shop, content["image_url"]))
    if message_type == "item":
        return {"shop_id": int(shop.shop_id), "item_id": int(content["item_id"])}
    if message_type == "order":
        return {"shop_id": int(shop.shop_id), "order_sn": str(content["order_sn"])}
    return dict(content)


def shop_item_ids(core: Core, shop: Shop) -> set[str]:
    """The items the shop sells, as far as the sandbox knows them: those in its orders."""
    return {
        str(line["item_id"])
        for order in core.world.orders.values()
        if order.shop_id == shop.shop_id
        for line in order.items
    }


def _check_content(core: Core, shop: Shop, message_type: str, content: Any) -> None:
    needed = SEND_CONTENT.get(message_type)
    if needed is None:
        raise ApiError("error_param", f"message_type must be one of {', '.join(SEND_CONTENT)}.")
    if not isinstance(content, dict) or any(content.get(name) in (None, "") for name in needed):
        raise ApiError("error_param", f"content needs {', '.join(needed)} for a {message_type} message.")
    if message_type == "text" and not isinstance(content["text"], str):
        raise ApiError("error_param", "content.text must be a string.")
    if message_type == "order":
        order = core.world.orders.get(str(content["order_sn"]))
        if order is None or order.shop_id != shop.shop_id:
            raise ApiError("error_param", "content.order_sn is not an order of this shop.")
    if message_type == "item" and str(content["item_id"]) not in shop_item_ids(core, shop):
        raise ApiError("error_param", "content.item_id is not an item of this shop.")
    if message_type == "image" and media.upload_of_url(core, shop, content["image_url"]) is None:
        raise ApiError("error_param", "content.image_url is not an image uploaded by this shop.")


def _check_rules(
    core: Core,
    shop: Shop,
    buyer_id: int,
    conversation: Conversation | None,
    message_type: str,
    content: dict[str, Any],
    source_content: dict[str, Any],
) -> None:
    config = core.config
    world = core.world
    if config.rule_message_length and message_type == "text" and len(content["text"]) > config.text_max_chars:
        # Characters as Python counts them: 600 Chinese characters pass, 601 do not.
        raise ApiError("message_too_long", f"The message is longer than {config.text_max_chars} characters.")
    if config.rule_first_chat_order and (conversation is None or not conversation.message_ids):
        order = world.orders.get(str(source_content.get("order_sn") or ""))
        if order is None or order.shop_id != shop.shop_id or order.buyer_id != buyer_id:
            raise ApiError(
                "first_chat_without_order_info",
                "The first message to a buyer needs source_content.order_sn of the buyer's order.",
            )
    if config.rule_buyer_reachable and not _reachable(core, shop, buyer_id, conversation):
        raise ApiError(
            "user_is_forbidden",
            f"The buyer has not chatted in {config.buyer_chat_window_days} days "
            f"nor ordered in {config.buyer_order_window_days} days.",
        )
    if (
        config.rule_5_messages
        and conversation
        and _seller_streak(core, conversation) >= (config.consecutive_seller_messages_max)
    ):
        raise ApiError(
            "reach_5_message_limit",
            f"At most {config.consecutive_seller_messages_max} messages until the buyer answers.",
        )


def _reachable(core: Core, shop: Shop, buyer_id: int, conversation: Conversation | None) -> bool:
    world = core.world
    now = world.now()
    config = core.config
    if conversation:
        buyer_times = [m.created_ns for m in _messages(core, conversation) if m.from_buyer]
        if buyer_times and now - max(buyer_times) / NS <= config.buyer_chat_window_days * DAY:
            return True
    oldest_order = now - config.buyer_order_window_days * DAY
    return any(
        o.shop_id == shop.shop_id and o.buyer_id == buyer_id and o.create_time >= oldest_order
        for o in world.orders.values()
    )


def _seller_streak(core: Core, conversation: Conversation) -> int:
    """Seller messages since the buyer last wrote (Seller Centre ones count too)."""
    streak = 0
    for message in reversed(_messages(core, conversation)):
        if message.from_buyer:
            break
        streak += 1
    return streak


def _messages(core: Core, conversation: Conversation) -> list[Message]:
    return [core.world.messages[mid] for mid in conversation.message_ids]


# -- reading -----------------------------------------------------------------------------------


def message_json(core: Core, message: Message) -> dict[str, Any]:
    shop = core.world.shops[message.shop_id]
    seller, buyer = (shop.user_id, int(shop.shop_id)), (message.buyer_id, 0)
    (from_id, from_shop), (to_id, to_shop) = (buyer, seller) if message.from_buyer else (seller, buyer)
    return {
        "message_id": message.message_id,
        "message_type": message.message_type,
        "from_id": from_id,
        "from_shop_id": from_shop,
        "to_id": to_id,
        "to_shop_id": to_shop,
        "conversation_id": message.conversation_id,
        "created_timestamp": message.created_ns // NS,  # seconds, unlike the conversation's nanoseconds
        "region": shop.region,
        "status": message.status,
        "content": message.content,
        "source_content": message.source_content,
        "message_option": 0,
        "quoted_msg": None,
    }


def conversation_json(core: Core, conversation: Conversation) -> dict[str, Any]:
    world = core.world
    latest = world.messages[conversation.message_ids[-1]]
    shop = world.shops[conversation.shop_id]
    buyer = world.buyers[str(conversation.buyer_id)]
    return {
        "conversation_id": conversation.conversation_id,
        "to_id": conversation.buyer_id,
        "to_name": buyer.username,
        "to_avatar": "",
        "shop_id": int(conversation.shop_id),
        "unread_count": conversation.unread_count,
        "pinned": conversation.pinned,
        "mute": False,
        "last_read_message_id": conversation.last_read_message_id,
        "latest_message_id": latest.message_id,
        "latest_message_type": latest.message_type,
        "latest_message_content": latest.content,
        "latest_message_from_id": latest.buyer_id if latest.from_buyer else shop.user_id,
        "last_message_timestamp": latest.created_ns,  # nanoseconds
        "last_message_option": 0,
        "max_general_option_hide_time": "9223372036854775",
    }


def shop_conversation(core: Core, shop: Shop, conversation_id: Any) -> Conversation:
    conversation = core.world.conversations.get(str(conversation_id))
    if conversation is None or conversation.shop_id != shop.shop_id or not conversation.message_ids:
        raise ApiError("error_not_found", "The conversation is not found.")
    return conversation


def conversation_page(
    core: Core, shop: Shop, *, direction: str, kind: str, cursor_ns: int | None, page_size: int
) -> dict[str, Any]:
    """`older` walks back from the cursor (or from now), newest first; `latest` walks forward
    from the cursor (or from the beginning), oldest first."""
    world = core.world

    def last_ns(conversation: Conversation) -> int:
        return world.messages[conversation.message_ids[-1]].created_ns

    chosen = [
        c
        for c in world.conversations.values()
        if c.shop_id == shop.shop_id
        and c.message_ids
        and (kind == "all" or (kind == "pinned" and c.pinned) or (kind == "unread" and c.unread_count))
    ]
    newest_first = direction == "older"
    chosen.sort(key=last_ns, reverse=newest_first)
    if cursor_ns:
        chosen = [c for c in chosen if (last_ns(c) < cursor_ns if newest_first else last_ns(c) > cursor_ns)]
    page = chosen[:page_size]
    next_cursor = (
        {"next_message_time_nano": str(last_ns(page[-1])), "conversation_id": page[-1].conversation_id}
        if page
        else {"next_message_time_nano": str(cursor_ns or 0), "conversation_id": "0"}
    )
    return {
        "conversations": [conversation_json(core, c) for c in page],
        "page_result": {"page_size": len(page), "next_cursor": next_cursor, "more": len(chosen) > page_size},
    }


def message_page(
    core: Core, conversation: Conversation, *, offset: str | None, page_size: int
) -> dict[str, Any]:
    """Newest first; `next_offset` (opaque) leads to older messages, "" when none are left."""
    messages = list(reversed(_messages(core, conversation)))
    if offset is not None:
        if not offset.isdigit() or offset == "0":
            raise ApiError("error_param", "offset is invalid.")
        messages = [m for m in messages if m.created_ns < int(offset)]
    page = messages[:page_size]
    more = len(messages) > page_size
    return {
        "messages": [message_json(core, m) for m in page],
        "page_result": {"next_offset": str(page[-1].created_ns) if more else "", "page_size": len(page)},
    }


def read_up_to(core: Core, conversation: Conversation, last_read_message_id: str) -> None:
    if last_read_message_id not in conversation.message_ids:
        raise ApiError("error_param", "last_read_message_id is not in this conversation.")
    later = conversation.message_ids[conversation.message_ids.index(last_read_message_id) + 1 :]
    conversation.last_read_message_id = last_read_message_id
    conversation.unread_count = sum(1 for mid in later if core.world.messages[mid].from_buyer)
    core.changed()


def unread_conversation_count(core: Core, shop: Shop) -> int:
    return sum(
        1 for c in core.world.conversations.values() if c.shop_id == shop.shop_id and c.unread_count > 0
    )


def deliveries(
    core: Core, *, shop_id: str | None = None, buyer_id: str | None = None
) -> list[dict[str, Any]]:
    """Exactly what buyers received through send_message or the Seller Centre web chat's send,
    oldest first (`via` says which)."""
    return [
        {
            "message_id": m.message_id,
            "shop_id": m.shop_id,
            "buyer_id": str(m.buyer_id),
            "conversation_id": m.conversation_id,
            "message_type": m.message_type,
            "content": m.content,
            "source_content": m.source_content,
            "created_timestamp": m.created_ns // NS,
            "received_ns": m.created_ns,  # when the sandbox took it: a pace measured to the ms
            "via": "seller_centre" if m.origin == "webchat" else "open_platform",
            "request_id": m.request_id,
        }
        for m in sorted(core.world.messages.values(), key=lambda m: m.created_ns)
        if m.origin in ("api", "webchat")
        and (shop_id is None or m.shop_id == str(shop_id))
        and (buyer_id is None or str(m.buyer_id) == str(buyer_id))
    ]


def _webchat_data(core: Core, shop: Shop, message: Message) -> dict[str, Any]:
    buyer = core.world.buyers[str(message.buyer_id)]
    shown = message_json(core, message)
    content = {
        "message_id": message.message_id,
        "shop_id": int(shop.shop_id),
        "request_id": secrets.token_hex(8),
        "from_id": shown["from_id"],
        "from_user_name": buyer.username,
        "to_id": shown["to_id"],
        "to_user_name": shop.account,
        "message_type": message.message_type,
        "content": message.content,
        "conversation_id": message.conversation_id,
        "created_timestamp": shown["created_timestamp"],
        "region": shop.region,
        "is_in_chatbot_session": False,
        "source_content": message.source_content,
        "quoted_msg": {},
        "sub_account_id": 0,
        "sub_account_name": "",
        "business_type": 0,
        "from_shop_id": 0,
        "to_shop_id": int(shop.shop_id),
        "status": message.status,
    }
    return {"type": "message", "region": shop.region, "content": content}

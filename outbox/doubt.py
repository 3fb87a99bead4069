"""The in-doubt check: never deliver a message twice.

A row whose earlier attempt may have reached Shopee unrecorded (its worker died in the call, or
the call timed out) carries `doubt_since`. Before sending it again the worker reads the
conversation on Shopee; if the message is there, it is recorded instead of sent again.
The lease is always longer than Shopee's timeout, so this read never races the first call.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from chat.transport import IN_DOUBT_SKEW_SECONDS, ChatTransport
from outbox.models import OutgoingMessage
from outbox.states import known_conversation_id
from shopee.errors import BadRequest

CLOCK_SKEW = timedelta(seconds=IN_DOUBT_SKEW_SECONDS)  # the transports' allowance, as a span
IN_DOUBT_PAGES = 4  # newest message pages read when looking for an in-doubt message


def find_delivered(
    transport: ChatTransport, message: OutgoingMessage, *, since: datetime
) -> dict[str, Any] | None:
    """The message on Shopee that an earlier attempt delivered, if any. A transport whose message
    list echoes `request_id` (Seller Centre) is asked for the row's key, in the buyer's
    conversation even if we know none yet; otherwise (the Open Platform) the newest messages are
    searched for ours with the same content after `since`. An image whose upload no attempt
    recorded was never sent: the send follows that record (outbox.delivery)."""
    if message.message_type == "image" and not message.upload:
        return None
    if transport.echoes_request_id:
        try:
            return transport.find_sent(
                # None (a first message to this buyer): the transport looks for the buyer's on Shopee.
                conversation_id=known_conversation_id(message),
                buyer_id=message.buyer_id,
                request_id=message.idempotency_key,
                text=message.shopee_content().get("text", ""),
                since=since,
            )
        except BadRequest:
            return None
    return _find_by_content(transport, message, since=since)


def _find_by_content(
    transport: ChatTransport, message: OutgoingMessage, *, since: datetime
) -> dict[str, Any] | None:
    """Ours, same content, sent after `since`, and not recorded for another row."""
    oldest = int((since - CLOCK_SKEW).timestamp())
    matches: list[dict[str, Any]] = []
    try:
        conversation_id = _conversation_id(transport, message, oldest=oldest)
        if conversation_id is None:
            return None  # no conversation with this buyer: a first message that never arrived
        offset = None
        for _page in range(IN_DOUBT_PAGES):
            page = transport.message_page(conversation_id, offset)
            recent = [raw for raw in page.messages if int(raw.get("created_timestamp") or 0) >= oldest]
            matches += [raw for raw in recent if _same_message(raw, message)]
            if len(recent) < len(page.messages) or not page.next_offset:
                break
            offset = page.next_offset
    except BadRequest:  # Shopee does not know the conversation: nothing of ours arrived in it
        return None
    taken = set(
        OutgoingMessage.objects.filter(
            shop=message.shop, shopee_message_id__in=[str(m["message_id"]) for m in matches]
        ).values_list("shopee_message_id", flat=True)
    )
    free = [m for m in matches if str(m["message_id"]) not in taken]
    return free[-1] if free else None  # newest first: the last is the earliest


def _same_message(raw: Mapping[str, Any], message: OutgoingMessage) -> bool:
    """Sent by us to this buyer: the same kind, and the same text, picture, product or order."""
    kind = message.message_type
    same = _identity(kind, raw.get("content") or {}) == _identity(kind, message.shopee_content())
    return same and raw.get("message_type") == kind and str(raw.get("to_id")) == message.buyer_id


def _identity(message_type: str, content: Mapping[str, Any]) -> Any:
    """What makes a message of a kind this one, whatever shape Shopee shows it back in: an image
    is its picture's url (sent as `image_url`, read as `url`), a card its product or order."""
    if message_type == "text":
        return content.get("text")
    if message_type == "image":
        return content.get("url") or content.get("image_url")
    if message_type == "item":
        return str(content.get("item_id") or "")
    if message_type == "order":
        return str(content.get("order_sn") or "")
    return dict(content)


def _conversation_id(transport: ChatTransport, message: OutgoingMessage, *, oldest: int) -> str | None:
    if known := known_conversation_id(message):
        return known
    # A first message to this buyer: if it arrived, the conversation moved since `oldest`.
    cursor = None
    for _page in range(IN_DOUBT_PAGES):
        page = transport.conversation_page(cursor)
        for entry in page.conversations:
            if str(entry.get("to_id")) == message.buyer_id:
                return str(entry["conversation_id"])
        cursor = page.next_timestamp_nano
        if not page.more or not cursor or int(cursor) < oldest * 1_000_000_000:
            return None
    return None

"""Chat pre-fetch (F3): every verified shop's conversations and messages pulled into the database.

One run per shop at a time (the lease of the shop's chat ShopSync row, accounts.syncs, so a killed
worker only blocks the shop until the lease runs out). A run lists conversations newest first and stops at the first one
that is not newer than what a previous complete run stored. For each changed conversation it reads
messages newest first until it has gone past what is stored, then writes the conversation and its
messages in one transaction. Writes are idempotent upserts on (shop, Shopee id); cursors (the
shop's chat ShopSync cursor, each conversation's `synced_ns`) move only in the transaction that
stored the data they cover, so an interrupted run is simply repeated.

Messages written in Seller Centre or the Shopee app are messages of the conversation like any
other and come in the same way. The outbox records the messages it sends with their Shopee id,
so pulling them again finds them already stored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Shop, ShopSync
from accounts.syncs import (
    LeaseLost,
    sync_cursor,
    sync_failed,
    sync_lease_release,
    sync_lease_renew,
    sync_lease_take,
    sync_succeeded,
)
from chat.models import Conversation, Message
from chat.services import NS, PREVIEW_CHARS, chat_live_quicken, conversation_locked, message_from_shopee
from chat.team import buyer_spoke, conversation_auto_assign
from chat.transport import MARK_READ, UNREAD_IN_LIST, ChatTransport, transport_for
from shopee.errors import AuthError, ShopeeError
from shopee.text import without_nul

log = logging.getLogger(__name__)

PAGE_SIZE = 25  # Shopee's chat lists are only known to work up to 25 (SHOPEE_API.md §5)
FULL_PULL_DAYS = 30  # how far back a full reconciliation re-reads conversations
CHAT = ShopSync.Kind.CHAT


def lease() -> timedelta:
    """How long a run holds its shop; renewed after every conversation, so only a dead run's lapses."""
    return timedelta(seconds=getattr(settings, "CHAT_SYNC_LEASE_SECONDS", 300))


@dataclass
class SyncResult:
    ran: bool = True  # False: another run held the shop
    api_calls: int = 0
    conversations: int = 0  # conversations written
    messages: int = 0  # messages newly stored
    error: str = ""


# -- pulling ---------------------------------------------------------------------------------


def chat_sync_shop(*, shop: Shop, full: bool = False) -> SyncResult:
    """Pull what changed in `shop`'s chat since the last run; with `full`, re-read every
    conversation of the last FULL_PULL_DAYS days (unread counts, anything a push or run missed)."""
    token = sync_lease_take(shop_pk=shop.pk, kind=CHAT, lease=lease())
    if token is None:
        return SyncResult(ran=False)
    result = SyncResult()
    transport = transport_for(shop)
    try:
        transport.open()
        newest = _pull(shop, transport, token, result, full=full)
        sync_succeeded(
            shop_pk=shop.pk, kind=CHAT, token=token, cursor=newest, api_calls=result.api_calls, full=full
        )
        if result.messages and not full:
            chat_live_quicken(shop_pk=shop.pk)
    except LeaseLost:
        log.warning("chat sync of %s lost its lease to another run", shop)
    except AuthError as exc:
        transport.session_lost(exc)
        result.error = sync_failed(shop_pk=shop.pk, kind=CHAT, error=exc)
    except ShopeeError as exc:
        result.error = sync_failed(shop_pk=shop.pk, kind=CHAT, error=exc)
    finally:
        sync_lease_release(shop_pk=shop.pk, kind=CHAT, token=token)
    return result


def _pull(shop: Shop, api: ChatTransport, token: str, result: SyncResult, *, full: bool) -> int:
    """Walk the conversation list newest first; returns the newest position seen."""
    stored_ns = sync_cursor(shop_pk=shop.pk, kind=CHAT)
    oldest_wanted = _ns(timezone.now() - timedelta(days=FULL_PULL_DAYS)) if full else stored_ns
    newest = stored_ns
    cursor: str | None = None
    while True:
        page = api.conversation_page(cursor, page_size=PAGE_SIZE)
        result.api_calls += 1
        entries = [entry for entry in page.conversations if entry.get("conversation_id")]
        known = {
            conversation.conversation_id: conversation
            for conversation in Conversation.objects.filter(
                shop=shop, conversation_id__in=[str(entry["conversation_id"]) for entry in entries]
            )
        }
        reached_stored = False
        for n, entry in enumerate(entries):
            ns = int(entry.get("last_message_timestamp") or 0)
            if ns <= oldest_wanted:
                reached_stored = True
                if api.can(UNREAD_IN_LIST):
                    _read_state_update(known, entries[n:])
                break
            newest = max(newest, ns)
            stored = known.get(str(entry["conversation_id"]))
            if stored is not None and stored.synced_ns >= ns and not full:
                continue  # stored by an earlier, interrupted run
            messages = _new_messages(api, entry, stored, result) if _needs_messages(stored, ns) else []
            sync_lease_renew(shop_pk=shop.pk, kind=CHAT, token=token, lease=lease())
            _store(shop, entry, messages, result)
        if reached_stored or not page.more or not page.next_timestamp_nano:
            return newest
        cursor = page.next_timestamp_nano


def _read_state_update(known: Mapping[str, Conversation], entries: list[dict[str, Any]]) -> None:
    """Unread counts changed elsewhere (read in Seller Centre or the app) move no cursor: take
    them from the page already fetched, for the stored conversations on it (no extra call)."""
    for entry in entries:
        stored = known.get(str(entry["conversation_id"]))
        if stored is None or int(entry.get("last_message_timestamp") or 0) > stored.synced_ns:
            continue
        unread = int(entry.get("unread_count") or 0)
        read_id = str(entry.get("last_read_message_id") or "")
        if (stored.unread_count, stored.last_read_message_id) != (
            unread,
            read_id or stored.last_read_message_id,
        ):
            Conversation.objects.filter(pk=stored.pk).update(
                unread_count=unread,
                last_read_message_id=read_id or stored.last_read_message_id,
                updated_at=timezone.now(),
            )


def _needs_messages(stored: Conversation | None, ns: int) -> bool:
    return stored is None or stored.synced_ns < ns


def _new_messages(
    api: ChatTransport, entry: Mapping[str, Any], stored: Conversation | None, result: SyncResult
) -> list[dict[str, Any]]:
    """Messages newest first until the newest one the last complete pull stored (all of them
    for a conversation seen for the first time)."""
    synced_id = stored.synced_message_id if stored else ""
    # Message times are whole seconds: a page reaching a second before the stored position has
    # passed everything newer, should the stored message itself be gone (deleted on Shopee).
    synced_second = (stored.synced_ns // NS) if stored else 0
    messages: list[dict[str, Any]] = []
    offset: str | None = None
    while True:
        page = api.message_page(str(entry["conversation_id"]), offset, page_size=PAGE_SIZE)
        result.api_calls += 1
        messages += page.messages
        reached = any(
            str(m.get("message_id")) == synced_id or int(m.get("created_timestamp") or 0) < synced_second
            for m in page.messages
        )
        if reached or not page.next_offset or not page.messages:
            return messages
        offset = page.next_offset


def _store(
    shop: Shop, entry: Mapping[str, Any], raw_messages: list[dict[str, Any]], result: SyncResult
) -> None:
    """One conversation as listed plus its messages, in one transaction."""
    entry = without_nul(entry)
    ns = int(entry.get("last_message_timestamp") or 0)
    buyer_id = str(entry.get("to_id") or "")
    with transaction.atomic():
        conversation, created = conversation_locked(shop, str(entry["conversation_id"]), buyer_id)
        if created:
            conversation_auto_assign(conversation)
        conversation.buyer_name = str(entry.get("to_name") or conversation.buyer_name)
        conversation.buyer_avatar = str(entry.get("to_avatar") or conversation.buyer_avatar)
        conversation.unread_count = int(entry.get("unread_count") or 0)
        conversation.pinned = bool(entry.get("pinned"))
        conversation.last_read_message_id = str(entry.get("last_read_message_id") or "")
        known_id = conversation.last_message_id  # a push may have brought this message already
        if ns >= conversation.last_message_ns:
            content = entry.get("latest_message_content") or {}
            conversation.last_message_ns = ns
            conversation.last_message_at = _from_ns(ns)
            conversation.last_message_id = str(entry.get("latest_message_id") or "")
            conversation.last_message_type = str(entry.get("latest_message_type") or "text")
            conversation.last_message_text = str(content.get("text") or "")[:PREVIEW_CHARS]
            conversation.last_message_from_buyer = str(entry.get("latest_message_from_id") or "") == buyer_id
            if conversation.last_message_from_buyer and conversation.last_message_id != known_id:
                buyer_spoke(conversation)
        if ns >= conversation.synced_ns:
            conversation.synced_ns = ns
            conversation.synced_message_id = str(entry.get("latest_message_id") or "")
        conversation.save()
        result.messages += _messages_insert(shop, conversation, raw_messages)
    result.conversations += 1


def _messages_insert(
    shop: Shop, conversation: Conversation, raw_messages: Iterable[Mapping[str, Any]]
) -> int:
    """Store the messages not stored yet (oldest first, so ids follow time); returns how many."""
    rows = {}
    for raw in raw_messages:
        message = message_from_shopee(raw, shop=shop, conversation=conversation)
        if message is not None:
            rows[message.message_id] = message
    if not rows:
        return 0
    stored = set(
        Message.objects.filter(shop=shop, message_id__in=list(rows)).values_list("message_id", flat=True)
    )
    new = sorted(
        (m for mid, m in rows.items() if mid not in stored), key=lambda m: (m.created_at, m.message_id)
    )
    Message.objects.bulk_create(new, ignore_conflicts=True)  # a concurrent writer may win a row
    return len(new)


# -- read state --------------------------------------------------------------------------------


def conversation_read_remote(*, conversation: Conversation) -> None:
    """Tell Shopee the conversation is read up to its newest message."""
    if not conversation.last_message_id:
        return
    transport = transport_for(conversation.shop)
    if not transport.can(MARK_READ):
        return
    try:
        transport.mark_read(conversation.conversation_id, conversation.last_message_id)
    except AuthError as exc:
        transport.session_lost(exc)


# -- helpers -----------------------------------------------------------------------------------


def _ns(moment: datetime) -> int:
    return int(moment.timestamp()) * NS


def _from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / NS, UTC)

"""Chat's writes with rules: a message stored once whoever brings it (the pull, a push, the
outbox's delivery), a conversation read by staff, a shop with news asked sooner for a while.

Each write is idempotent on (shop, Shopee id). Work for Shopee goes to Celery after commit
(chat.tasks, imported inside the function: the tasks call these services).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Shop
from chat.models import Conversation, CountedChat, InboxSettings, Message
from chat.response_rate import RATE_DAYS, WINDOW, Reading, Said, chats_of, is_automatic
from chat.team import buyer_spoke, conversation_auto_assign, conversation_unread_clear
from db.rows import rows_update
from shopee.text import without_nul

log = logging.getLogger(__name__)

PREVIEW_CHARS = 300
NS = 1_000_000_000


# -- storing messages ---------------------------------------------------------------------------


def conversation_locked(shop: Shop, conversation_id: str, buyer_id: str) -> tuple[Conversation, bool]:
    """The conversation, locked for this transaction (created if new); and whether it is new."""
    found, created = conversations_locked(shop, {conversation_id: buyer_id})
    return found[conversation_id], conversation_id in created


def conversations_locked(shop: Shop, buyers: Mapping[str, str]) -> tuple[dict[str, Conversation], set[str]]:
    """The conversations (Shopee id → buyer id), locked for this transaction, those new created;
    and the ids of the new ones. A fixed number of statements however many."""
    locked = Conversation.objects.select_for_update().filter(shop=shop)
    found = {c.conversation_id: c for c in locked.filter(conversation_id__in=list(buyers))}
    missing = [cid for cid in buyers if cid not in found]
    if not missing:
        return found, set()
    try:
        with transaction.atomic():  # a savepoint: another writer may make one of them meanwhile
            made = Conversation.objects.bulk_create(
                [Conversation(shop=shop, conversation_id=cid, buyer_id=buyers[cid]) for cid in missing]
            )
        # Rows this transaction inserted are its own until it commits.
        return found | {c.conversation_id: c for c in made}, set(missing)
    except IntegrityError:
        created = set()
        for cid in missing:
            _row, new = Conversation.objects.get_or_create(
                shop=shop, conversation_id=cid, defaults={"buyer_id": buyers[cid]}
            )
            created |= {cid} if new else set()
    # A row another writer won is not ours: the lock waits for its commit and reads it.
    return found | {c.conversation_id: c for c in locked.filter(conversation_id__in=missing)}, created


def message_from_shopee(raw: Mapping[str, Any], *, shop: Shop, conversation: Conversation) -> Message | None:
    """An unsaved Message from Shopee's message object (get_message, send_message or a push)."""
    raw = without_nul(raw)
    message_id = str(raw.get("message_id") or "")
    if not message_id:
        return None
    content = raw.get("content") or {}
    if not isinstance(content, dict):
        content = {"text": str(content)}
    message_type = str(raw.get("message_type") or "text")
    source = raw.get("source_content") or {}
    return Message(
        shop=shop,
        conversation=conversation,
        message_id=message_id,
        from_buyer=_from_buyer(raw, shop=shop, buyer_id=conversation.buyer_id),
        sender_id=str(raw.get("from_id") or ""),
        message_type=message_type,
        text=str(content.get("text") or ""),
        content=content,
        order_sn=str(source.get("order_sn") or content.get("order_sn") or ""),
        # Spellings vary ("auto-reply", "auto reply"): one form (research notes §3.1).
        status=str(raw.get("status") or "").strip().lower().replace("-", "_").replace(" ", "_")[:32],
        created_at=datetime.fromtimestamp(int(raw.get("created_timestamp") or 0), UTC),
    )


def _from_buyer(raw: Mapping[str, Any], *, shop: Shop, buyer_id: str) -> bool:
    # A buyer may own a shop too, so "sent by a shop" is not enough: it must be ours.
    from_shop = str(raw.get("from_shop_id") or "")
    if from_shop not in ("", "0"):
        return from_shop != shop.shop_id
    return str(raw.get("from_id") or "") == buyer_id


def chat_message_store(*, shop: Shop, raw: Mapping[str, Any], buyer_name: str = "") -> tuple[Message, bool]:
    """Store one message as it arrived (a webchat push): its conversation is created or brought
    forward at once; the conversation's sync cursor does not move, so the next pull still checks.
    Returns the message and whether its conversation is new to us."""
    stored = chat_messages_store(shop=shop, raws=[raw], buyer_name=buyer_name)
    return stored.messages[0], stored.new_conversations > 0


@dataclass
class Stored:
    messages: list[Message]  # one per raw message, in their order: ours, or the row stored before
    new_conversations: int


def chat_messages_store(*, shop: Shop, raws: Sequence[Mapping[str, Any]], buyer_name: str = "") -> Stored:
    """Store messages as they arrived (a push, the outbox's batch of delivered replies) with a
    fixed number of statements however many there are: their conversations are created or
    brought forward, the sync cursors do not move (the next pull still checks)."""
    # No savepoint of its own: every caller (a push, a delivered batch) stores inside its own
    # transaction and lets any error end that transaction.
    with transaction.atomic(savepoint=False):
        buyers = {}
        for raw in raws:
            ours = str(raw.get("from_shop_id") or "") == shop.shop_id
            buyers[str(raw["conversation_id"])] = str(
                (raw.get("to_id") if ours else raw.get("from_id")) or ""
            )
        conversations, created = conversations_locked(shop, buyers)
        messages = []
        for raw in raws:
            message = message_from_shopee(
                raw, shop=shop, conversation=conversations[str(raw["conversation_id"])]
            )
            if message is None:
                raise ValueError("message without message_id")
            messages.append(message)
        before = {
            m.message_id: m
            for m in Message.objects.filter(shop=shop, message_id__in=[m.message_id for m in messages])
        }
        new = [m for m in {m.message_id: m for m in messages}.values() if m.message_id not in before]
        Message.objects.bulk_create(new)
        stored = {m.message_id: m for m in new} | before
        for message in new:
            _conversation_moves(message.conversation, message, buyer_name=buyer_name)
        for cid in created:
            conversation = conversations[cid]
            conversation_auto_assign(conversation)
            if conversation.assignee_id is not None:
                Conversation.objects.filter(pk=conversation.pk).update(assignee_id=conversation.assignee_id)
        moved = {m.conversation_id: m.conversation for m in new}
        rows_update(
            Conversation.objects.all(),
            {pk: {name: getattr(c, name) for name in MOVED_BY_A_MESSAGE} for pk, c in moved.items()},
            updated_at=timezone.now(),
        )
        conversations_deadline_update(conversations=list(moved.values()))
    return Stored(messages=[stored[m.message_id] for m in messages], new_conversations=len(created))


# What a new message changes in its conversation (_conversation_moves).
MOVED_BY_A_MESSAGE = (
    "last_message_ns",
    "last_message_at",
    "last_message_id",
    "last_message_type",
    "last_message_text",
    "last_message_from_buyer",
    "unread_count",
    "buyer_name",
    "status",  # a buyer's message reopens (chat.team.buyer_spoke)
    "snoozed_until",
)


def _conversation_moves(conversation: Conversation, message: Message, *, buyer_name: str) -> None:
    """The conversation shows the message if it is its newest; a buyer's counts as unread."""
    ns = int(message.created_at.timestamp()) * NS
    if ns >= conversation.last_message_ns - conversation.last_message_ns % NS:
        conversation.last_message_ns = max(ns, conversation.last_message_ns)
        conversation.last_message_at = message.created_at
        conversation.last_message_id = message.message_id
        conversation.last_message_type = message.message_type
        conversation.last_message_text = message.text[:PREVIEW_CHARS]
        conversation.last_message_from_buyer = message.from_buyer
    if message.from_buyer:
        buyer_spoke(conversation)
        conversation.unread_count += 1
        conversation.buyer_name = buyer_name or conversation.buyer_name


# -- Shopee's 12-hour window -------------------------------------------------------------------


def conversation_deadline_update(*, conversation: Conversation, now: datetime | None = None) -> None:
    """One conversation's window read again (conversations_deadline_update)."""
    conversations_deadline_update(conversations=[conversation], now=now)


def conversations_deadline_update(
    *, conversations: Sequence[Conversation], now: datetime | None = None
) -> None:
    """Re-read the conversations' chats that count (chat.response_rate) after messages were stored,
    inside the storing transaction: their CountedChat rows of the last RATE_DAYS (older ones are
    history the reports keep) and their deadline fields. Messages may come late and out of order (a
    pull after a push), so each window is read again whole rather than patched. A fixed number of
    statements however many conversations (an outbox batch answers one buyer per message)."""
    if not conversations:
        return
    now = now or timezone.now()
    since = now - timedelta(days=RATE_DAYS) - WINDOW
    by_pk = {conversation.pk: conversation for conversation in conversations}
    said: dict[int, list[Said]] = {pk: [] for pk in by_pk}
    rows = (
        Message.objects.filter(conversation_id__in=list(by_pk), created_at__gte=since)
        .order_by("conversation_id", "created_at", "id")
        .values_list("conversation_id", "message_id", "created_at", "from_buyer", "message_type", "status")
    )
    for pk, mid, at, buyer, kind, st in rows:
        automatic = is_automatic(message_type=kind, status=st, from_buyer=buyer)
        said[pk].append(Said(key=mid, at=at, from_buyer=buyer, automatic=automatic))
    CountedChat.objects.filter(conversation_id__in=list(by_pk), started_at__gte=since).delete()
    counted, changed = [], {}
    for pk, conversation in by_pk.items():
        reading = chats_of(said[pk])
        counted += counted_chats(conversation.shop_id, pk, reading)
        waiting = reading.waiting
        missed = [chat.due_at for chat in reading.chats if chat.missed(now)]
        fields = {
            "awaiting_since": waiting.started_at if waiting else None,
            "reply_due_at": waiting.due_at if waiting else None,
            "missed_due_at": missed[-1] if missed else conversation.missed_due_at,
        }
        if any(getattr(conversation, name) != value for name, value in fields.items()):
            changed[pk] = fields
            for name, value in fields.items():
                setattr(conversation, name, value)
    CountedChat.objects.bulk_create(counted)
    rows_update(Conversation.objects.all(), changed)


def counted_chats(shop_pk: int, conversation_pk: int, reading: Reading) -> list[CountedChat]:
    """The rows of a conversation's chats that count, unsaved."""
    return [
        CountedChat(
            shop_id=shop_pk,
            conversation_id=conversation_pk,
            started_at=chat.started_at,
            due_at=chat.due_at,
            first_message_id=chat.first_message,
            answered_at=chat.answered_at,
            answer_message_id=chat.answer,
        )
        for chat in reading.chats
    ]


# -- read state --------------------------------------------------------------------------------


def conversation_mark_read(*, conversation: Conversation, user=None) -> bool:
    """Staff opened the conversation: read here at once, and on Shopee after commit; `user`'s own
    unread mark (chat.team) goes too. Returns False when there was nothing unread."""
    marked = user is not None and conversation_unread_clear(conversation=conversation, user=user)
    if conversation.unread_count == 0:
        return marked
    from chat.tasks import conversation_read_on_shopee

    Conversation.objects.filter(pk=conversation.pk).update(
        unread_count=0, last_read_message_id=conversation.last_message_id, updated_at=timezone.now()
    )
    conversation.unread_count = 0
    transaction.on_commit(lambda: conversation_read_on_shopee.delay(conversation.pk))
    return True


# -- a live shop is asked sooner for a while ------------------------------------------------------


def live_fast_key(shop_pk: int) -> str:
    return f"chat:live-fast:{shop_pk}"


def chat_live_quicken(*, shop_pk: int) -> None:
    """A buyer wrote (the pull stored new messages) or staff answered one (the inbox queued a
    reply): the buyer is likely to write again soon, so chat.live asks the shop's signal every CHAT_LIVE_FAST_SECONDS instead
    of CHAT_LIVE_SIGNAL_SECONDS for the next CHAT_LIVE_FAST_FOR_SECONDS."""
    cache.set(live_fast_key(shop_pk), 1, timeout=settings.CHAT_LIVE_FAST_FOR_SECONDS)


# -- one person's inbox ------------------------------------------------------------------------


def inbox_alerts_set(*, user, on: bool) -> None:
    """Desktop notifications and sound for new buyer messages, on or off for `user`."""
    InboxSettings.objects.update_or_create(user=user, defaults={"desktop_alerts": on})


def conversations_deadlines_backfill(*, now: datetime | None = None) -> int:
    """Read Shopee's window of every conversation with a message in the last RATE_DAYS days: for
    conversations stored before the window was kept (an upgrade, a restore), which otherwise have no
    deadline and no counted chats until their next message. One transaction per conversation, so a
    long run holds no lock for long. Returns how many were read."""
    now = now or timezone.now()
    since = now - timedelta(days=RATE_DAYS) - WINDOW
    pks = Conversation.objects.filter(last_message_at__gte=since).order_by("pk").values_list("pk", flat=True)
    done = 0
    for pk in pks.iterator(chunk_size=2000):
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().filter(pk=pk).first()
            if conversation is not None:
                conversation_deadline_update(conversation=conversation, now=now)
                done += 1
    return done

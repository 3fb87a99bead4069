"""Reads of outgoing messages: the 通知 page, the status page, and the inbox's pending replies
(what staff see of their messages to a buyer until Shopee has them)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, Max, Min, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Shop
from accounts.people import display_name
from accounts.selectors import shops_visible_to
from chat.models import Conversation, Message
from chat.rich import AUTO_REPLY_STATUSES, BOT_TYPES
from outbox.doubt import CLOCK_SKEW
from outbox.models import OutgoingMessage
from outbox.states import State, outbox_due
from telemetry.health import HEARTBEAT_STALE_AFTER, last_heartbeat

# Due messages this long with nothing sent meanwhile: delivery has stopped (no worker, no beat).
STALLED_AFTER = timedelta(seconds=60)
# A reply due this long and still not taken by a worker is overdue: staff are told so.
OVERDUE_AFTER = timedelta(seconds=60)


def outgoing_visible_to(user) -> QuerySet[OutgoingMessage]:
    """Messages of the shops `user` may see, newest first, with what the page shows of each."""
    return (
        OutgoingMessage.objects.filter(shop__in=shops_visible_to(user))
        .select_related("shop", "conversation", "queued_by", "cancelled_by")
        .order_by("-id")
    )


def outgoing_filtered(
    user, *, state: str = "", shop=None, origin: str = "", search: str = ""
) -> QuerySet[OutgoingMessage]:
    messages = outgoing_visible_to(user)
    if state:
        messages = messages.filter(state=state)
    if shop is not None:
        messages = messages.filter(shop=shop)
    if origin:
        messages = messages.filter(origin=origin)
    if search:
        # What staff have at hand when a buyer asks "did you tell me?": an order number, the
        # buyer's id or name, or words of the message.
        messages = messages.filter(
            Q(order_sn__iexact=search)
            | Q(buyer_id=search)
            | Q(conversation__buyer_name__icontains=search)
            | Q(text__icontains=search)
        )
    return messages


def outgoing_counts(messages: QuerySet[OutgoingMessage]) -> dict[str, int]:
    """How many messages are in each state (every state listed, zeros included)."""
    found = dict(messages.order_by().values_list("state").annotate(n=Count("id")))
    return {state: found.get(state, 0) for state in State.values}


def outgoing_for(user, pk: int) -> OutgoingMessage:
    """The message if `user` may see its shop; 404 otherwise."""
    return get_object_or_404(outgoing_visible_to(user), pk=pk)


@dataclass(frozen=True)
class Delivery:
    """Whether the outbox is moving: what is due now, how long the oldest has waited, when
    anything was last sent."""

    due: int
    oldest_due_at: datetime | None
    last_sent_at: datetime | None
    now: datetime

    @property
    def stalled(self) -> bool:
        """Due messages have waited long and nothing went out meanwhile: no worker is delivering.
        (A busy queue still sends; a shop paused by Shopee has nothing due.)"""
        if self.oldest_due_at is None or self.now - self.oldest_due_at < STALLED_AFTER:
            return False
        return self.last_sent_at is None or self.now - self.last_sent_at >= STALLED_AFTER


def delivery_state(user=None) -> Delivery:
    """Due messages as the workers judge it, of the shops `user` may see (all without a user).
    Whether anything went out is asked of every shop: one set of workers serves them all, and
    that is what "stalled" is about."""
    now = timezone.now()
    messages = OutgoingMessage.objects.all() if user is None else outgoing_visible_to(user)
    found = (
        messages.order_by()
        .filter(outbox_due(now))
        .aggregate(due=Count("id"), oldest_due_at=Min("next_attempt_at"))
    )
    last_sent_at = OutgoingMessage.objects.aggregate(last=Max("sent_at"))["last"]
    return Delivery(now=now, last_sent_at=last_sent_at, **found)


@dataclass(frozen=True)
class HeldShop:
    shop: Shop
    held: int


def held_by_shop(messages: QuerySet[OutgoingMessage]) -> list[HeldShop]:
    """Shops whose messages wait for 聊聊登入認證, with how many wait."""
    counts = dict(messages.filter(state=State.HELD).order_by().values_list("shop").annotate(n=Count("id")))
    shops = Shop.objects.filter(pk__in=counts).order_by("name")
    return [HeldShop(shop, counts[shop.pk]) for shop in shops]


# -- the inbox's pending replies ------------------------------------------------------------


@dataclass(frozen=True)
class PendingReply:
    """One of our messages to the buyer not delivered yet (or failed), as staff should read it."""

    message: OutgoingMessage
    overdue_minutes: int | None = None  # due for a while and not sent: nothing is delivering it
    worker_down: bool = False  # ... and the background worker has stopped

    @property
    def retry_at(self) -> datetime | None:
        """When a queued message that failed for now is tried again."""
        message = self.message
        waiting = message.state == State.QUEUED and message.error_code
        return message.next_attempt_at if waiting and message.next_attempt_at > timezone.now() else None

    @property
    def key(self) -> str:
        m = self.message
        return f"{m.pk}:{m.state}:{m.attempts}:{m.error_code}:{self.overdue_minutes}:{self.worker_down}"


def pending_of(conversation: Conversation) -> list[PendingReply]:
    """Our messages to this buyer not delivered yet (queued, sending, held), failed, or cancelled
    since the conversation's last message.

    A message whose delivery is in doubt (the worker lost Shopee's answer) is left out once a
    seller message with its text has arrived in the conversation since: that is very likely
    the same message, and the outbox records it as delivered on its next look.
    """
    arrived = Message.objects.filter(
        conversation=conversation,
        from_buyer=False,
        message_type=OuterRef("message_type"),
        text=OuterRef("text"),
        created_at__gte=ExpressionWrapper(OuterRef("doubt_since") - CLOCK_SKEW, output_field=DateTimeField()),
    ).exclude(  # the delivery of another of our messages is not this one's
        Exists(
            OutgoingMessage.objects.filter(
                shop_id=conversation.shop_id, shopee_message_id=OuterRef("message_id")
            )
        )
    )
    rows = OutgoingMessage.objects.filter(shop_id=conversation.shop_id, buyer_id=conversation.buyer_id)
    if conversation.last_message_at is not None:
        # A cancelled message shows (as cancelled) until the conversation moves on past it.
        rows = rows.exclude(state=State.CANCELLED, cancelled_at__lt=conversation.last_message_at)
    rows = list(
        rows.exclude(state=State.SENT).exclude(Exists(arrived)).select_related("cancelled_by").order_by("id")
    )
    overdue = {m.pk: waited for m in rows if (waited := _overdue_minutes(m)) is not None}
    worker_down = bool(overdue) and _worker_down()
    return [
        PendingReply(m, overdue_minutes=overdue.get(m.pk), worker_down=worker_down and m.pk in overdue)
        for m in rows
    ]


def _overdue_minutes(message: OutgoingMessage) -> int | None:
    """Whole minutes a due message has waited for a worker, if longer than OVERDUE_AFTER."""
    if message.state == State.QUEUED:
        due = message.next_attempt_at
    elif message.state == State.SENDING and message.lease_expires_at:
        due = message.lease_expires_at  # its worker died mid-send
    else:
        return None
    waited = timezone.now() - due
    return int(waited // timedelta(minutes=1)) if waited > OVERDUE_AFTER else None


def _worker_down() -> bool:
    beat = last_heartbeat()
    return beat is None or timezone.now() - beat > HEARTBEAT_STALE_AFTER


def pending_key(pending: list[PendingReply]) -> str:
    """Changes whenever a pending row appears, goes, or reads differently: the pane re-draws them."""
    text = ";".join(reply.key for reply in pending)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def conversation_of(message: OutgoingMessage) -> Conversation | None:
    """The conversation a message to a buyer shows in (a notice may be queued before it exists)."""
    if message.conversation is not None:
        return message.conversation
    return Conversation.objects.filter(shop_id=message.shop_id, buyer_id=message.buyer_id).first()


# -- a second answer to one buyer ------------------------------------------------------------


@dataclass(frozen=True)
class OtherAnswer:
    """An answer to the buyer by someone else since a time: before a second one, staff are asked."""

    who: str  # their name; "" for one written in Seller Centre (or Shopee's app), not through us
    at: datetime
    text: str

    @property
    def seconds_ago(self) -> int:
        return max(0, int((timezone.now() - self.at).total_seconds()))

    @property
    def minutes_ago(self) -> int:
        return self.seconds_ago // 60


def other_answer_since(conversation: Conversation, *, user, since: datetime) -> OtherAnswer | None:
    """The newest reply to the conversation's buyer queued (or sent) after `since` by anyone but
    `user`: a colleague's through the inbox, or a seller's message that none of ours delivered
    (typed in Seller Centre). Shopee's own automatic replies are no one's answer."""
    queued = (
        OutgoingMessage.objects.filter(
            shop_id=conversation.shop_id,
            buyer_id=conversation.buyer_id,
            origin=OutgoingMessage.Origin.REPLY,
            created_at__gt=since,
        )
        .exclude(queued_by=user)
        .exclude(state=State.CANCELLED)
        .select_related("queued_by")
        .order_by("-created_at")
        .first()
    )
    delivered_by_us = OutgoingMessage.objects.filter(
        shop_id=conversation.shop_id, shopee_message_id=OuterRef("message_id")
    )
    typed = (
        Message.objects.filter(conversation=conversation, from_buyer=False, created_at__gt=since)
        .exclude(status__in=AUTO_REPLY_STATUSES)
        .exclude(message_type__in=BOT_TYPES)
        .exclude(Exists(delivered_by_us))
        .order_by("-created_at")
        .first()
    )
    answers = []
    if queued is not None:
        person = queued.queued_by
        who = display_name(person)
        answers.append(OtherAnswer(who=who, at=queued.created_at, text=queued.preview))
    if typed is not None:
        answers.append(OtherAnswer(who="", at=typed.created_at, text=typed.text))
    return max(answers, key=lambda answer: answer.at, default=None)

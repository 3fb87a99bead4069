"""Reads for the 通知 page and the status page: outgoing messages as staff may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Shop
from accounts.selectors import shops_visible_to
from chat.models import OutgoingMessage
from chat.outbox import outbox_due

State = OutgoingMessage.State

# Due messages this long with nothing sent meanwhile: delivery has stopped (no worker, no beat).
STALLED_AFTER = timedelta(seconds=60)


def outgoing_visible_to(user) -> QuerySet[OutgoingMessage]:
    """Messages of the shops `user` may see, newest first, with what the page shows of each."""
    return (
        OutgoingMessage.objects.filter(shop__in=shops_visible_to(user))
        .select_related("shop", "conversation", "queued_by")
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


def get_outgoing_for(user, pk: int) -> OutgoingMessage:
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


def delivery_state() -> Delivery:
    """For every shop (one set of workers serves them all); due as the workers judge it."""
    now = timezone.now()
    found = OutgoingMessage.objects.filter(outbox_due(now)).aggregate(
        due=Count("id"), oldest_due_at=Min("next_attempt_at")
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

"""Reads for the 通知 page and the status page: outgoing messages as staff may see them."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.selectors import shops_visible_to
from chat.models import OutgoingMessage


def outgoing_visible_to(user) -> QuerySet[OutgoingMessage]:
    """Messages of the shops `user` may see, newest first, with what the page shows of each."""
    return (
        OutgoingMessage.objects.filter(shop__in=shops_visible_to(user))
        .select_related("shop", "conversation", "queued_by")
        .order_by("-id")
    )


def outgoing_filtered(user, *, state: str = "", shop=None, origin: str = "") -> QuerySet[OutgoingMessage]:
    messages = outgoing_visible_to(user)
    if state:
        messages = messages.filter(state=state)
    if shop is not None:
        messages = messages.filter(shop=shop)
    if origin:
        messages = messages.filter(origin=origin)
    return messages


def outgoing_counts(messages: QuerySet[OutgoingMessage]) -> dict[str, int]:
    """How many messages are in each state (every state listed, zeros included)."""
    found = dict(messages.order_by().values_list("state").annotate(n=Count("id")))
    return {state: found.get(state, 0) for state in OutgoingMessage.State.values}


def get_outgoing_for(user, pk: int) -> OutgoingMessage:
    """The message if `user` may see its shop; 404 otherwise."""
    return get_object_or_404(outgoing_visible_to(user), pk=pk)


def oldest_due() -> OutgoingMessage | None:
    """The queued message that has waited longest past its due time (the queue's lag)."""
    return (
        OutgoingMessage.objects.filter(
            state=OutgoingMessage.State.QUEUED, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .first()
    )

"""Reads for the notice pages: a batch's per-order results (constant queries), past batches,
templates offered to a person, automatic notices waiting for review."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from accounts.selectors import shops_visible_to
from notifications.models import AutoNotice, NoticeBatch, NoticeBatchOrder, NoticeLastText, NoticeTemplate
from outbox.models import OutgoingMessage

State = OutgoingMessage.State

# What a person reads for each order of a batch.
QUEUED, SENT, FAILED, HELD, SKIPPED = "queued", "sent", "failed", "held", "skipped"
STATE_LABELS = {
    QUEUED: _("Queued"),
    SENT: _("Sent"),
    FAILED: _("Failed"),
    HELD: _("Held"),
    SKIPPED: _("Skipped"),
}


@dataclass
class ResultRow:
    order_sn: str
    shop_name: str
    buyer: str
    state: str
    sent_at: datetime | None
    why: str

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def batches_for(user) -> QuerySet[NoticeBatch]:
    """Batches whose orders include one of the user's shops (or that the user sent)."""
    shops = shops_visible_to(user)
    mine = NoticeBatchOrder.objects.filter(order__shop__in=shops).values("batch_id")
    return (
        NoticeBatch.objects.filter(Q(created_by=user) | Q(pk__in=mine))
        .select_related("created_by")
        .distinct()
    )


def batch_for(user, pk: int) -> NoticeBatch:
    return get_object_or_404(batches_for(user), pk=pk)


def batch_results(batch: NoticeBatch, user) -> tuple[list[ResultRow], Counter]:
    """Every order of the batch the user may see, with its state: two queries."""
    links = (
        NoticeBatchOrder.objects.filter(batch=batch, order__shop__in=shops_visible_to(user))
        .select_related("order", "order__shop", "message")
        .order_by("order__shop_id", "order__created_on_shopee", "order_id")
    )
    rows = []
    for link in links:
        order, message = link.order, link.message
        if message is None:
            state, sent_at, why = SKIPPED, None, link.skip_reason
        elif message.state == State.SENT:
            state, sent_at, why = SENT, message.sent_at, ""
        elif message.state == State.FAILED:
            state, sent_at, why = FAILED, None, message.error_text
        elif message.state == State.HELD:
            state, sent_at, why = HELD, None, message.error_text
        else:
            state, sent_at, why = QUEUED, None, ""
        rows.append(
            ResultRow(
                order.order_sn,
                order.shop.name,
                order.buyer_username or order.buyer_user_id,
                state,
                sent_at,
                why,
            )
        )
    return rows, Counter(row.state for row in rows)


def settled(counts: Counter) -> bool:
    """Nothing of the batch is still on its way (held ones wait for a person, not for time)."""
    return counts[QUEUED] == 0


def last_text(user) -> str:
    return NoticeLastText.objects.filter(user=user).values_list("text", flat=True).first() or ""


def templates_for(user) -> QuerySet[NoticeTemplate]:
    """Shared templates and those of the user's shops."""
    return NoticeTemplate.objects.filter(
        Q(shop__isnull=True) | Q(shop__in=shops_visible_to(user))
    ).select_related("shop")


def template_for(user, pk: int) -> NoticeTemplate:
    """A template the user may use, edit and delete (shared, or of their shops): 404 otherwise."""
    return get_object_or_404(templates_for(user), pk=pk)


def auto_notices_waiting(user) -> QuerySet[AutoNotice]:
    return (
        AutoNotice.objects.filter(state=AutoNotice.State.REVIEW, shop__in=shops_visible_to(user))
        .select_related("order", "shop")
        .order_by("shop_id", "id")
    )


def auto_notices_recent(user, limit: int = 100) -> QuerySet[AutoNotice]:
    return (
        AutoNotice.objects.filter(shop__in=shops_visible_to(user))
        .exclude(state=AutoNotice.State.REVIEW)
        .select_related("order", "shop", "message")
        .order_by("-id")[:limit]
    )

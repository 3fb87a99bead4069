"""Reads for the notice pages: a batch's per-order results (constant queries), past batches,
templates offered to a person, automatic notices waiting for review."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.selectors import shops_visible_to
from db.lookups import any_of
from notifications.models import AutoNotice, NoticeBatch, NoticeBatchOrder, NoticeLastText, NoticeTemplate
from notifications.skips import skip_words
from orders.columns import Cell
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
    detail: str = ""  # Shopee's own text behind `why`, as it said it (on hover only)

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


# The state a person reads for each message state; an order without a message is skipped.
_READ_AS = {
    State.QUEUED: QUEUED,
    State.SENDING: QUEUED,
    State.SENT: SENT,
    State.FAILED: FAILED,
    State.HELD: HELD,
    State.CANCELLED: SKIPPED,
}


def _state_of(message_state: str | None) -> str:
    return _READ_AS.get(message_state, SKIPPED)


def _links_in(state: str) -> Q:
    """The batch links a person reads as `state` (the filter counterpart of `_state_of`)."""
    links = Q(message__state__in=[m for m, read in _READ_AS.items() if read == state])
    return links | Q(message__isnull=True) if state == SKIPPED else links


def _batch_links(batch: NoticeBatch, user) -> QuerySet[NoticeBatchOrder]:
    return NoticeBatchOrder.objects.filter(batch=batch, order__shop__in=shops_visible_to(user))


def batch_counts(batch: NoticeBatch, user) -> Counter:
    """How many of the batch's orders (those the user may see) are in each state: one query,
    whatever the batch's size."""
    counts = Counter()
    by_state = _batch_links(batch, user).values("message__state").annotate(n=Count("id")).order_by()
    for row in by_state:
        counts[_state_of(row["message__state"])] += row["n"]
    return counts


def batch_results(batch: NoticeBatch, user, *, state: str = "", page: int | str = 1) -> Page:
    """One page of the batch's orders the user may see (only those in `state`, if given), each
    with what became of it: a page of a 5,000-order batch costs what a page of 50 does."""
    links = _batch_links(batch, user)
    if state in STATE_LABELS:
        links = links.filter(_links_in(state))
    links = links.select_related("order", "order__shop", "message").order_by(
        "order__shop_id", "order__created_on_shopee", "order_id"
    )
    page = Paginator(links, RESULT_ROWS).get_page(page)
    page.object_list = [_result_row(link) for link in page.object_list]
    return page


RESULT_ROWS = 100


def _result_row(link: NoticeBatchOrder) -> ResultRow:
    order = link.order
    state, sent_at, why = message_state(link.message, link.skip_reason)
    detail = link.message.error_said if state in (FAILED, HELD) else ""
    return ResultRow(
        order.order_sn,
        order.shop.name,
        order.buyer_username or order.buyer_user_id,
        state,
        sent_at,
        why,
        detail,
    )


def message_state(message: OutgoingMessage | None, skip_reason: str = "") -> tuple[str, datetime | None, str]:
    """(state, sent at, why) of a notice as staff read it; no message means it was skipped."""
    if message is None:
        return SKIPPED, None, skip_words(skip_reason)
    state = _state_of(message.state)
    if state == SENT:
        return SENT, message.sent_at, ""
    if state in (FAILED, HELD):
        return state, None, _problem(message)
    if state == SKIPPED:
        return SKIPPED, None, str(State.CANCELLED.label)
    return QUEUED, None, ""


def _problem(message: OutgoingMessage) -> str:
    """What stopped the message, with Shopee's reason in our words where it gave one: a bare
    "Shopee refused the message" tells staff nothing they can act on."""
    if not message.error_reason:
        return message.error_text
    return gettext("%(problem)s (%(reason)s)") % {
        "problem": message.error_text,
        "reason": message.error_reason,
    }


TONES = {QUEUED: "muted", SENT: "ok", FAILED: "bad", HELD: "warn", SKIPPED: "muted"}


def order_notice_cells(order_pks: list[int]) -> dict[int, Cell]:
    """The order table's 通知 column: each order's latest shipping notice (batch or automatic)
    as a cell; orders never notified have none. Two queries however many orders."""
    latest: dict[int, tuple[datetime, str, datetime | None, str]] = {}

    def keep(order_pk: int, when: datetime, state: tuple[str, datetime | None, str]) -> None:
        if order_pk not in latest or when > latest[order_pk][0]:
            latest[order_pk] = (when, *state)

    links = NoticeBatchOrder.objects.filter(any_of("order_id", order_pks)).select_related("batch", "message")
    for link in links:
        keep(link.order_id, link.batch.created_at, message_state(link.message, link.skip_reason))
    for auto in AutoNotice.objects.filter(any_of("order_id", order_pks)).select_related("message"):
        if auto.state == AutoNotice.State.REVIEW:
            state = (HELD, None, str(AutoNotice.State.REVIEW.label))
        elif auto.state == AutoNotice.State.REFUSED:
            state = (SKIPPED, None, skip_words(auto.reason))
        else:
            state = message_state(auto.message)
        keep(auto.order_id, auto.created_at, state)
    cells = {}
    for order_pk, (_when, state, sent_at, why) in latest.items():
        detail = timezone.localtime(sent_at).strftime("%Y/%m/%d %H:%M") if sent_at else why
        cells[order_pk] = Cell(text=str(STATE_LABELS[state]), detail=detail, tone=TONES[state])
    return cells


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

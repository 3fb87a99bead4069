"""The inbox list's rows as the template draws them. A list draws 50 rows and polls every second:
each row's links, times, countdown, preview and team marks are worked out once here, and each
shop's badge once per list, where per-row template filters, {% url %} and includes cost most of a
list's time (bench/inbox_queries.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.chat_words import ChatStop
from accounts.people import display_name
from chat.models import Conversation
from chat.rich import kind_words
from chat.selectors import reply_warning
from chat.transport import chat_stop


@dataclass(frozen=True, slots=True)
class Countdown:
    """The time left in Shopee's 12-hour window: amber under the warning time, red when past."""

    state: str  # ok, near, late
    due_unix: int
    due_title: str  # 2026/12/06 14:05
    left: str  # H:MM
    warn: int  # seconds


@dataclass(frozen=True, slots=True)
class ShopMark:
    label: str  # the shop's account (its name when there is none)
    stop: ChatStop | None  # what stops its chat


@dataclass(frozen=True, slots=True)
class ListRow:
    conversation: Conversation
    href: str  # the inbox with this conversation open, the list's filters kept
    pane_url: str
    buyer: str
    sort_key: str  # data-ts: the list's own order (newest, or least time left)
    at_iso: str
    at_title: str  # 2026/12/06 14:05
    at_short: str  # 14:05 today, 11/27 this year, 2025/11/27 before
    countdown: Countdown | None
    preview: str  # the last message's text, or what it is in words
    shop_mark: ShopMark
    status_label: str  # "" while open
    assignee_label: str  # 我的 for the viewer's own
    alert: bool  # a desktop alert may name it (the buyer spoke last; mine or nobody's)

    def __getattr__(self, name: str):
        return getattr(self.conversation, name)

    def __getitem__(self, name: str):
        # A template looks `row.x` up as row["x"] first: answering it spares an exception.
        return getattr(self, name)


def _short_time(local: datetime | None, today) -> str:
    """Today: 14:05; this year: 11/27; before: 2025/11/27 (`local`: Taipei time)."""
    if local is None:
        return ""
    if local.date() == today:
        return local.strftime("%H:%M")
    if local.year == today.year:
        return local.strftime("%m/%d")
    return local.strftime("%Y/%m/%d")


def countdown_of(due: datetime | None, *, now: datetime, warn: float) -> Countdown | None:
    if due is None:
        return None
    left = (due - now).total_seconds()
    minutes = max(0, int(left // 60))
    return Countdown(
        state="late" if left <= 0 else "near" if left < warn else "ok",
        due_unix=int(due.timestamp()),
        due_title=timezone.localtime(due).strftime("%Y/%m/%d %H:%M"),
        left=f"{minutes // 60}:{minutes % 60:02d}",
        warn=int(warn),
    )


def list_rows(
    conversations: list[Conversation], *, viewer_pk: int, filter_query: str, by_due: bool
) -> list[ListRow]:
    """The rows of one list (page, next page or changes), each shop's badge worked out once."""
    inbox_url = reverse("inbox:inbox")
    href = f"{inbox_url}?{filter_query}&c=" if filter_query else f"{inbox_url}?c="
    pane_url = reverse("inbox:conversation", args=[0])[: -len("0/")]
    now, today = timezone.now(), timezone.localdate()
    warn = reply_warning().total_seconds()
    mine = gettext("Mine")
    shops: dict[int, ShopMark] = {}
    rows = []
    for conversation in conversations:
        shop = conversation.shop
        if shop.pk not in shops:
            shops[shop.pk] = ShopMark(label=shop.account or shop.name, stop=chat_stop(shop))
        at = timezone.localtime(conversation.last_message_at) if conversation.last_message_at else None
        due = conversation.reply_due_at
        assignee_pk = conversation.assignee_id
        rows.append(
            ListRow(
                conversation=conversation,
                href=f"{href}{conversation.pk}",
                pane_url=f"{pane_url}{conversation.pk}/",
                buyer=conversation.buyer_name or conversation.buyer_id,
                sort_key=f"-{int(due.timestamp())}"
                if by_due and due
                else "-"
                if by_due
                else str(conversation.last_message_ns),
                at_iso=at.isoformat() if at else "",
                at_title=at.strftime("%Y/%m/%d %H:%M") if at else "",
                at_short=_short_time(at, today),
                countdown=countdown_of(due, now=now, warn=warn),
                preview=conversation.last_message_text or kind_words(conversation.last_message_type),
                shop_mark=shops[shop.pk],
                status_label=""
                if conversation.status == Conversation.Status.OPEN
                else conversation.get_status_display(),
                assignee_label=(mine if assignee_pk == viewer_pk else display_name(conversation.assignee))
                if assignee_pk
                else "",
                alert=conversation.last_message_from_buyer and assignee_pk in (None, viewer_pk),
            )
        )
    return rows

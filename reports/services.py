"""The reports' daily roll-up: one Taipei day of every shop's chat work counted once into
DailyFigures rows (a shop's, and one per person who answered or sent), from the chats that count
(chat.CountedChat), the day's seller messages and the outbox's sent rows. Re-counting a day
replaces its rows, so the beat may run it as often as it likes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from chat.models import CountedChat, Message
from chat.response_rate import is_automatic
from outbox.models import OutgoingMessage
from reports.models import COUNTS, DailyFigures, numbers_pack

SHOP = None  # the person key of a shop's own row
# Notices answer nobody: counted apart from replies, though Shopee sees them as seller messages.
NOTICES = (OutgoingMessage.Origin.BATCH_NOTICE, OutgoingMessage.Origin.AUTO_NOTICE)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _row(rows: dict, shop_pk: int, person_pk: int | None) -> dict:
    key = (shop_pk, person_pk)
    if key not in rows:
        rows[key] = defaultdict(int, response_seconds=[], by_hour=[0] * 24)
    return rows[key]


def figures_rollup(*, day: date, now: datetime | None = None) -> int:
    """Count `day` again for every shop; returns how many rows it wrote."""
    now = now or timezone.now()
    start, end = day_bounds(day)
    rows: dict = {}
    _count_chats(rows, start, end, now)
    _count_replies(rows, start, end)
    _count_sent(rows, start, end)
    with transaction.atomic():
        DailyFigures.objects.filter(day=day).delete()
        DailyFigures.objects.bulk_create(
            DailyFigures(
                day=day,
                shop_id=shop_pk,
                person_id=person_pk,
                response_seconds=numbers_pack(sorted(row["response_seconds"])),
                by_hour=numbers_pack(row["by_hour"]),
                **{name: row[name] for name in COUNTS},
            )
            for (shop_pk, person_pk), row in rows.items()
        )
    return len(rows)


def _count_chats(rows: dict, start: datetime, end: datetime, now: datetime) -> None:
    chats = list(
        CountedChat.objects.filter(started_at__gte=start, started_at__lt=end).values_list(
            "shop_id", "started_at", "due_at", "answered_at", "answer_message_id"
        )
    )
    answerers = dict(
        OutgoingMessage.objects.filter(
            shopee_message_id__in=[answer for *_, answer in chats if answer], queued_by__isnull=False
        ).values_list("shopee_message_id", "queued_by_id")
    )
    for shop_pk, started, due, answered, answer in chats:
        person_pk = answerers.get(answer) if answer else None
        for row in [_row(rows, shop_pk, SHOP)] + ([_row(rows, shop_pk, person_pk)] if person_pk else []):
            row["chats"] += 1
            if answered is not None and answered <= due:
                row["in_time"] += 1
            elif answered is not None or due < now:
                row["missed"] += 1
            else:
                row["waiting"] += 1
            if answered is not None:
                row["response_seconds"].append(max(0, int((answered - started).total_seconds())))
        _row(rows, shop_pk, SHOP)["by_hour"][timezone.localtime(started).hour] += 1


def _count_replies(rows: dict, start: datetime, end: datetime) -> None:
    """A shop's replies: every seller message a person wrote, from any source; a person's: the
    replies they queued in our inbox and Shopee took."""
    notice = OutgoingMessage.objects.filter(
        shop_id=OuterRef("shop_id"), shopee_message_id=OuterRef("message_id"), origin__in=NOTICES
    )
    sent = Message.objects.filter(created_at__gte=start, created_at__lt=end, from_buyer=False).exclude(
        Exists(notice)
    )
    for shop_pk, message_type, status in sent.values_list("shop_id", "message_type", "status").iterator():
        if not is_automatic(message_type=message_type, status=status, from_buyer=False):
            _row(rows, shop_pk, SHOP)["replies"] += 1


def _count_sent(rows: dict, start: datetime, end: datetime) -> None:
    sent = OutgoingMessage.objects.filter(
        state=OutgoingMessage.State.SENT, sent_at__gte=start, sent_at__lt=end
    ).values_list("shop_id", "queued_by_id", "origin")
    field = {
        OutgoingMessage.Origin.REPLY: "replies",
        OutgoingMessage.Origin.BATCH_NOTICE: "batch_notices",
        OutgoingMessage.Origin.AUTO_NOTICE: "auto_notices",
    }
    for shop_pk, person_pk, origin in sent.iterator():
        if origin in NOTICES:
            _row(rows, shop_pk, SHOP)[field[origin]] += 1
        if person_pk:
            _row(rows, shop_pk, person_pk)[field[origin]] += 1


def figures_rollup_recent(*, days: int = 2) -> int:
    """Today and the days before it (a chat begun yesterday is decided up to 12 hours into today)."""
    today = timezone.localdate()
    return sum(figures_rollup(day=today - timedelta(days=n)) for n in range(days))

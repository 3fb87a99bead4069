"""Reads for the inbox: each page part runs a fixed number of queries however many rows it shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Shop
from accounts.selectors import shops_visible_to
from chat.models import (
    Conversation,
    ConversationTag,
    CountedChat,
    InboxSettings,
    Message,
    Note,
    PushReceipt,
    QuickReply,
    Tag,
    UnreadMark,
)
from chat.response_rate import RATE_DAYS, Rate, Said, chats_of, is_automatic
from chat.team import staff_for_shop
from db.lookups import any_of
from orders.models import Order
from orders.selectors import orders_of_buyer

LIST_PAGE = 50
PANE_MESSAGES = 300  # the document's "up to 300 messages"
OLDER_PAGE = 100
SEARCH_IDS = 5000  # conversations a text search matches, read by id


class Assigned:
    """The list's 我的 / 未指派 / 全部 choice."""

    MINE, UNASSIGNED, ANY = "mine", "unassigned", ""


ANY_STATUS = "all"


@dataclass(frozen=True)
class InboxFilter:
    last_from: date
    last_to: date
    shop_pk: int | None = None
    unread: bool = False  # unread on Shopee, or marked unread by the viewer
    unreplied: bool = False  # the buyer wrote last
    search: str = ""
    viewer_pk: int | None = None  # whose list: 我的, their unread marks, their waiting buyers first
    assigned: str = Assigned.ANY
    status: str = Conversation.Status.OPEN  # or ANY_STATUS
    tag_pk: int | None = None
    due_soon: bool = False  # 即將逾時: a reply due within the warning time, or past due
    by_time_left: bool = False  # only those awaiting a reply, the least time left first


@dataclass(frozen=True)
class ListCursor:
    """Where a list page ended: the next page starts strictly after this row. `first` is 1 while
    the page was still among the viewer's own conversations whose buyer waits (they come first)."""

    last_message_at: datetime
    pk: int
    first: int = 0

    def __str__(self) -> str:
        lead = f"{self.first}_" if self.first else ""
        return f"{lead}{self.last_message_at.timestamp():.6f}_{self.pk}"

    @classmethod
    def parse(cls, value: str | None) -> ListCursor | None:
        try:
            parts = (value or "").split("_")
            first = parts.pop(0) if len(parts) == 3 else "0"
            stamp, pk = parts
            if not (pk.isascii() and pk.isdigit()) or first not in ("0", "1"):
                return None
            return cls(datetime.fromtimestamp(float(stamp), tz=UTC), int(pk), int(first))
        except (ValueError, OverflowError, OSError):  # e.g. "1e20_1": no such time
            return None


@dataclass
class ConversationPage:
    rows: list[Conversation]
    next_cursor: ListCursor | None
    total: int | None = None  # counted on the first page only, up to CHAT_LIST_COUNT_MAX + 1

    @property
    def total_over(self) -> int | None:
        """CHAT_LIST_COUNT_MAX when there are more conversations than it (the count stopped)."""
        limit = settings.CHAT_LIST_COUNT_MAX
        return limit if self.total is not None and self.total > limit else None


def visible_shops(user) -> list[Shop]:
    return list(shops_visible_to(user))


def default_range() -> tuple[date, date]:
    """The last 7 days, today included, in Taipei."""
    today = timezone.localdate()
    return today - timedelta(days=6), today


def _filtered(shop_pks: list[int], filters: InboxFilter) -> QuerySet[Conversation]:
    conversations = Conversation.objects.filter(
        shop_id__in=[filters.shop_pk] if filters.shop_pk in shop_pks else shop_pks,
        last_message_at__gte=_day_start(filters.last_from),
        last_message_at__lt=_day_start(filters.last_to + timedelta(days=1)),
    )
    if filters.unread:
        conversations = conversations.filter(Q(unread_count__gt=0) | Q(Exists(_marked(filters))))
    if filters.unreplied:
        conversations = conversations.filter(last_message_from_buyer=True)
    if filters.assigned == Assigned.MINE:
        conversations = conversations.filter(assignee_id=filters.viewer_pk)
    elif filters.assigned == Assigned.UNASSIGNED:
        conversations = conversations.filter(assignee__isnull=True)
    if filters.status != ANY_STATUS:
        conversations = conversations.filter(_status_q(filters.status))
    if filters.tag_pk:
        tagged = ConversationTag.objects.filter(tag_id=filters.tag_pk).values("conversation_id")
        conversations = conversations.filter(pk__in=tagged)
    if filters.due_soon:
        conversations = conversations.filter(reply_due_at__lt=timezone.now() + reply_warning())
    elif filters.by_time_left:
        conversations = conversations.filter(reply_due_at__isnull=False)
    if filters.search:
        term = filters.search.strip()
        # One set of ids from both trigram indexes, so the conversations are read by id: an OR
        # of the two tests every conversation of the dates. Up to SEARCH_IDS the ids come here
        # and go back as a list (the planner then knows how few they are); beyond, a subquery.
        by_message = Message.objects.filter(shop_id__in=shop_pks, text__icontains=term)
        by_buyer = Conversation.objects.filter(shop_id__in=shop_pks, buyer_name__icontains=term)
        matching = by_message.values_list("conversation_id", flat=True).union(
            by_buyer.values_list("id", flat=True)
        )
        ids = list(matching[: SEARCH_IDS + 1])
        conversations = conversations.filter(
            any_of("pk", ids) if len(ids) <= SEARCH_IDS else Q(pk__in=matching)
        )
    return conversations


def _status_q(status: str) -> Q:
    """The conversations in `status` now: one put off until a time now passed is 待處理 again
    (before the beat's chat.team.conversations_wake writes it so)."""
    woke = Q(status=Conversation.Status.SNOOZED, snoozed_until__lte=timezone.now())
    if status == Conversation.Status.OPEN:
        return Q(status=status) | woke
    if status == Conversation.Status.SNOOZED:
        return Q(status=status) & ~woke
    return Q(status=status)


def _marked(filters: InboxFilter) -> QuerySet[UnreadMark]:
    return UnreadMark.objects.filter(user_id=filters.viewer_pk or 0, conversation_id=OuterRef("pk"))


def _waiting_for_viewer(filters: InboxFilter) -> Q:
    """The viewer's own conversations whose buyer spoke last: first in their list."""
    return Q(assignee_id=filters.viewer_pk or 0, last_message_from_buyer=True)


def _list_rows(conversations: QuerySet[Conversation], filters: InboxFilter) -> QuerySet[Conversation]:
    """The list's rows with what each shows (shop, assignee, the viewer's unread mark, whether
    they come first: `first`), newest last message first. Tags: `with_tags` on the page's rows."""
    first = _waiting_for_viewer(filters)
    return (
        conversations.select_related("shop", "assignee")
        .annotate(
            marked_unread=Exists(_marked(filters)),
            first=Case(When(first, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .order_by("-last_message_at", "-id")
    )


def _later_than(rows: QuerySet[Conversation], after: ListCursor | None) -> QuerySet[Conversation]:
    if after is None:
        return rows
    return rows.filter(
        Q(last_message_at__lt=after.last_message_at)
        | Q(last_message_at=after.last_message_at, pk__lt=after.pk)
    )


def with_tags(rows: list[Conversation]) -> list[Conversation]:
    """The rows' tags in one query, whatever the number of rows."""
    prefetch_related_objects(rows, "tags")
    return rows


def conversations_for_inbox(
    *, shop_pks: list[int], filters: InboxFilter, after: ListCursor | None = None
) -> ConversationPage:
    """One page of the conversation list: the viewer's own conversations whose buyer spoke last
    first, then the rest, each newest last message first. Two reads each walk an index in its
    order (the viewer's rows by assignee, the rest by time) rather than sorting every row the
    filters take. By time left (即將逾時 too): the reply due soonest first, the cursor's time
    then being the row's deadline."""
    conversations = _filtered(shop_pks, filters)
    total = None if after else conversations[: settings.CHAT_LIST_COUNT_MAX + 1].count()
    if filters.due_soon or filters.by_time_left:
        return _by_time_left(conversations, filters, after, total)
    first = _waiting_for_viewer(filters)
    past_first = after is not None and not after.first  # this page starts among the rest
    head = conversations.none() if past_first else conversations.filter(first)
    rows = list(_later_than(_list_rows(head, filters), after)[: LIST_PAGE + 1])
    room = max(1, LIST_PAGE + 1 - len(rows))
    rest = _list_rows(conversations.exclude(first), filters)
    rows += list(_later_than(rest, after if past_first else None)[:room])
    more = len(rows) > LIST_PAGE
    rows = with_tags(rows[:LIST_PAGE])
    cursor = ListCursor(rows[-1].last_message_at, rows[-1].pk, rows[-1].first) if more else None
    return ConversationPage(rows=rows, next_cursor=cursor, total=total)


def _by_time_left(
    conversations: QuerySet[Conversation], filters: InboxFilter, after: ListCursor | None, total: int | None
) -> ConversationPage:
    page = _list_rows(conversations, filters).order_by("reply_due_at", "id")
    if after:
        page = page.filter(
            Q(reply_due_at__gt=after.last_message_at) | Q(reply_due_at=after.last_message_at, pk__gt=after.pk)
        )
    rows = list(page[: LIST_PAGE + 1])
    more = len(rows) > LIST_PAGE
    rows = with_tags(rows[:LIST_PAGE])
    cursor = ListCursor(rows[-1].reply_due_at, rows[-1].pk) if more else None
    return ConversationPage(rows=rows, next_cursor=cursor, total=total)


# -- Shopee's 12-hour window ----------------------------------------------------------------------


NEAR_NAMED = 20


def reply_warning() -> timedelta:
    """Time left under which a reply shows amber and counts as 即將逾時 (CHAT_REPLY_WARN_MINUTES)."""
    return timedelta(minutes=settings.CHAT_REPLY_WARN_MINUTES)


@dataclass(frozen=True)
class Deadlines:
    near: int  # a reply due within the warning time
    late: int  # past the deadline, still unanswered
    near_pks: tuple[int, ...] = ()  # the first of those near it: an alert names the newly near

    @property
    def total(self) -> int:
        return self.near + self.late


def deadlines_of(user, *, shop_pks: list[int]) -> Deadlines:
    """The header's count: conversations of `user`'s shops assigned to them or to nobody (nobody
    else will answer those) whose reply is due within the warning time or late. One query."""
    now = timezone.now()
    mine = Conversation.objects.filter(
        Q(assignee=user) | Q(assignee__isnull=True),
        shop_id__in=shop_pks,
        reply_due_at__lt=now + reply_warning(),
    )
    counts = mine.aggregate(
        near=Count("pk", filter=Q(reply_due_at__gte=now)), late=Count("pk", filter=Q(reply_due_at__lt=now))
    )
    near = mine.filter(reply_due_at__gte=now).order_by("reply_due_at", "id").values_list("pk", flat=True)
    return Deadlines(near=counts["near"], late=counts["late"], near_pks=tuple(near[:NEAR_NAMED]))


def shop_rates(shop_pks: list[int], *, now: datetime | None = None) -> dict[int, Rate]:
    """Each shop's estimated response rate over the last RATE_DAYS days by Shopee's published rule
    (no recency weighting: Shopee does not publish it), from its counted chats. One query."""
    now = now or timezone.now()
    decided = Q(answered_at__isnull=False) | Q(due_at__lt=now)
    rows = (
        CountedChat.objects.filter(shop_id__in=shop_pks, started_at__gte=now - timedelta(days=RATE_DAYS))
        .order_by()
        .values("shop_id")
        .annotate(
            counted=Count("pk", filter=decided),
            in_time=Count("pk", filter=Q(answered_at__lte=F("due_at"))),
            waiting=Count("pk", filter=~decided),
        )
    )
    rates = {pk: Rate(counted=0, in_time=0, waiting=0) for pk in shop_pks}
    rates.update(
        {
            row["shop_id"]: Rate(counted=row["counted"], in_time=row["in_time"], waiting=row["waiting"])
            for row in rows
        }
    )
    return rates


def deadlines_per_shop() -> dict[int, Deadlines]:
    """Every shop's conversations near or past their deadline (/metrics). One query."""
    now = timezone.now()
    rows = (
        Conversation.objects.filter(reply_due_at__lt=now + reply_warning())
        .order_by()
        .values("shop_id")
        .annotate(
            near=Count("pk", filter=Q(reply_due_at__gte=now)),
            late=Count("pk", filter=Q(reply_due_at__lt=now)),
        )
    )
    return {row["shop_id"]: Deadlines(near=row["near"], late=row["late"]) for row in rows}


XID_SPAN = 2**32  # pg_stat_activity shows 32-bit transaction ids; change_xid holds 64-bit ones


def change_horizon() -> int:
    """A point at or before the change_xid of every row a transaction of this database has not
    committed yet (or will write later), own transaction aside: its writes are visible to its own
    reads. Taken before a read, it is where the next look starts, so a row committed after the
    read is never missed however early it was written; a row is sent again only while a
    transaction older than it is still running.

    PostgreSQL: the lowest of the next transaction id and the ids of the transactions running
    in this database (pg_stat_activity: sessions of our own role, the one that writes chat).
    SQLite (one writer at a time): the highest committed value plus one."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT coalesce(max(change_xid), 0) + 1 FROM chat_conversation")
            return int(cursor.fetchone()[0])
        # The next id first: a transaction that gets its id after this is at or above it.
        cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
        next_xid = int(cursor.fetchone()[0])
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # not the one cached for this transaction
        cursor.execute(
            "SELECT backend_xid::text::bigint FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        behind = ((next_xid - xid) % XID_SPAN for (xid,) in cursor.fetchall())
        return next_xid - max((d for d in behind if 0 < d <= XID_SPAN // 2), default=0)


def any_conversation_changed(*, since: int) -> bool:
    """Whether any conversation (of any shop) was written at or after the horizon `since`: one
    index probe, so a live list that polls often costs little while nothing changes. Nothing
    committed later is missed, as long as the caller keeps asking from the same `since`."""
    return Conversation.objects.filter(change_xid__gte=since).exists()


def conversations_changed(
    *, shop_pks: list[int], filters: InboxFilter, since: int
) -> tuple[list[Conversation], int]:
    """Rows of the list written at or after the horizon `since` (newest first), and the next one.
    A row sent twice is the same row again: the page replaces it by its id."""
    horizon = change_horizon()
    rows = list(_list_rows(_filtered(shop_pks, filters).filter(change_xid__gte=since), filters)[:LIST_PAGE])
    with_tags(rows)
    return rows, horizon


def conversation_for(user, pk: int) -> Conversation:
    """The conversation if its shop is visible to `user`; 404 otherwise."""
    return get_object_or_404(
        Conversation.objects.select_related("shop"), pk=pk, shop__in=shops_visible_to(user)
    )


@dataclass
class Pane:
    conversation: Conversation
    messages: list[Message]  # oldest first
    has_older: bool
    orders: list[Order]  # the buyer's, newest first
    quick_replies: list[QuickReply]  # placeholders still in them (the composer fills them in)
    # The last message stored: the pane asks for what is stored after it. Not the newest shown:
    # a history pulled after a pushed message has higher ids than that message.
    last_pk: int = 0
    order_cards: dict[str, Order] = field(default_factory=dict)  # orders the messages mention
    no_reply_needed: set[str] = field(default_factory=set)  # buyer messages: 不影響回應率


def conversation_pane(*, conversation: Conversation) -> Pane:
    newest = list(
        Message.objects.filter(conversation=conversation).order_by("-created_at", "-id")[: PANE_MESSAGES + 1]
    )
    messages = newest[:PANE_MESSAGES][::-1]
    orders = orders_of_buyer(shop_id=conversation.shop_id, buyer_id=conversation.buyer_id)
    replies = QuickReply.objects.filter(Q(shop__isnull=True) | Q(shop_id=conversation.shop_id))
    return Pane(
        conversation=conversation,
        messages=messages,
        has_older=len(newest) > PANE_MESSAGES,
        orders=orders,
        quick_replies=list(replies),
        order_cards=order_cards(conversation, messages),
        no_reply_needed=no_reply_needed(messages),
        last_pk=Message.objects.filter(conversation=conversation).aggregate(last=Max("id"))["last"] or 0,
    )


def messages_older(*, conversation: Conversation, before_pk: int) -> tuple[list[Message], bool]:
    """Up to OLDER_PAGE messages before message `before_pk` (oldest first), and whether more exist."""
    before = Message.objects.filter(conversation=conversation, pk=before_pk).values("created_at").first()
    if before is None:
        return [], False
    rows = list(
        Message.objects.filter(conversation=conversation)
        .filter(Q(created_at__lt=before["created_at"]) | Q(created_at=before["created_at"], pk__lt=before_pk))
        .order_by("-created_at", "-id")[: OLDER_PAGE + 1]
    )
    return rows[:OLDER_PAGE][::-1], len(rows) > OLDER_PAGE


def newest_pk(messages: list[Message], *, default: int) -> int:
    """The last message stored among `messages` (not the newest by time: see Pane.last_pk)."""
    return max((m.pk for m in messages), default=default)


def messages_after(*, conversation: Conversation, after_pk: int) -> list[Message]:
    """Messages stored since the pane last looked (pushed, pulled or recorded by the outbox),
    at most a pane's worth per call, oldest first."""
    stored = Message.objects.filter(conversation=conversation, pk__gt=after_pk).order_by("id")
    return sorted(stored[:PANE_MESSAGES], key=lambda m: (m.created_at, m.pk))


def no_reply_needed(messages: list[Message]) -> set[str]:
    """Ids of the buyer's messages among `messages` (oldest first) that need no reply for Shopee's
    rate: a thank-you or sticker after a reply in time."""
    return chats_of(
        Said(
            key=m.message_id,
            at=m.created_at,
            from_buyer=m.from_buyer,
            automatic=is_automatic(message_type=m.message_type, status=m.status, from_buyer=m.from_buyer),
        )
        for m in messages
    ).no_reply_needed


def order_cards(conversation: Conversation, messages: list[Message]) -> dict[str, Order]:
    order_sns = {m.order_sn for m in messages if m.order_sn}
    if not order_sns:
        return {}
    return {o.order_sn: o for o in Order.objects.filter(shop_id=conversation.shop_id, order_sn__in=order_sns)}


def alerts_on(user) -> bool:
    """Whether `user` chose desktop notifications and sound for new buyer messages."""
    return InboxSettings.objects.filter(user=user, desktop_alerts=True).exists()


# -- the team's side of a conversation (F14) ----------------------------------------------------


def tags_all() -> list[Tag]:
    return list(Tag.objects.all())


@dataclass
class TeamSide:
    notes: list[Note]  # oldest first, with their authors
    tags: list[Tag]  # on the conversation
    tags_free: list[Tag]  # the others, to put one on
    staff: list  # who it can be assigned to (chat.team.staff_for_shop)
    marked_unread: bool  # by the viewer
    snooze_suggested: datetime  # 稍後處理's time offered first: tomorrow 09:00 in Taipei


def team_side(*, conversation: Conversation, viewer) -> TeamSide:
    """What the pane shows of the team's work on the conversation, in a fixed number of queries."""
    tags = tags_all()
    on = set(ConversationTag.objects.filter(conversation=conversation).values_list("tag_id", flat=True))
    return TeamSide(
        notes=list(
            Note.objects.filter(conversation=conversation)
            .select_related("author")
            .order_by("created_at", "id")
        ),
        tags=[tag for tag in tags if tag.pk in on],
        tags_free=[tag for tag in tags if tag.pk not in on],
        staff=list(staff_for_shop(conversation.shop)),
        marked_unread=UnreadMark.objects.filter(conversation=conversation, user=viewer).exists(),
        snooze_suggested=_day_start(timezone.localdate() + timedelta(days=1)) + timedelta(hours=9),
    )


def conversations_left(*, shop_pks: list[int], filters: InboxFilter, since: int) -> list[int]:
    """Conversations written at or after the horizon `since` that the list's filters no longer
    take (resolved, given to a colleague, a tag taken off): the live list drops them."""
    matching = _filtered(shop_pks, filters).filter(change_xid__gte=since).values("pk")
    return list(
        Conversation.objects.filter(shop_id__in=shop_pks, change_xid__gte=since)
        .exclude(pk__in=matching)
        .values_list("pk", flat=True)[:LIST_PAGE]
    )


# -- status ------------------------------------------------------------------------------------


def push_status(user) -> list[tuple[Shop, datetime | None]]:
    """Each visible shop with the time of the last push Shopee sent about it."""
    shops = list(shops_visible_to(user))
    pushes = dict(
        PushReceipt.objects.filter(shopee_shop_id__in=[s.shop_id for s in shops if s.shop_id])
        .values_list("shopee_shop_id")
        .annotate(last=Max("received_at"))
        .values_list("shopee_shop_id", "last")
    )
    return [(shop, pushes.get(shop.shop_id)) for shop in shops]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))

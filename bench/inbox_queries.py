"""Inbox server time and SQL queries of every page and poll, at 1M messages (50,000
conversations, 20 shops, last messages over 90 days) or ten times that (--messages 10000000:
500,000 conversations, 50 shops, a year of chats), and the database's size per million messages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_chat .venv/bin/python bench/inbox_queries.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_10m .venv/bin/python bench/inbox_queries.py \
        --messages 10000000

Needs PostgreSQL (migrated). The data set is generated with generate_series in shops whose
account starts with "bench-inbox" (1M: about a minute; 10M: about ten, loaded with the message
table's indexes dropped and built after the load) and reused while its size matches; --regenerate
drops and rebuilds it. Keep one size per database: the manager sees every shop of the database.
Times are measured in-process through Django's test client (middleware, view, template, SQL),
so they are the server's share of a page load.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")
os.environ.setdefault("DEBUG", "1")  # development settings: the demo secrets and defaults

import django  # noqa: E402

django.setup()
logging.disable(logging.WARNING)  # the request log would bury the figures

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Shop  # noqa: E402
from chat.models import Conversation, Message, Tag  # noqa: E402
from chat.selectors import change_horizon  # noqa: E402

MESSAGES_EACH = 20  # messages per conversation
LONG_CONVERSATIONS = 50  # these get 400 more messages: the pane's 300 limit matters
LONG_EXTRA = 400
LOAD_CHUNK = 50_000  # conversations whose messages go in one INSERT (a million rows)
PREFIX = "bench-inbox"
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = {**HTMX, "HTTP_HX_TARGET": "conversation-list"}

# The list's filters, as the filter form sends them; {shop} is one shop's pk, {tag} and {own_tag}
# the team's tags. A filter the inbox gains is one more line here.
FILTERS = [
    ("unread only", "unread=on"),
    ("unreplied, one shop", "unreplied=on&shop={shop}"),
    ("one shop, all 90 days", "shop={shop}&last_from={days90}"),
    ("mine (我的)", "assigned=mine"),
    ("unassigned (未指派)", "assigned=unassigned"),
    ("resolved (已解決)", "status=resolved"),
    ("one tag, any status", "tag={tag}&status=all"),
    # The worst case for the list's second walk: every conversation of this tag is the viewer's
    # own waiting one, so the walk over the rest finds none and probes the tag of each.
    ("one tag, all of it the viewer's own", "tag={own_tag}&status=all"),
]


@dataclass(frozen=True)
class Size:
    messages: int

    @property
    def conversations(self) -> int:
        return self.messages // MESSAGES_EACH

    @property
    def shops(self) -> int:
        return max(20, self.messages // 200_000)  # 10M: a 50-shop company's year

    @property
    def days(self) -> int:
        return 90 if self.messages <= 1_000_000 else 365  # over which last messages spread

    @property
    def total(self) -> int:
        return self.conversations * MESSAGES_EACH + LONG_CONVERSATIONS * LONG_EXTRA


def bench_shops(user, *, prefix: str, count: int, first_id: int, name: str) -> list[int]:
    """`count` verified shops, the first two of them `user`'s (a salesperson's view); their pks."""
    shops = Shop.objects.bulk_create(
        Shop(
            shop_id=str(first_id + n),
            account=f"{prefix}-{n}",
            name=f"{name}{n}",
            state=Shop.State.VERIFIED,
            salesperson=user if n < 2 else None,
        )
        for n in range(count)
    )
    return [shop.pk for shop in shops]


def generate(size: Size) -> None:
    started = time.perf_counter()
    user = get_user_model().objects.get(username=PREFIX)
    with transaction.atomic():
        shop_pks = bench_shops(user, prefix=PREFIX, count=size.shops, first_id=900_000_000, name="測試賣場")
        with connection.cursor() as cursor:
            # Last messages spread over the days; one conversation in 7 unread; half unreplied.
            cursor.execute(
                """
                INSERT INTO chat_conversation (shop_id, conversation_id, buyer_id, buyer_name, buyer_avatar,
                    unread_count, pinned, last_message_ns, last_message_at, last_message_id, last_message_type,
                    last_message_text, last_message_from_buyer, last_read_message_id, synced_ns,
                    synced_message_id, updated_at, status)
                SELECT (%(shops)s::bigint[])[1 + g %% %(n_shops)s], (100000000000000000 + g)::text,
                    (800000000 + g)::text, 'buyer_' || g, '', CASE WHEN g %% 7 = 0 THEN 1 + g %% 3 ELSE 0 END, false,
                    (extract(epoch FROM at) * 1e9)::bigint, at, '', 'text',
                    '請問商品 ' || g %% 997 || ' 還有貨嗎?', g %% 2 = 0, '', (extract(epoch FROM at) * 1e9)::bigint,
                    '', at, 'open'
                FROM generate_series(1, %(count)s) AS g,
                     LATERAL (SELECT now() - (g %% %(minutes)s) * interval '1 minute' AS at) AS t
                """,
                {
                    "shops": shop_pks,
                    "n_shops": size.shops,
                    "count": size.conversations,
                    "minutes": size.days * 1440,
                },
            )
            cursor.execute(
                "SELECT min(id), max(id) FROM chat_conversation WHERE shop_id = ANY(%s::bigint[])", [shop_pks]
            )
            first, last = cursor.fetchone()
    print(f"  {size.conversations:,} conversations in {time.perf_counter() - started:.1f} s", flush=True)
    with _message_indexes_dropped():
        for low in range(first, last + 1, LOAD_CHUNK):
            with transaction.atomic(), connection.cursor() as cursor:
                # Generated rows are consistent: skip the foreign-key triggers (superuser only).
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute(
                    """
                    INSERT INTO chat_message (shop_id, conversation_id, message_id, from_buyer, sender_id,
                        message_type, text, content, order_sn, status, created_at)
                    SELECT c.shop_id, c.id, (c.id * 1000 + n)::text, n %% 2 = 0, '', 'text',
                        CASE WHEN (c.id + n) %% 997 = 0 THEN '耳機壞了可以換貨嗎'
                             ELSE '第 ' || n || ' 則訊息:請問 ' || (c.id * n) %% 8191 || ' 號商品什麼時候出貨' END,
                        '{}', '', '', c.last_message_at - (%(each)s - n) * interval '2 minutes'
                    FROM chat_conversation c, generate_series(1, %(each)s) AS n
                    WHERE c.id >= %(low)s AND c.id < %(high)s AND c.shop_id = ANY(%(shops)s::bigint[])
                    """,
                    {"shops": shop_pks, "each": MESSAGES_EACH, "low": low, "high": low + LOAD_CHUNK},
                )
            done = min(last, low + LOAD_CHUNK - 1) - first + 1
            print(f"  {done * MESSAGES_EACH:,} messages in {time.perf_counter() - started:.1f} s", flush=True)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO chat_message (shop_id, conversation_id, message_id, from_buyer, sender_id,
                    message_type, text, content, order_sn, status, created_at)
                SELECT c.shop_id, c.id, (c.id * 1000 + 100 + n)::text, n %% 3 = 0, '', 'text',
                    '較早的訊息 ' || n, '{}', '', '', c.last_message_at - (1000 + n) * interval '1 minute'
                FROM (SELECT * FROM chat_conversation WHERE shop_id = ANY(%(shops)s::bigint[])
                      ORDER BY last_message_at DESC LIMIT %(long)s) c,
                     generate_series(1, %(extra)s) AS n
                """,
                {"shops": shop_pks, "long": LONG_CONVERSATIONS, "extra": LONG_EXTRA},
            )
        print(f"  loaded in {time.perf_counter() - started:.1f} s; building indexes", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE chat_conversation")
        cursor.execute("VACUUM ANALYZE chat_message")
    print(f"generated in {time.perf_counter() - started:.1f} s")


class _message_indexes_dropped:
    """The message table's secondary indexes (and unique constraint) dropped for the load and
    built again after it, exactly as the migrations made them: a bulk load is several times
    faster into a bare heap, and a built index is compact."""

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'chat_message'::regclass AND contype = 'u'"
            )
            self.constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = 'chat_message'::regclass AND NOT indisprimary "
                "AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = 'chat_message'::regclass)"
            )
            self.indexes = cursor.fetchall()
            for name, _definition in self.constraints:
                cursor.execute(f'ALTER TABLE chat_message DROP CONSTRAINT "{name}"')
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {name}")
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for name, definition in self.constraints:
                cursor.execute(f'ALTER TABLE chat_message ADD CONSTRAINT "{name}" {definition}')
            for _name, definition in self.indexes:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")
        return False


def reset(size: Size, regenerate: bool) -> None:
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=PREFIX, defaults={"is_staff": True})
    manager, _ = User.objects.get_or_create(username=f"{PREFIX}-manager", defaults={"is_staff": True})
    manager.user_permissions.add(Permission.objects.get(codename="view_all_shops"))
    existing = Shop.objects.filter(account__startswith=PREFIX)
    if (
        regenerate
        or existing.count() != size.shops
        or Conversation.objects.filter(shop__in=existing).count() != size.conversations
    ):
        with connection.cursor() as cursor:  # faster than the ORM's cascade at this size
            pks = list(existing.values_list("pk", flat=True))
            cursor.execute("DELETE FROM chat_message WHERE shop_id = ANY(%s)", [pks])
            cursor.execute("DELETE FROM chat_conversation WHERE shop_id = ANY(%s)", [pks])
        existing.delete()
        generate(size)


def database_size(size: Size) -> None:
    """Heap, TOAST and indexes of the two chat tables, per million messages."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_table_size(oid), pg_indexes_size(oid) FROM pg_class "
            "WHERE relname IN ('chat_message', 'chat_conversation')"
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT pg_database_size(current_database())")
        whole = cursor.fetchone()[0]
    millions = size.total / 1e6
    for name, table, indexes in rows:
        print(
            f"{name}: table {table / 2**20:,.0f} MB + indexes {indexes / 2**20:,.0f} MB"
            f" = {(table + indexes) / 2**20 / millions:,.0f} MB per million messages"
        )
    chat = sum(table + indexes for _name, table, indexes in rows)
    print(
        f"chat tables {chat / 2**30:.2f} GB = {chat / 2**20 / millions:,.0f} MB per million messages; "
        f"whole database {whole / 2**30:.2f} GB"
    )


def team_marks() -> tuple[int, int]:
    """The team's marks on the data (once): one conversation in 5 assigned to the manager, one in 3
    resolved, one in 10 tagged 退款 whoever has it (id ending in 3), and one in 10 tagged 待回電 among
    the manager's own (id ending in 0). Returns the two tags' ids."""
    tag, _created = Tag.objects.get_or_create(name=f"{PREFIX}-退款")
    own_tag, _created = Tag.objects.get_or_create(name=f"{PREFIX}-待回電")
    if not own_tag.conversations.exists():  # new, or the data was regenerated
        manager = get_user_model().objects.get(username=f"{PREFIX}-manager")
        shops = list(Shop.objects.filter(account__startswith=PREFIX).values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE chat_conversation SET assignee_id = CASE WHEN id %% 5 = 0 THEN %s END, "
                "status = CASE WHEN id %% 3 = 0 THEN 'resolved' ELSE 'open' END WHERE shop_id = ANY(%s)",
                [manager.pk, shops],
            )
            cursor.execute("DELETE FROM chat_conversationtag WHERE tag_id IN (%s, %s)", [tag.pk, own_tag.pk])
            for tagged, ending in ((tag, 3), (own_tag, 0)):
                cursor.execute(
                    "INSERT INTO chat_conversationtag (conversation_id, tag_id) SELECT id, %s "
                    "FROM chat_conversation WHERE id %% 10 = %s AND shop_id = ANY(%s)",
                    [tagged.pk, ending, shops],
                )
            cursor.execute("ANALYZE chat_conversation; ANALYZE chat_conversationtag")
    return tag.pk, own_tag.pk


def measure(
    client: Client, paths: list, *, headers: dict = HTMX
) -> tuple[list[float], list[float], list[int]]:
    """Each path (or a callable making it, called before the clock starts) requested once: wall
    time, this process's CPU time (what the machine's other load inflates least) and queries."""
    times, cpu_times, queries = [], [], []
    for path in paths:
        path = path() if callable(path) else path
        connection.queries_log.clear()  # it keeps 9,000: beyond, a count would read short
        with CaptureQueriesContext(connection) as captured:
            started, cpu = time.perf_counter(), time.thread_time()
            response = client.get(path, **headers)
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.thread_time() - cpu) * 1000)
        assert response.status_code in (200, 204), (path, response.status_code)
        queries.append(len(captured))
    return times, cpu_times, queries


def report(name: str, times: list[float], cpu_times: list[float], queries: list[int]) -> None:
    times = sorted(times)
    p95 = times[max(0, round(len(times) * 0.95) - 1)]
    spread = f"{min(queries)}" if min(queries) == max(queries) else f"{min(queries)}–{max(queries)}"
    print(
        f"{name:<44} n={len(times):<4} p50={statistics.median(times):7.1f} ms  p95={p95:7.1f} ms"
        f"  CPU p50={statistics.median(cpu_times):6.1f} ms  queries={spread}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1_000_000, help="1000000 or 10000000")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--samples", type=int, default=60)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL database")
    settings.ALLOWED_HOSTS = ["*"]
    size = Size(args.messages)
    reset(size, args.regenerate)
    shops = list(Shop.objects.filter(account__startswith=PREFIX).order_by("pk"))
    tag_pk, own_tag_pk = team_marks()
    print(
        f"data: {Conversation.objects.filter(shop__in=shops).count():,} conversations, "
        f"{Message.objects.filter(shop__in=shops).count():,} messages in {len(shops)} shops, "
        f"last messages over {size.days} days"
    )
    database_size(size)
    manager = Client()
    manager.force_login(get_user_model().objects.get(username=f"{PREFIX}-manager"))
    salesperson = Client()
    salesperson.force_login(get_user_model().objects.get(username=PREFIX))
    measure(manager, ["/chat/", "/chat/?last_from=2000-01-01"])  # warm up caches and connections

    rng = random.Random(7)
    recent = list(
        Conversation.objects.filter(shop__in=shops)
        .order_by("-last_message_at")
        .values_list("pk", flat=True)[:5000]
    )
    long_ones = recent[:LONG_CONVERSATIONS]
    oldest_shown = {  # the oldest message a long conversation's pane shows: where 'older' starts
        pk: Message.objects.filter(conversation_id=pk)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[299]
        for pk in long_ones
    }
    n = args.samples
    few = max(10, n // 3)
    days90 = (timezone.localdate() - timedelta(days=89)).isoformat()
    first = manager.get("/chat/", {"last_from": days90}, **LIST).content.decode()
    more = re.search(r'hx-get="(/chat/list/more/[^"]+)"', first).group(1).replace("&amp;", "&")

    print(
        f"\nall {len(shops)} shops (manager); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs:"
    )
    report("inbox page, last 7 days", *measure(manager, ["/chat/"] * n))
    report("list, last 7 days", *measure(manager, ["/chat/"] * n, headers=LIST))
    report(
        "list, 90 days (count + first 50)",
        *measure(manager, [f"/chat/?last_from={days90}"] * n, headers=LIST),
    )
    for label, query in FILTERS:
        paths = [
            f"/chat/?{query.format(shop=rng.choice(shops).pk, days90=days90, tag=tag_pk, own_tag=own_tag_pk)}"
            for _ in range(n)
        ]
        report(f"list, {label}", *measure(manager, paths, headers=LIST))
    report("list, next page (infinite scroll)", *measure(manager, [more] * n))
    report(
        "search buyer name 'buyer_4242' (7 days)",
        *measure(manager, ["/chat/?q=buyer_4242"] * few, headers=LIST),
    )
    report(
        "search message text '耳機壞了' (7 days)",
        *measure(manager, ["/chat/?q=耳機壞了"] * few, headers=LIST),
    )
    report(
        "search message text '耳機壞了' (90 days)",
        *measure(manager, [f"/chat/?q=耳機壞了&last_from={days90}"] * few, headers=LIST),
    )
    report(
        "search message text '第 7 則訊息' (90 days)",
        *measure(manager, [f"/chat/?q=第 7 則訊息&last_from={days90}"] * few, headers=LIST),
    )
    report("changes poll, nothing changed (1 s)", *measure(manager, [_since_now] * n))
    report("changes poll, one conversation changed", *measure(manager, [_one_changed(recent, rng)] * n))
    report("changes poll, first (since=-1)", *measure(manager, ["/chat/list/changes/"] * n))
    report(
        "conversation pane, 20 messages",
        *measure(manager, [f"/chat/c/{rng.choice(recent[100:])}/" for _ in range(n)]),
    )
    report(
        "conversation pane, 420 messages (300 shown)",
        *measure(manager, [f"/chat/c/{rng.choice(long_ones)}/" for _ in range(n)]),
    )
    report(
        "older messages (100 before the pane's)",
        *measure(
            manager, [f"/chat/c/{pk}/older/?before={oldest_shown[pk]}" for pk in rng.choices(long_ones, k=n)]
        ),
    )
    report(
        "conversation poll (nothing new)",
        *measure(manager, [f"/chat/c/{recent[0]}/updates/?after=999999999999&seen=x"] * n),
    )
    print(f"\none salesperson's 2 shops; load average {os.getloadavg()[0]:.1f}:")
    report("inbox page, last 7 days", *measure(salesperson, ["/chat/"] * n))
    report("list, 90 days", *measure(salesperson, [f"/chat/?last_from={days90}"] * n, headers=LIST))
    report(
        "search message text '耳機壞了' (90 days)",
        *measure(salesperson, [f"/chat/?q=耳機壞了&last_from={days90}"] * few, headers=LIST),
    )


def _since_now() -> str:
    """The 1 s poll of a list that is up to date: asks from the horizon of now."""
    return f"/chat/list/changes/?since={change_horizon()}"


def _one_changed(recent: list[int], rng: random.Random):
    """The poll after a buyer wrote in one conversation (a committed write since the horizon)."""

    def path() -> str:
        since = change_horizon()
        Conversation.objects.filter(pk=rng.choice(recent[:1000])).update(unread_count=F("unread_count") + 1)
        return f"/chat/list/changes/?since={since}"

    return path


if __name__ == "__main__":
    main()

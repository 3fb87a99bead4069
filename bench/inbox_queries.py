"""Inbox server time and SQL queries per page with 50,000 conversations and 1,000,000 messages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_chat .venv/bin/python bench/inbox_queries.py

Needs PostgreSQL (migrated). The data set is generated once with generate_series (about a
minute) in shops whose account starts with "bench-inbox"; --regenerate drops and rebuilds it.
Times are measured in-process through Django's test client (middleware, view, template, SQL),
so they are the server's share of a page load.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")
os.environ.setdefault("DEBUG", "1")  # development settings: the demo secrets and defaults

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Shop  # noqa: E402
from chat.models import Conversation, Message, Tag  # noqa: E402

SHOPS = 20
CONVERSATIONS = 50_000
MESSAGES_EACH = 20  # 50,000 × 20 = 1,000,000
LONG_CONVERSATIONS = 50  # these get 400 more messages: the pane's 300 limit matters
LONG_EXTRA = 400
PREFIX = "bench-inbox"
HTMX = {"HTTP_HX_REQUEST": "true"}


def generate() -> None:
    started = time.perf_counter()
    user = get_user_model().objects.get(username=PREFIX)
    with transaction.atomic():
        shops = Shop.objects.bulk_create(
            Shop(
                shop_id=str(900_000_000 + n),
                account=f"{PREFIX}-{n}",
                name=f"測試賣場{n}",
                state=Shop.State.VERIFIED,
                salesperson=user if n < 2 else None,
            )
            for n in range(SHOPS)
        )
        shop_pks = [shop.pk for shop in shops]
        with connection.cursor() as cursor:
            # Last messages spread over 90 days; one conversation in 7 unread; half unreplied.
            cursor.execute(
                """
                INSERT INTO chat_conversation (shop_id, conversation_id, buyer_id, buyer_name, buyer_avatar,
                    unread_count, pinned, last_message_ns, last_message_at, last_message_id, last_message_type,
                    last_message_text, last_message_from_buyer, last_read_message_id, synced_ns,
                    synced_message_id, updated_at)
                SELECT (%(shops)s::bigint[])[1 + g %% %(n_shops)s], (100000000000000000 + g)::text,
                    (800000000 + g)::text, 'buyer_' || g, '', CASE WHEN g %% 7 = 0 THEN 1 + g %% 3 ELSE 0 END, false,
                    (extract(epoch FROM at) * 1e9)::bigint, at, '', 'text',
                    '請問商品 ' || g %% 997 || ' 還有貨嗎?', g %% 2 = 0, '', (extract(epoch FROM at) * 1e9)::bigint,
                    '', at
                FROM generate_series(1, %(count)s) AS g,
                     LATERAL (SELECT now() - (g %% 129600) * interval '1 minute' AS at) AS t
                """,
                {"shops": shop_pks, "n_shops": SHOPS, "count": CONVERSATIONS},
            )
            cursor.execute(
                """
                INSERT INTO chat_message (shop_id, conversation_id, message_id, from_buyer, sender_id,
                    message_type, text, content, order_sn, created_at)
                SELECT c.shop_id, c.id, (c.id * 1000 + n)::text, n %% 2 = 0, '', 'text',
                    CASE WHEN (c.id + n) %% 997 = 0 THEN '耳機壞了可以換貨嗎'
                         ELSE '第 ' || n || ' 則訊息:請問 ' || (c.id * n) %% 8191 || ' 號商品什麼時候出貨' END,
                    '{}', '', c.last_message_at - (%(each)s - n) * interval '2 minutes'
                FROM chat_conversation c, generate_series(1, %(each)s) AS n
                WHERE c.shop_id = ANY(%(shops)s::bigint[])
                """,
                {"shops": shop_pks, "each": MESSAGES_EACH},
            )
            cursor.execute(
                """
                INSERT INTO chat_message (shop_id, conversation_id, message_id, from_buyer, sender_id,
                    message_type, text, content, order_sn, created_at)
                SELECT c.shop_id, c.id, (c.id * 1000 + 100 + n)::text, n %% 3 = 0, '', 'text',
                    '較早的訊息 ' || n, '{}', '', c.last_message_at - (1000 + n) * interval '1 minute'
                FROM (SELECT * FROM chat_conversation WHERE shop_id = ANY(%(shops)s::bigint[])
                      ORDER BY last_message_at DESC LIMIT %(long)s) c,
                     generate_series(1, %(extra)s) AS n
                """,
                {"shops": shop_pks, "long": LONG_CONVERSATIONS, "extra": LONG_EXTRA},
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE chat_conversation; ANALYZE chat_message")
    print(f"generated in {time.perf_counter() - started:.1f} s")


def reset(regenerate: bool) -> None:
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=PREFIX, defaults={"is_staff": True})
    manager, _ = User.objects.get_or_create(username=f"{PREFIX}-manager", defaults={"is_staff": True})
    manager.user_permissions.add(Permission.objects.get(codename="view_all_shops"))
    existing = Shop.objects.filter(account__startswith=PREFIX)
    if regenerate or existing.count() != SHOPS:
        Conversation.objects.filter(shop__in=existing).delete()
        existing.delete()
        generate()


def team_marks() -> int:
    """The team's marks on the data (once): one conversation in 5 assigned to the manager, one in 3
    resolved, one in 10 tagged. Returns the tag's id."""
    tag, _created = Tag.objects.get_or_create(name=f"{PREFIX}-退款")
    if not tag.conversations.exists():  # new, or the data was regenerated
        manager = get_user_model().objects.get(username=f"{PREFIX}-manager")
        shops = list(Shop.objects.filter(account__startswith=PREFIX).values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE chat_conversation SET assignee_id = CASE WHEN id %% 5 = 0 THEN %s END, "
                "status = CASE WHEN id %% 3 = 0 THEN 'resolved' ELSE 'open' END WHERE shop_id = ANY(%s)",
                [manager.pk, shops],
            )
            cursor.execute(
                "INSERT INTO chat_conversationtag (conversation_id, tag_id) SELECT id, %s "
                "FROM chat_conversation WHERE id %% 10 = 0 AND shop_id = ANY(%s)",
                [tag.pk, shops],
            )
            cursor.execute("ANALYZE chat_conversation; ANALYZE chat_conversationtag")
    return tag.pk


def measure(client: Client, paths: list[str], *, repeat: int = 1) -> tuple[list[float], list[int]]:
    times, queries = [], []
    for _ in range(repeat):
        for path in paths:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path, **HTMX)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code in (200, 204), (path, response.status_code)
            queries.append(len(captured))
    return times, queries


def report(name: str, times: list[float], queries: list[int]) -> None:
    times = sorted(times)
    p95 = times[max(0, round(len(times) * 0.95) - 1)]
    spread = f"{min(queries)}" if min(queries) == max(queries) else f"{min(queries)}–{max(queries)}"
    print(
        f"{name:<44} n={len(times):<4} p50={statistics.median(times):7.1f} ms  p95={p95:7.1f} ms  queries={spread}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--samples", type=int, default=60)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL database")
    settings.ALLOWED_HOSTS = ["*"]
    reset(args.regenerate)
    tag_pk = team_marks()
    shops = Shop.objects.filter(account__startswith=PREFIX)
    print(
        f"data: {Conversation.objects.filter(shop__in=shops).count():,} conversations, "
        f"{Message.objects.filter(shop__in=shops).count():,} messages in {shops.count()} shops"
    )
    manager = Client()
    manager.force_login(get_user_model().objects.get(username=f"{PREFIX}-manager"))
    salesperson = Client()
    salesperson.force_login(get_user_model().objects.get(username=PREFIX))
    measure(manager, ["/chat/"])  # warm up caches and connections

    rng = random.Random(7)
    recent = list(
        Conversation.objects.filter(shop__in=shops)
        .order_by("-last_message_at")
        .values_list("pk", flat=True)[:5000]
    )
    long_ones = recent[:LONG_CONVERSATIONS]
    n = args.samples
    first = manager.get(
        "/chat/", {"last_from": "2000-01-01"}, **HTMX, HTTP_HX_TARGET="conversation-list"
    ).content.decode()
    more = re.search(r'hx-get="(/chat/list/more/[^"]+)"', first).group(1).replace("&amp;", "&")

    print("\nall 20 shops (manager):")
    report("inbox page, last 7 days", *measure(manager, ["/chat/"] * n))
    report("list, all 90 days (count + first 50)", *measure(manager, ["/chat/?last_from=2000-01-01"] * n))
    report("list, unread only", *measure(manager, ["/chat/?unread=on"] * n))
    report("list, unreplied, one shop", *measure(manager, [f"/chat/?unreplied=on&shop={shops[3].pk}"] * n))
    report("list, mine (我的)", *measure(manager, ["/chat/?assigned=mine"] * n))
    report("list, unassigned (未指派)", *measure(manager, ["/chat/?assigned=unassigned"] * n))
    report("list, resolved (已解決)", *measure(manager, ["/chat/?status=resolved"] * n))
    report("list, one tag", *measure(manager, [f"/chat/?tag={tag_pk}&status=all"] * n))
    report("list, next page (infinite scroll)", *measure(manager, [more] * n))
    report("list changes poll", *measure(manager, ["/chat/list/changes/?since=0"] * n))
    report("search buyer name 'buyer_4242'", *measure(manager, ["/chat/?q=buyer_4242"] * max(10, n // 3)))
    report(
        "search message text '耳機壞了' (7 days)", *measure(manager, ["/chat/?q=耳機壞了"] * max(10, n // 3))
    )
    report(
        "search message text '耳機壞了' (90 days)",
        *measure(manager, ["/chat/?q=耳機壞了&last_from=2000-01-01"] * max(10, n // 3)),
    )
    report(
        "conversation pane, 20 messages",
        *measure(manager, [f"/chat/c/{rng.choice(recent[100:])}/" for _ in range(n)]),
    )
    report(
        "conversation pane, 420 messages (300 shown)",
        *measure(manager, [f"/chat/c/{rng.choice(long_ones)}/" for _ in range(n)]),
    )
    report(
        "conversation poll (nothing new)",
        *measure(manager, [f"/chat/c/{recent[0]}/updates/?after=999999999999&seen=x"] * n),
    )
    print("\none salesperson's 2 shops:")
    report("inbox page, last 7 days", *measure(salesperson, ["/chat/"] * n))
    report("list, all 90 days", *measure(salesperson, ["/chat/?last_from=2000-01-01"] * n))


if __name__ == "__main__":
    main()

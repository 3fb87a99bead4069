"""報表 over 20 shops × 90 days at 1,000,000 messages: the report's server time (target p95 under
500 ms), the daily roll-up that feeds it, and the header's deadline count in constant queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_rate .venv/bin/python bench/reports.py

Needs PostgreSQL (migrated). The data set is generated once (a few minutes) in shops whose account
starts with "bench-report": 50,000 conversations of 20 messages over the last 90 days, the chats
that count read from those messages by the same rule the inbox uses (chat.response_rate), and the
daily roll-ups counted by the beat's own service; --regenerate rebuilds it. Pages are measured
in-process through Django's test client (middleware, view, template, SQL).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from datetime import timedelta
from itertools import groupby
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")
os.environ.setdefault("DEBUG", "1")  # development settings: the demo secrets and defaults

import django  # noqa: E402

django.setup()
logging.disable(logging.INFO)  # one line per request would bury the figures

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from inbox_queries import bench_shops, measure, report  # noqa: E402  (the same timing as the inbox's benchmark)

from accounts.models import Shop  # noqa: E402
from chat.models import Conversation, CountedChat, Message  # noqa: E402
from chat.response_rate import Said, chats_of  # noqa: E402
from chat.services import conversation_deadline_update, counted_chats  # noqa: E402
from reports.services import figures_rollup  # noqa: E402

SHOPS = 20
CONVERSATIONS = 50_000
MESSAGES_EACH = 20  # 50,000 × 20, and one more in 9 conversations: 1,005,555
DAYS = 90
PREFIX = "bench-report"


def generate() -> None:
    started = time.perf_counter()
    user = get_user_model().objects.get(username=PREFIX)
    with transaction.atomic():
        shop_pks = bench_shops(user, prefix=PREFIX, count=SHOPS, first_id=910_000_000, name="報表賣場")
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO chat_conversation (shop_id, conversation_id, buyer_id, buyer_name, buyer_avatar,
                    unread_count, pinned, last_message_ns, last_message_at, last_message_id, last_message_type,
                    last_message_text, last_message_from_buyer, last_read_message_id, synced_ns,
                    synced_message_id, updated_at, status)
                SELECT (%(shops)s::bigint[])[1 + g %% %(n_shops)s], (200000000000000000 + g)::text,
                    (810000000 + g)::text, 'buyer_' || g, '', 0, false, 0, at, '', 'text', '', true, '', 0, '',
                    at, 'open'
                FROM generate_series(1, %(count)s) AS g,
                     LATERAL (SELECT now() - (g::bigint * %(days)s * 1440 / %(count)s) * interval '1 minute' AS at) AS t
                """,
                {"shops": shop_pks, "n_shops": SHOPS, "count": CONVERSATIONS, "days": DAYS},
            )
            # Buyer and seller in turn; the seller answers in minutes, sometimes in 13 hours (late),
            # sometimes only after the buyer wrote again a day later (missed); every 10th seller
            # message is Shopee's auto-reply; one conversation in 9 ends with a 21st message, the buyer's, unanswered.
            cursor.execute(
                """
                INSERT INTO chat_message (shop_id, conversation_id, message_id, from_buyer, sender_id,
                    message_type, text, content, order_sn, status, created_at)
                SELECT c.shop_id, c.id, (c.id * 1000 + n)::text, n %% 2 = 1, '', 'text', '第 ' || n || ' 則',
                    '{}', '', CASE WHEN n %% 20 = 10 THEN 'auto_reply' ELSE 'normal' END,
                    c.last_message_at - (%(each)s + 1 - n) * CASE WHEN c.id %% 11 = 0 THEN interval '13 hours'
                                                          ELSE (c.id %% 47 + 1) * interval '1 minute' END
                FROM chat_conversation c, generate_series(1, %(each)s + 1) AS n
                WHERE c.shop_id = ANY(%(shops)s::bigint[]) AND (n <= %(each)s OR c.id %% 9 = 0)
                """,
                {"shops": shop_pks, "each": MESSAGES_EACH},
            )
    print(f"generated conversations and messages in {time.perf_counter() - started:.1f} s")
    counted(shop_pks)
    with connection.cursor() as cursor:
        # The deadline fields as the store keeps them: the last chat of a conversation, if unanswered.
        cursor.execute(
            """
            UPDATE chat_conversation c SET awaiting_since = last.started_at, reply_due_at = last.due_at
            FROM (SELECT DISTINCT ON (conversation_id) conversation_id, started_at, due_at, answered_at
                  FROM chat_countedchat WHERE shop_id = ANY(%(shops)s::bigint[])
                  ORDER BY conversation_id, started_at DESC) last
            WHERE last.conversation_id = c.id AND last.answered_at IS NULL
            """,
            {"shops": shop_pks},
        )
        cursor.execute("ANALYZE chat_conversation; ANALYZE chat_message; ANALYZE chat_countedchat")


def counted(shop_pks: list[int]) -> None:
    """The chats that count, read from every message by the inbox's own rule."""
    started = time.perf_counter()
    rows = (
        Message.objects.filter(shop_id__in=shop_pks)
        .order_by("conversation_id", "created_at", "id")
        .values_list("conversation_id", "shop_id", "message_id", "created_at", "from_buyer", "status")
        .iterator(chunk_size=20_000)
    )
    batch: list[CountedChat] = []
    for (conversation_pk, shop_pk), messages in groupby(rows, key=lambda r: (r[0], r[1])):
        reading = chats_of(
            Said(key=mid, at=at, from_buyer=buyer, automatic=status == "auto_reply")
            for _c, _s, mid, at, buyer, status in messages
        )
        batch += counted_chats(shop_pk, conversation_pk, reading)
        if len(batch) >= 20_000:
            CountedChat.objects.bulk_create(batch)
            batch = []
    CountedChat.objects.bulk_create(batch)
    print(f"read the chats that count from every message in {time.perf_counter() - started:.1f} s")


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
        rollup()


def rollup() -> None:
    today = timezone.localdate()
    times = []
    for n in range(DAYS + 1):
        started = time.perf_counter()
        figures_rollup(day=today - timedelta(days=n))
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"daily roll-up, {DAYS + 1} days: total {sum(times) / 1000:.1f} s, one day p50="
        f"{statistics.median(times):.0f} ms max={max(times):.0f} ms (the beat counts 2 days every 10 min)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--rollup", action="store_true", help="count the 91 days again and time it")
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL database")
    settings.ALLOWED_HOSTS = ["*"]
    reset(args.regenerate)
    if args.rollup:
        rollup()
    shops = Shop.objects.filter(account__startswith=PREFIX)
    waiting = Conversation.objects.filter(shop__in=shops, reply_due_at__isnull=False)
    print(
        f"data: {Message.objects.filter(shop__in=shops).count():,} messages, "
        f"{CountedChat.objects.filter(shop__in=shops).count():,} chats that count, in {shops.count()} shops; "
        f"{waiting.count():,} conversations await a reply, "
        f"{waiting.filter(reply_due_at__gte=timezone.now()).count():,} of them within their 12 hours"
    )
    manager = Client()
    manager.force_login(get_user_model().objects.get(username=f"{PREFIX}-manager"))
    salesperson = Client()
    salesperson.force_login(get_user_model().objects.get(username=PREFIX))
    end = timezone.localdate()
    start = (end - timedelta(days=DAYS - 1)).isoformat()
    n = args.samples
    measure(manager, ["/reports/"] * 2)  # warm up

    print(f"\n報表, 20 shops × {DAYS} days (manager):")
    for grain in ("day", "week", "month"):
        report(f"report by {grain}", *measure(manager, [f"/reports/?start={start}&grain={grain}"] * n))
    report("report by day, one shop", *measure(manager, [f"/reports/?start={start}&shop={shops[3].pk}"] * n))
    report("匯出Excel by day", *measure(manager, [f"/reports/export/?start={start}"] * max(5, n // 4)))
    report(
        "report by week (salesperson, 2 shops)",
        *measure(salesperson, [f"/reports/?start={start}&grain=week"] * n),
    )

    print("\nlive deadline counts:")
    report("header count /chat/deadlines/ (all 20 shops)", *measure(manager, ["/chat/deadlines/"] * n))
    report("accounts page with each shop's 90-day rate", *measure(manager, ["/shops/"] * max(10, n // 2)))
    waiting = list(Conversation.objects.filter(shop__in=shops).order_by("-last_message_at")[:200])
    started = time.perf_counter()
    for conversation in waiting:
        with transaction.atomic():
            conversation_deadline_update(conversation=conversation)
    each = (time.perf_counter() - started) * 1000 / len(waiting)
    print(f"deadline update where messages are stored (20-message conversation): {each:.1f} ms each")


if __name__ == "__main__":
    main()

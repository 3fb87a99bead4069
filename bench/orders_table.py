"""The order table with 100,000 orders on PostgreSQL: server time (p50/p95) of a filtered page, of
全選 (select all in filter) and of ticking one order under it, and the SQL queries each runs. A quarter of the orders have a
shipping notice (the 通知 column), a tenth an automatic one waiting for review.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_orders \
    .venv/bin/python bench/orders_table.py [--orders 100000] [--rounds 30]

Requests go through Django's test client in this process (middleware, view, template: the whole
server side, no network). The orders belong to three shops of the staff user "bench-table"; they
are made once and reused while their count matches.
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
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")

import django  # noqa: E402

django.setup()
logging.disable(logging.WARNING)  # the request log would bury the figures

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Shop  # noqa: E402
from notifications.models import AutoNotice, NoticeBatch, NoticeBatchOrder  # noqa: E402
from orders.channels import channel_kind  # noqa: E402
from orders.models import Order  # noqa: E402
from outbox.models import OutgoingMessage  # noqa: E402

PREFIX = "bench-table"
CARRIERS = (
    ("30005", "7-ELEVEN"),
    ("30006", "全家"),
    ("30029", "蝦皮店到店"),
    ("30001", "黑貓宅急便"),
    ("", "賣家宅配"),
)
STATUSES = ("READY_TO_SHIP", "READY_TO_SHIP", "PROCESSED", "SHIPPED", "COMPLETED", "COMPLETED", "CANCELLED")


def seed(user, count: int) -> list[Shop]:
    shops = list(Shop.objects.filter(salesperson=user).order_by("pk"))
    if len(shops) == 3 and Order.objects.filter(shop__in=shops).count() == count:
        return shops
    Shop.objects.filter(salesperson=user).delete()
    shops = [
        Shop.objects.create(name=f"表格賣場{n}", account=f"{PREFIX}-{n}", salesperson=user, state="verified")
        for n in range(3)
    ]
    rng = random.Random(5)
    now = timezone.now()
    started = time.perf_counter()
    batch = []
    for number in range(count):
        channel_id, carrier = rng.choice(CARRIERS)
        status = rng.choice(STATUSES)
        tracked = status != "READY_TO_SHIP" or rng.random() < 0.4
        batch.append(
            Order(
                shop=shops[number % 3],
                order_sn=f"B{number:012d}",
                status=status,
                buyer_user_id=str(900_000_000 + number % 20_000),
                buyer_username=f"buyer{number % 20_000}",
                total_amount=Decimal(rng.randrange(99, 5000)),
                shipping_carrier=carrier,
                logistics_channel_id=channel_id,
                channel_kind=channel_kind(channel_id=channel_id, carrier=carrier),
                tracking_number=f"T{number:010d}" if tracked else "",
                items=[
                    {"item_name": f"商品{n}", "sku": f"SKU{n}", "quantity": 1 + n % 2, "price": 199}
                    for n in rng.sample(range(300), rng.choice((1, 1, 2, 3)))
                ],
                created_on_shopee=now - timedelta(seconds=rng.randrange(60 * 86400)),
            )
        )
        if len(batch) == 5000:
            Order.objects.bulk_create(batch)
            batch = []
    Order.objects.bulk_create(batch)
    print(f"seeded {count} orders in {time.perf_counter() - started:.1f} s")
    return shops


def seed_notices(user, shops: list[Shop]) -> None:
    """Shipping notices for every fourth order (sent, held or failed, a few skipped) and automatic
    ones for every tenth, so the 通知 column reads real rows."""
    orders = Order.objects.filter(shop__in=shops)
    if NoticeBatchOrder.objects.filter(order__in=orders).exists():
        return
    started = time.perf_counter()
    batch = NoticeBatch.objects.create(token=f"{PREFIX}-{user.pk}", created_by=user, text="[訂單單號] 已出貨")
    states = (
        OutgoingMessage.State.SENT,
        OutgoingMessage.State.SENT,
        OutgoingMessage.State.HELD,
        OutgoingMessage.State.FAILED,
    )
    now = timezone.now()
    rows = list(orders.order_by("pk").values_list("pk", "shop_id", "order_sn", "buyer_user_id"))
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        messages = OutgoingMessage.objects.bulk_create(
            OutgoingMessage(
                shop_id=shop_id,
                buyer_id=buyer,
                order_sn=sn,
                text=f"{sn} 已出貨",
                origin=OutgoingMessage.Origin.BATCH_NOTICE,
                idempotency_key=f"{PREFIX}-{pk}",
                state=states[number % 4],
                sent_at=now if states[number % 4] == OutgoingMessage.State.SENT else None,
                last_error="" if states[number % 4] == OutgoingMessage.State.SENT else "聊聊未登入",
            )
            for number, (pk, shop_id, sn, buyer) in enumerate(chunk)
            if pk % 4 == 0
        )
        noticed = [row for row in chunk if row[0] % 4 == 0]
        NoticeBatchOrder.objects.bulk_create(
            NoticeBatchOrder(batch=batch, order_id=pk, message=message)
            for (pk, *_rest), message in zip(noticed, messages, strict=True)
        )
        AutoNotice.objects.bulk_create(
            AutoNotice(order_id=pk, shop_id=shop_id, state=AutoNotice.State.REVIEW)
            for pk, shop_id, _sn, _buyer in chunk
            if pk % 10 == 1
        )
    print(f"seeded notices in {time.perf_counter() - started:.1f} s")


def measure(label: str, rounds: int, request) -> None:
    """Server time per request (wall, and this process's CPU: the share the machine's load does
    not inflate), and the SQL queries each ran."""
    times, cpu_times, queries = [], [], set()
    for round_number in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started, cpu = time.perf_counter(), time.thread_time()
            response = request(round_number)
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.thread_time() - cpu) * 1000)
        assert response.status_code in (200, 302), response.status_code
        queries.add(len(captured.captured_queries))
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    print(
        f"{label}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms "
        f"(CPU p50 {statistics.median(cpu_times):.1f} ms); SQL queries per request {sorted(queries)}"
    )


def shown_on(page) -> str:
    """The page's 全選 form's record of what it showed."""
    return re.search(r'name="shown" value="([^"]*)"', page.content.decode()).group(1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    # The test client's host; not setup_test_environment(), whose template instrumentation
    # would count against the page.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(f"database: {connection.vendor}")
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=PREFIX, defaults={"is_staff": True})
    seed_notices(user, seed(user, args.orders))
    # What autovacuum does on a live table: statistics, and the visibility map index-only scans need.
    with connection.cursor() as cursor:
        for table in (
            "orders_order",
            "notifications_noticebatchorder",
            "notifications_autonotice",
            "outbox_outgoingmessage",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    client = Client()
    client.force_login(user)
    url = reverse("orders:list")
    today = timezone.localdate()
    month = f"created_from={(today - timedelta(days=30)).isoformat()}&created_to={today.isoformat()}"
    pending = Order.objects.filter(shop__salesperson=user, status__in=("READY_TO_SHIP", "PROCESSED"))
    print(
        f"{Order.objects.filter(shop__salesperson=user).count()} orders; pending shipment {pending.count()}"
    )

    client.post(reverse("orders:selection"), {"action": "none", "query": ""})
    measure("page 1, no filter", args.rounds, lambda n: client.get(url))
    measure(
        "filtered page (30 days, 待出貨(全部), a page deep in the result, sorted by amount)",
        args.rounds,
        lambda n: client.get(f"{url}?{month}&scope=pending&sort=-amount&page={5 + n}"),
    )
    measure(
        "filtered page (待出貨(超商-已取號), search by buyer)",
        args.rounds,
        lambda n: client.get(f"{url}?scope=store_numbered&q=buyer1{n}"),
    )
    # 全選 is pressed on the page showing the filter: it posts back what the page showed (its count)
    # and takes it. Posted without it, it counts the filter itself: the last line but one.
    shown = shown_on(client.get(f"{url}?scope=pending"))
    measure(
        f"全選 over 待出貨(全部) ({pending.count()} orders)",
        args.rounds,
        lambda n: client.post(
            reverse("orders:selection"), {"action": "all", "query": "scope=pending", "shown": shown}
        ),
    )
    shown_all = shown_on(client.get(url))
    measure(
        "全選 over every order (no filter)",
        args.rounds,
        lambda n: client.post(
            reverse("orders:selection"), {"action": "all", "query": "", "shown": shown_all}
        ),
    )
    some = list(pending.order_by("pk").values_list("pk", flat=True)[:200])
    measure(
        "untick and tick one order with every order selected",
        args.rounds,
        lambda n: client.post(
            reverse("orders:selection_toggle", args=[some[n // 2]]), {"on": "1"} if n % 2 else {}
        ),
    )
    measure(
        "filtered page with that whole selection held",
        args.rounds,
        lambda n: client.get(f"{url}?{month}&scope=pending&page={1 + n}"),
    )
    measure(
        "全選 over 待出貨 status READY_TO_SHIP, no page showed it first (counted)",
        max(5, args.rounds // 3),
        lambda n: client.post(
            reverse("orders:selection"), {"action": "all", "query": "status=READY_TO_SHIP"}
        ),
    )
    measure(
        "選已匯入 over every order",
        max(5, args.rounds // 3),
        lambda n: client.post(reverse("orders:selection"), {"action": "imported", "query": ""}),
    )


if __name__ == "__main__":
    main()

"""批次通知 at scale: confirming a batch of 5,000 orders, draining it at Shopee's rate, and the
inbox's replies of the same shop meanwhile.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_bench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/2 REDIS_URL=redis://127.0.0.1:6379/2 \
    .venv/bin/python bench/notice_batch.py [--orders 5000] [--rate 50] [--replies 30]

1. A shop with `--orders` orders on the sandbox (one buyer each), pulled through the product's
   own order refresh and selected in the order table (server-side selection).
2. The sandbox limits the shop to `--rate` calls a second (Shopee's 429 beyond it) and the shop's
   send rate is set to the same. One Celery worker process (queue "outbox") runs idle.
3. The confirm request (批次通知 → preview → confirm, through Django's test client, real views):
   its wall time and SQL queries.
4. Drain: commit → the last notice accepted by the sandbox, against the ideal orders / rate.
5. While it drains, one reply a second is queued in the inbox of the same shop (to buyers who
   wrote): queued → accepted by the sandbox, p50 / p95 / max (target p95 < 2 s + one rate slot).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from outbox_latency import (  # sets Django up: import it before the apps
    USER,
    SandboxProcess,
    bench_shop,
    buyers_who_wrote,
    percentile,
    prepare,
    require_services,
    start_worker,
)

from notifications.models import NoticeBatch
from orders.models import Order
from orders.selection import selection_replace
from orders.services import orders_refresh
from outbox.models import OutgoingMessage
from outbox.services import outbox_queue

TEXT = "親愛的客戶您好:\n您的訂單:[訂單單號] 已出貨\n感謝您的購買~"


def orders_on_sandbox(sandbox: SandboxProcess, shop, count: int) -> list[int]:
    now = int(time.time())
    sns = []
    for n in range(count):
        order = sandbox.control(
            "POST",
            "/orders",
            shop_id=shop.shop_id,
            buyer_id=str(900_000_000 + n),
            carrier="7-ELEVEN",
            tracking_number="auto",
            items=[{"item_name": "米餅", "item_sku": "RICE", "quantity": 1, "price": 89}],
            create_time=now - 7200 + n % 3600,
        )
        sns.append(order["order_sn"])
    for start in range(0, len(sns), 500):
        orders_refresh(shop=shop, order_sns=sns[start : start + 500])
    return list(Order.objects.filter(shop=shop, order_sn__in=sns).values_list("pk", flat=True))


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children so far (Linux /proc; 0 elsewhere): how busy the
    worker was during the drain, on a machine other programs share."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) for child in children)


def _token(response) -> str:
    return re.search(r'name="token" value="([0-9a-f]+)"', response.content.decode()).group(1)


def confirm(user, pks: list[int]) -> tuple[float, int, float, int]:
    """Preview and confirm as the page does: (confirm seconds, its queries, preview seconds, its queries)."""
    settings.ALLOWED_HOSTS = ["*"]
    selection_replace(user=user, order_pks=pks)
    client = Client()
    client.force_login(user)
    token = _token(client.get(reverse("notifications:compose")))
    data = {"token": token, "text": TEXT, "combine": "on", "action": "preview"}
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as preview_queries:
        preview = client.post(reverse("notifications:compose"), data)
    preview_seconds = time.perf_counter() - started
    data = {**data, "token": _token(preview), "action": "confirm"}
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as confirm_queries:
        response = client.post(reverse("notifications:compose"), data)
    confirm_seconds = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    return confirm_seconds, len(confirm_queries), preview_seconds, len(preview_queries)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--replies", type=int, default=30)
    args = parser.parse_args()
    require_services()
    sandbox = SandboxProcess()
    worker = None
    try:
        prepare(sandbox)
        NoticeBatch.objects.filter(created_by__username=USER).delete()
        shop = bench_shop(sandbox, rate=args.rate)
        user = shop.salesperson
        user.is_staff = True
        user.save()
        pks = orders_on_sandbox(sandbox, shop, args.orders)
        repliers = buyers_who_wrote(sandbox, shop, args.replies, first_id=880_000_000)
        sandbox.control("POST", "/faults", shop_calls_per_second=args.rate)
        worker = start_worker(sandbox)
        time.sleep(1)

        load_before = os.getloadavg()
        worker_cpu = cpu_seconds(worker.pid)
        confirm_seconds, confirm_queries, preview_seconds, preview_queries = confirm(user, pks)
        committed = time.time()
        messages = OutgoingMessage.objects.filter(shop=shop, origin=OutgoingMessage.Origin.BATCH_NOTICE)
        total = messages.count()

        replies: list[tuple[OutgoingMessage, float]] = []
        for n, buyer in enumerate(repliers):
            if not messages.exclude(state=OutgoingMessage.State.SENT).exists():
                break
            with transaction.atomic():
                reply = outbox_queue(
                    shop=shop,
                    buyer_id=buyer,
                    text=f"馬上為您處理 #{n}",
                    origin=OutgoingMessage.Origin.REPLY,
                    idempotency_key=f"bench-notice-reply:{shop.pk}:{n}:{time.time_ns()}",
                )
            replies.append((reply, time.time()))
            time.sleep(1)
        deadline = time.monotonic() + 3 * total / args.rate + 120
        while messages.exclude(state=OutgoingMessage.State.SENT).exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"only {messages.filter(state='sent').count()} of {total} sent")
            time.sleep(0.2)
        worker_cpu = cpu_seconds(worker.pid) - worker_cpu
        load_after = os.getloadavg()
        time.sleep(0.5)
        accepted = sandbox.accepted_at()
        batch_ids = list(messages.values_list("shopee_message_id", flat=True))
        last = max(accepted[mid] for mid in batch_ids)
        reply_waits = []
        for reply, queued_at in replies:
            reply.refresh_from_db()
            if reply.shopee_message_id in accepted:
                reply_waits.append(accepted[reply.shopee_message_id] - queued_at)
        retries_429 = sum(
            c["count"] for c in sandbox.control("GET", "/calls")["calls"] if "send_message" in c["path"]
        )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        sandbox.stop()
    drain = last - committed
    ideal = total / args.rate
    print(
        f"批次通知 of {args.orders} orders ({total} buyers, one message each), PostgreSQL + Redis, one worker process:"
    )
    print(f"  preview request: {preview_seconds:.2f} s, {preview_queries} SQL queries")
    print(f"  confirm request: {confirm_seconds:.2f} s, {confirm_queries} SQL queries (target < 1 s, bulk)")
    print(
        f"  drain at {args.rate:g}/s (sandbox limit = shop rate): {drain:.1f} s vs ideal {ideal:.1f} s,"
        f" ratio {drain / ideal:.3f} (target ≤ 1.1); send_message calls {retries_429} for {total} messages"
    )
    print(
        f"  worker CPU {worker_cpu:.1f} s ({1000 * worker_cpu / total:.1f} ms a message, busy"
        f" {100 * worker_cpu / drain:.0f}% of the drain); load average {load_before[0]:.2f} → {load_after[0]:.2f}"
        f" on {os.cpu_count()} cores"
    )
    if reply_waits:
        print(
            f"  {len(reply_waits)} inbox replies during the drain, queued → accepted: p50"
            f" {statistics.median(reply_waits):.2f} s, p95 {percentile(reply_waits, 0.95):.2f} s,"
            f" max {max(reply_waits):.2f} s (target p95 < {2 + 1 / args.rate:.2f} s)"
        )


if __name__ == "__main__":
    main()

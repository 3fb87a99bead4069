"""Outbox latency: from "queued" to "accepted by the sandbox", with an idle worker (target p95 < 2 s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_bench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/2 REDIS_URL=redis://127.0.0.1:6379/2 \
    .venv/bin/python bench/outbox_latency.py [--messages 200] [--gap 0.05]

Migrates the database, starts the sandbox and one Celery worker (queue "outbox", one process)
as separate processes, verifies a shop, then queues the messages one by one, each in its own
transaction as a reply form would, `--gap` seconds apart. "Accepted" is the sandbox's own
timestamp of the stored message. The bench shop and its messages are removed on every run.
This module also holds the setup outbox_throughput.py shares.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")
os.environ.setdefault("DEBUG", "1")  # development settings: the demo secrets and defaults

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from accounts.models import Shop  # noqa: E402
from accounts.services import shop_verify  # noqa: E402
from chat.models import Conversation, Message  # noqa: E402
from outbox.models import OutgoingMessage  # noqa: E402
from outbox.services import outbox_queue  # noqa: E402
from tests.utils import celery_worker_command  # noqa: E402
from tmschat.celery import app  # noqa: E402

USER = "bench-outbox"
LOGS = ROOT / "var" / "bench"


class SandboxProcess:
    """`python -m shopee.sandbox` on a free port, driven through its control API."""

    def __init__(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shopee.sandbox", "--port", "0"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        first = self.proc.stdout.readline()  # "Shopee sandbox on http://127.0.0.1:PORT (…"
        self.url = first.split(" on ", 1)[1].split()[0]

    def control(self, method: str, path: str, **body) -> dict:
        response = requests.request(method, f"{self.url}/_sandbox{path}", json=body or None, timeout=60)
        response.raise_for_status()
        return response.json()

    def accepted_at(self) -> dict[str, float]:
        """Shopee message id → when the sandbox stored it (seconds, its clock = ours)."""
        messages = self.control("GET", "/state")["messages"]
        return {mid: m["created_ns"] / 1e9 for mid, m in messages.items() if m["origin"] == "api"}

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def require_services() -> None:
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql") or not settings.REDIS_URL:
        sys.exit("set DATABASE_URL (PostgreSQL), CELERY_BROKER_URL and REDIS_URL (Redis): see the docstring")


def prepare(sandbox: SandboxProcess) -> None:
    """Migrate, point the product at the sandbox, drop earlier runs and stale kicks."""
    call_command("migrate", verbosity=0)
    settings.SHOPEE_BASE_URL = sandbox.url
    old = Shop.objects.filter(salesperson__username=USER)
    OutgoingMessage.objects.filter(shop__in=old).delete()
    Message.objects.filter(shop__in=old).delete()
    Conversation.objects.filter(shop__in=old).delete()
    old.delete()
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("outbox")


def bench_shop(sandbox: SandboxProcess, *, rate: float) -> Shop:
    # Not Taiwanese: the Open Platform transport, verified by its authorization alone (a TW shop
    # would need the chat login, and its messages would wait held).
    user, _ = get_user_model().objects.get_or_create(username=USER, defaults={"is_staff": True})
    remote = sandbox.control(
        "POST", "/shops", account=f"bench{time.time_ns()}", password="pw", name="壓測賣場", region="SG"
    )
    code = sandbox.control("POST", f"/shops/{remote['shop_id']}/authorize")["code"]
    shop = shop_verify(shop=None, code=code, shop_id=remote["shop_id"], user=user)
    Shop.objects.filter(pk=shop.pk).update(send_rate_per_second=rate)
    shop.refresh_from_db()
    return shop


def buyers_who_wrote(sandbox: SandboxProcess, shop: Shop, count: int, first_id: int) -> list[str]:
    ids = [str(first_id + n) for n in range(count)]
    for buyer_id in ids:
        sandbox.control(
            "POST", "/messages/buyer", shop_id=shop.shop_id, text="請問出貨了嗎?", buyer_id=buyer_id
        )
    return ids


def queue(shop: Shop, buyer_id: str, text: str) -> OutgoingMessage:
    return outbox_queue(
        shop=shop,
        buyer_id=buyer_id,
        text=text,
        origin=OutgoingMessage.Origin.REPLY,
        idempotency_key=f"bench:{shop.pk}:{text}",
    )


def start_worker(sandbox: SandboxProcess) -> subprocess.Popen:
    """One Celery worker process on the outbox queue; returns once it takes tasks."""
    log = LOGS / "outbox-worker.log"
    log.write_text("")
    env = {**os.environ, "SHOPEE_BASE_URL": sandbox.url, "LOG_LEVEL": "WARNING"}
    args = celery_worker_command(queues="outbox", concurrency=1, name="bench-outbox")
    worker = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if time.monotonic() > deadline or worker.poll() is not None:
            sys.exit(f"the worker did not start; see {log}")
        time.sleep(0.1)
    return worker


def wait_sent(shop: Shop, count: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while OutgoingMessage.objects.filter(shop=shop, state=OutgoingMessage.State.SENT).count() < count:
        if time.monotonic() > deadline:
            sys.exit(
                f"only {OutgoingMessage.objects.filter(shop=shop, state='sent').count()} of {count} sent"
            )
        time.sleep(0.1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between two queued messages")
    args = parser.parse_args()
    require_services()
    sandbox = SandboxProcess()
    worker = None
    try:
        prepare(sandbox)
        shop = bench_shop(sandbox, rate=100)
        buyers = buyers_who_wrote(sandbox, shop, max(1, args.messages // 4), first_id=800_000_000)
        worker = start_worker(sandbox)
        time.sleep(1)  # idle
        for n in range(args.messages):
            with transaction.atomic():
                queue(shop, buyers[n % len(buyers)], f"您的訂單已出貨,感謝您的購買~ #{n}")
            time.sleep(args.gap)
        wait_sent(shop, args.messages)
        accepted = sandbox.accepted_at()
        rows = OutgoingMessage.objects.filter(shop=shop).values_list("created_at", "shopee_message_id")
        latencies = [accepted[mid] - created.timestamp() for created, mid in rows]
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        sandbox.stop()
    print(f"outbox latency, queued → accepted by the sandbox, {len(latencies)} messages, idle worker,")
    print(f"PostgreSQL + Redis, one worker process, a message every {args.gap:g} s:")
    print(f"  p50 {percentile(latencies, 0.5) * 1000:.0f} ms")
    print(f"  p95 {percentile(latencies, 0.95) * 1000:.0f} ms   (target < 2000 ms)")
    print(f"  max {max(latencies) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

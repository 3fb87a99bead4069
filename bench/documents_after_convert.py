"""產生寄件單 right after 轉出貨 of 40 orders: request → file ready (target: under 5 s), and the
depths of the broker's queues meanwhile.

    .venv/bin/python bench/documents_after_convert.py [--orders 40]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_bench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/5 REDIS_URL=redis://127.0.0.1:6379/5 \
    .venv/bin/python bench/documents_after_convert.py

Without DATABASE_URL it runs on the embedded setup of `make run` in var/bench/ (SQLite, the
filesystem broker; TMSCHAT_VAR_DIR overrides), created afresh. The processes are the product's
own: gunicorn (DEBUG=1) receiving Shopee's pushes, the Celery workers Procfile.dev starts, and
the sandbox as Shopee in this process, pushing every order's new status as real Shopee does.
This process acts as staff through the order book's services: it imports the orders, starts
轉出貨 (the worker arranges shipment of each at Shopee, and every push queues an order refresh),
and once that is done starts 產生寄件單 and waits for the file.

Measured on the shared 2-core machine, 40 orders (2026-12-05): embedded 2.8 s with 61 push jobs
waiting on `default` (65 s with the book's actions still routed to `default`, behind them, as
before the interactive queue); PostgreSQL and Redis 2.9 s with 56 waiting. The sandbox takes 2 s
to make a shipping document (Shopee's own wait), so about 1 s is ours.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")
os.environ.setdefault("DEBUG", "1")  # development settings: the demo secrets and defaults
EMBEDDED = "DATABASE_URL" not in os.environ
if EMBEDDED:
    os.environ.setdefault("TMSCHAT_VAR_DIR", str(ROOT / "var" / "bench"))
    shutil.rmtree(os.environ["TMSCHAT_VAR_DIR"], ignore_errors=True)

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Shop  # noqa: E402
from accounts.services import shop_verify  # noqa: E402
from book.actions import book_action_start  # noqa: E402
from book.models import BookAction, Product  # noqa: E402
from orders.models import Order  # noqa: E402
from orders.services import orders_refresh  # noqa: E402
from shopee.sandbox import Sandbox  # noqa: E402
from tests.ops.helpers import procfile_workers  # noqa: E402
from tests.utils import ServiceProcess, celery_worker_command, free_port, queue_depth, wait_until  # noqa: E402

PREFIX = "bench-docs"
QUEUES = ("interactive", "default", "sync", "outbox")


class Depths:
    """The deepest each queue was seen while sampling."""

    def __init__(self) -> None:
        self.deepest = dict.fromkeys(QUEUES, 0)

    def sample(self) -> dict[str, int]:
        now = {queue: queue_depth(queue) for queue in QUEUES}
        self.deepest = {queue: max(self.deepest[queue], now[queue]) for queue in QUEUES}
        return now


def finished(action: BookAction, depths: Depths) -> bool:
    depths.sample()
    return BookAction.objects.filter(pk=action.pk, finished_at__isnull=False).exists()


def start_processes(sandbox: Sandbox, web_port: int, log_dir: Path) -> list[ServiceProcess]:
    web = f"http://127.0.0.1:{web_port}"
    env = dict(os.environ)
    env.update(
        {
            "SHOPEE_BASE_URL": sandbox.url,
            "SELLERCENTRE_MAIN_URL": sandbox.url,
            "SELLERCENTRE_SELLER_URL": sandbox.url,
            "PUBLIC_BASE_URL": web,
            "PYTHONUNBUFFERED": "1",
        }
    )
    gunicorn = [sys.executable, "-m", "gunicorn", "tmschat.wsgi", "--bind", f"127.0.0.1:{web_port}"]
    processes = [ServiceProcess([*gunicorn, "--workers", "2"], env, log_dir / "web.log")]
    for name, worker in procfile_workers().items():
        args = celery_worker_command(
            queues=worker.queues, concurrency=worker.concurrency, name=f"{PREFIX}-{name}"
        )
        processes.append(ServiceProcess(args, env, log_dir / f"{name}.log"))
        print(f"worker {name}: -Q {worker.queues} -c {worker.concurrency}")
    wait_until(lambda: all(" ready." in p.log() for p in processes[1:]), timeout=90, message="workers")
    wait_until(lambda: _answers(f"{web}/healthz"), timeout=60, message="gunicorn")
    return processes


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code < 500
    except requests.RequestException:
        return False


def setup(sandbox: Sandbox, count: int) -> tuple[object, list[int]]:
    """A verified shop whose `count` store-pickup orders are pulled and imported into the book."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=PREFIX, defaults={"is_staff": True})
    Shop.objects.filter(salesperson=user).delete()
    remote = sandbox.create_shop(account=PREFIX, password="pw", name="寄件單測試賣場")
    shop = shop_verify(
        shop=None, code=sandbox.authorize_code(remote["shop_id"]), shop_id=remote["shop_id"], user=user
    )
    Product.objects.update_or_create(sku=f"{PREFIX}-CUP", defaults={"name": "杯子", "on_hand": 1_000_000})
    created = [
        sandbox.create_order(
            shop_id=shop.shop_id,
            carrier="7-ELEVEN",
            items=[{"item_name": "杯子", "item_sku": f"{PREFIX}-CUP", "quantity": 1, "price": 100}],
        )["order_sn"]
        for _ in range(count)
    ]
    orders_refresh(shop=shop, order_sns=created)
    pks = list(Order.objects.filter(shop=shop, order_sn__in=created).values_list("pk", flat=True))
    imported = book_action_start(kind=BookAction.Kind.IMPORT, user=user, order_pks=pks)
    assert imported.finished_at is not None
    return user, pks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=40)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}, broker: {settings.CELERY_BROKER_URL.split(':')[0]}")

    web_port = free_port()
    sandbox = Sandbox(
        partner_id=settings.SHOPEE_PARTNER_ID,
        partner_key=settings.SHOPEE_PARTNER_KEY,
        callback_url=f"http://127.0.0.1:{web_port}/shopee/push/",
    ).start()
    settings.SHOPEE_BASE_URL = sandbox.url
    log_dir = Path(settings.VAR_DIR) / "bench-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    processes = start_processes(sandbox, web_port, log_dir)
    try:
        user, pks = setup(sandbox, args.orders)
        # What setup queued (the shop's first pulls, the orders' pushes) is done before we start.
        wait_until(lambda: not any(queue_depth(q) for q in QUEUES), timeout=300, interval=0.5, message="idle")

        depths = Depths()
        started = time.monotonic()
        convert = book_action_start(
            kind=BookAction.Kind.CONVERT, user=user, order_pks=pks, options={"sender": "倉庫"}
        )
        wait_until(lambda: finished(convert, depths), timeout=600, interval=0.1, message="轉出貨")
        converted = time.monotonic() - started

        at_request = depths.sample()
        asked = time.monotonic()
        documents = book_action_start(kind=BookAction.Kind.DOCUMENTS, user=user, order_pks=pks)
        wait_until(lambda: finished(documents, depths), timeout=600, interval=0.05, message="寄件單")
        ready = time.monotonic() - asked
        documents.refresh_from_db()

        codes = Counter(result["code"] for result in documents.results)
        print(f"\n轉出貨 of {len(pks)} orders: {converted:.1f} s")
        print(f"queues when 產生寄件單 was asked: {at_request}")
        print(f"deepest seen from 轉出貨 to the file: {depths.deepest}")
        print(
            f"產生寄件單 request → file ready: {ready:.2f} s (target < 5 s); "
            f"file {len(documents.document or b'')} bytes; per order: {dict(codes)}"
        )
        wait_until(
            lambda: not any(queue_depth(q) for q in QUEUES), timeout=600, interval=0.5, message="drained"
        )
        print(f"background work drained {time.monotonic() - started:.1f} s after 轉出貨 was asked")
    finally:
        for process in processes:
            process.stop()
        sandbox.stop()


if __name__ == "__main__":
    main()

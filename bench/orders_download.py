"""Order download of 10,000 orders from the sandbox: Shopee API calls against the minimum (list
pages + detail batches), wall time, and our own CPU time per order outside HTTP waits.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_orders \
    .venv/bin/python bench/orders_download.py [--orders 10000] [--store-share 0.2]

The sandbox runs in this process (its own threads); our CPU is the CPU time of the thread that
runs `download_run` (time.thread_time), so the sandbox's work and every wait for an answer are
left out. Orders are spread over 30 days; `--store-share` of them are store-pickup orders awaiting
shipment, for which the first download also asks get_tracking_number (one call each). A second
download of the same range shows the unchanged case. The shop belongs to the staff user
"bench-orders" and is removed first on every run.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Shop  # noqa: E402
from accounts.services import shop_verify  # noqa: E402
from orders.download import download_run, download_start  # noqa: E402
from orders.models import Order, OrderDownload  # noqa: E402
from shopee.sandbox import Sandbox  # noqa: E402

PREFIX = "bench-orders"
DAY = 86400


def calls_by_path(sandbox: Sandbox) -> dict[str, int]:
    paths: dict[str, int] = {}
    for row in sandbox.calls():
        name = row["path"].rsplit("/", 1)[-1]
        paths[name] = paths.get(name, 0) + row["count"]
    return paths


def run(sandbox: Sandbox, user, shop: Shop, days: int, label: str) -> OrderDownload:
    sandbox.reset_calls()
    today = timezone.localdate()
    [job] = download_start(
        user=user, shops=[shop], created_from=today - timedelta(days=days), created_to=today
    )
    wall, cpu = time.perf_counter(), time.thread_time()
    download_run(job_pk=job.pk)
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    job.refresh_from_db()
    paths = calls_by_path(sandbox)
    list_calls, detail_calls = paths.get("get_order_list", 0), paths.get("get_order_detail", 0)
    windows = -(-(days + 1) // 15)
    minimum_list = max(windows, -(-job.total // 100))
    minimum_detail = -(-job.total // 50)
    print(
        f"\n{label}: {job.state}, {job.total} orders (new {job.new}, updated {job.updated}, "
        f"unchanged {job.unchanged}, failed {len(job.failures)})"
    )
    print(
        f"  calls: get_order_list {list_calls} (minimum ≥{minimum_list}: {windows} windows, "
        f"{-(-job.total // 100)} pages of 100), get_order_detail {detail_calls} (minimum {minimum_detail}), "
        f"get_tracking_number {paths.get('get_tracking_number', 0)}, other "
        f"{sum(paths.values()) - list_calls - detail_calls - paths.get('get_tracking_number', 0)}"
    )
    print(
        f"  wall {wall:.2f} s ({wall / job.total * 1000:.2f} ms/order); our CPU outside HTTP waits "
        f"{cpu:.2f} s = {cpu / job.total * 1000:.3f} ms/order"
    )
    return job


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--store-share", type=float, default=0.2)
    parser.add_argument("--days", type=int, default=29)
    args = parser.parse_args()
    print(f"database: {connection.vendor}")

    sandbox = Sandbox(partner_id=settings.SHOPEE_PARTNER_ID, partner_key=settings.SHOPEE_PARTNER_KEY).start()
    settings.SHOPEE_BASE_URL = sandbox.url
    try:
        User = get_user_model()
        user, _ = User.objects.get_or_create(username=PREFIX, defaults={"is_staff": True})
        Shop.objects.filter(salesperson=user).delete()
        remote = sandbox.create_shop(account=PREFIX, password="pw", name="下載測試賣場")
        shop = Shop.objects.create(name="下載測試賣場", account=PREFIX, salesperson=user)
        shop = shop_verify(
            shop=shop, code=sandbox.authorize_code(remote["shop_id"]), shop_id=remote["shop_id"], user=user
        )

        rng = random.Random(11)
        now = int(time.time())
        started = time.perf_counter()
        for number in range(args.orders):
            store = rng.random() < args.store_share
            sandbox.create_order(
                shop_id=remote["shop_id"],
                status="READY_TO_SHIP",
                carrier="全家" if store else "黑貓宅急便",
                tracking_number="auto" if store and rng.random() < 0.5 else None,
                buyer_id=str(900_000_000 + number % 5000),
                items=[{"item_name": f"商品{number % 97}", "quantity": 1 + number % 3, "price": 120}],
                create_time=now - rng.randrange(60, args.days * DAY),
            )
        print(
            f"seeded {args.orders} orders in the sandbox in {time.perf_counter() - started:.1f} s "
            f"({args.store_share:.0%} store pickup awaiting shipment)"
        )

        run(sandbox, user, shop, args.days, "first download")
        run(sandbox, user, shop, args.days, "second download (nothing changed)")
        assert Order.objects.filter(shop=shop).count() == args.orders
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()

"""Importing 2,000 selected orders into the order book: the request's time and SQL queries per order.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_orderbook .venv/bin/python bench/order_import.py

Needs PostgreSQL (migrated). Generates, once, a shop whose account starts with "bench-book" with
2,000 paid orders of 2–3 lines each over 60 products (enough stock for all of them). Each round
posts the 匯入訂單 action for all 2,000 through Django's test client (middleware, view, the bulk
import, the results row, SQL) and then undoes it; a last round imports again what is already
imported (every order answered "already imported").
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Shop  # noqa: E402
from book.models import BookAction, BookOrder, Product  # noqa: E402
from orders.models import Order  # noqa: E402
from orders.selection import selection_replace  # noqa: E402

PREFIX = "bench-book"
ORDERS = 2000
PRODUCTS = 60
CPU: list[float] = []  # this process's CPU time per request (the web worker's share; not PostgreSQL's)


def generate() -> None:
    rng = random.Random(12)
    user = get_user_model().objects.get(username=PREFIX)
    now = timezone.now()
    with transaction.atomic():
        shop = Shop.objects.create(
            shop_id="990000001",
            account=PREFIX,
            name="匯入測試賣場",
            state=Shop.State.VERIFIED,
            salesperson=user,
        )
        Product.objects.bulk_create(
            Product(sku=f"{PREFIX}-{n:03d}", name=f"商品 {n}", on_hand=1_000_000) for n in range(PRODUCTS)
        )
        carriers = ["7-ELEVEN", "全家", "萊爾富", "黑貓宅急便", "新竹物流"]
        Order.objects.bulk_create(
            Order(
                shop=shop,
                order_sn=f"BENCH{n:09d}",
                status="READY_TO_SHIP",
                buyer_username=f"buyer{n}",
                total_amount=500,
                shipping_carrier=rng.choice(carriers),
                created_on_shopee=now - timedelta(minutes=n),
                items=[
                    {
                        "item_id": str(n * 10 + k),
                        "item_name": f"商品 {sku}",
                        "model_name": "",
                        "sku": f"{PREFIX}-{sku:03d}",
                        "quantity": rng.choice((1, 1, 2, 3)),
                        "price": 199,
                    }
                    for k, sku in enumerate(rng.sample(range(PRODUCTS), rng.choice((2, 2, 3))))
                ],
            )
            for n in range(ORDERS)
        )


def reset(regenerate: bool) -> Shop:
    User = get_user_model()
    User.objects.get_or_create(username=PREFIX, defaults={"is_staff": True})
    existing = Shop.objects.filter(account=PREFIX)
    if regenerate or not existing.exists() or Order.objects.filter(shop__in=existing).count() != ORDERS:
        BookOrder.objects.filter(order__shop__in=existing).delete()
        existing.delete()
        Product.objects.filter(sku__startswith=PREFIX).delete()
        generate()
    shop = Shop.objects.get(account=PREFIX)
    undo(shop)
    return shop


def undo(shop: Shop) -> None:
    BookOrder.objects.filter(order__shop=shop).delete()
    Product.objects.filter(sku__startswith=PREFIX).update(reserved=0)


def post_import(client: Client, pks: list[int]) -> tuple[float, int, BookAction]:
    # The selection as 全選 leaves it on the order table; the button then posts only the action.
    selection_replace(user=get_user_model().objects.get(username=PREFIX), order_pks=pks)
    body = urlencode({"action": "import"})
    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        response = client.post("/orders/actions/", body, content_type="application/x-www-form-urlencoded")
        elapsed = (time.perf_counter() - started) * 1000
        CPU.append((time.process_time() - cpu) * 1000)
    assert response.status_code == 302, response.status_code
    action = BookAction.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    return elapsed, len(captured), action


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL database")
    settings.ALLOWED_HOSTS = ["*"]
    shop = reset(args.regenerate)
    pks = list(Order.objects.filter(shop=shop).values_list("pk", flat=True))
    lines = sum(len(items) for items in Order.objects.filter(shop=shop).values_list("items", flat=True))
    print(f"data: {len(pks):,} orders with {lines:,} lines over {PRODUCTS} products")
    client = Client()
    client.force_login(get_user_model().objects.get(username=PREFIX))

    times, queries = [], []
    for _ in range(args.rounds):
        elapsed, count, action = post_import(client, pks)
        codes = {outcome["code"] for outcome in action.results}
        assert codes == {"imported"}, codes
        assert BookOrder.objects.filter(order__shop=shop).count() == ORDERS
        times.append(elapsed)
        queries.append(count)
        undo(shop)
    print(
        f"import {ORDERS} orders:            p50={statistics.median(times):7.1f} ms  "
        f"max={max(times):7.1f} ms  queries={max(queries)} ({max(queries) / ORDERS:.4f} per order)  "
        f"web process CPU p50={statistics.median(CPU):7.1f} ms"
    )
    print(f"machine load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    post_import(client, pks)
    elapsed, count, action = post_import(client, pks)
    assert {outcome["code"] for outcome in action.results} == {"already_imported"}
    print(
        f"import again (already imported): {elapsed:7.1f} ms  queries={count} ({count / ORDERS:.4f} per order)"
    )
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(f"/orders/actions/{action.pk}/")
        page = (time.perf_counter() - started) * 1000
    assert response.status_code == 200
    print(f"results page of 2,000 outcomes:  {page:7.1f} ms  queries={len(captured)}")
    undo(shop)


if __name__ == "__main__":
    main()

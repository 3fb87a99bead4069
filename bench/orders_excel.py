"""匯出Excel of 10,000 orders: time and peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_orders \
    .venv/bin/python bench/orders_excel.py [--orders 10000]

Uses the orders of the staff user "bench-table" (made by bench/orders_table.py; this script makes
its own 10,000 under "bench-excel" when they are missing). Time is measured without tracing;
peak memory is measured in a second run, as the peak of Python allocations (tracemalloc) and as
the growth of the process's maximum resident size.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")
os.environ.setdefault("DEBUG", "1")  # development settings: the demo secrets and defaults

import django  # noqa: E402

django.setup()
logging.disable(logging.WARNING)  # the request log would bury the figures

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from orders.excel import orders_excel_write  # noqa: E402
from orders.models import Order  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from orders_table import seed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    args = parser.parse_args()
    print(f"database: {connection.vendor}")
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-excel", defaults={"is_staff": True})
    shops = seed(user, args.orders)
    orders = Order.objects.filter(shop__in=shops).order_by("-created_on_shopee", "-id")
    count = orders.count()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = io.BytesIO()
    started, cpu = time.perf_counter(), time.thread_time()
    written = orders_excel_write(orders=orders, out=out)
    elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{written} of {count} orders written in {elapsed:.2f} s wall, {cpu:.2f} s CPU "
        f"({len(out.getvalue()) / 1e6:.1f} MB file)"
    )
    print(f"max resident size grew by {(rss_after - rss_before) / 1024:.1f} MB during the export")

    tracemalloc.start()
    orders_excel_write(orders=orders, out=io.BytesIO())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak Python allocations during an export: {peak / 1e6:.1f} MB")

    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    # Counted, not read from the dimension a write-only file leaves unset.
    sizes = ", ".join(
        f"{ws.title} ({sum(1 for _ in ws.iter_rows(values_only=True))} rows)" for ws in book.worksheets
    )
    print(f"sheets: {sizes}")


if __name__ == "__main__":
    main()

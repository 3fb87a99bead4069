"""Work a person waits for runs ahead of background work: the worker processes Procfile.dev
starts (on a bare machine the embedded setup of `make run`: SQLite file, filesystem broker)
finish an Excel export staff asked for while a backlog of order refreshes, each slow at Shopee,
is still waiting. Where each task goes is settings.CELERY_TASK_ROUTES; which worker serves which
queue, Procfile.dev (docker-compose.yml mirrors it: tests/ops/test_compose.py)."""

from __future__ import annotations

import time

import pytest

from orders.excel import export_path, export_start
from orders.models import OrderExport
from orders.tasks import orders_refresh
from tests.chat.helpers import verified_shop
from tests.factories import OrderFactory
from tests.ops.helpers import procfile_workers
from tests.utils import queue_depth, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

REFRESHES = 30  # at 1 s each at Shopee: far longer than an export takes


def test_an_export_staff_asked_for_is_written_while_background_refreshes_still_wait(
    sandbox, salesperson, start_worker
):
    shop = verified_shop(sandbox, salesperson)
    orders = [OrderFactory(shop=shop) for _ in range(3)]
    processes = [
        start_worker(queues=worker.queues, concurrency=worker.concurrency, name=name)
        for name, worker in procfile_workers().items()
    ]
    for process in processes:
        wait_until(lambda p=process: " ready." in p.log(), timeout=60, message="worker ready")
    sandbox.set_faults(latency_ms=1000, paths=["/get_order_detail"])
    for order in orders * (REFRESHES // len(orders)):  # Shopee's order pushes after a conversion
        orders_refresh.delay(shop.pk, [order.order_sn])

    asked = time.monotonic()
    export = export_start(user=salesperson, order_pks=[order.pk for order in orders], filename="orders.xlsx")
    wait_until(
        lambda: OrderExport.objects.get(pk=export.pk).state == OrderExport.State.DONE,
        timeout=60,
        interval=0.1,
        message="the export written",
    )
    took = time.monotonic() - asked

    assert export_path(export).stat().st_size > 0
    assert queue_depth("sync") > 0, f"the export waited until the refreshes were done ({took:.1f} s)"
    assert took < 10

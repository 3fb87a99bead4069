"""The order download with real Celery worker processes (PostgreSQL + Redis) and the sandbox over
HTTP: a worker killed mid-download, another one carrying on."""

from __future__ import annotations

import pytest
from django.db.models import Count
from django.utils import timezone

from orders.download import download_start, downloads_sweep
from orders.models import Order, OrderDownload
from tests.orders.helpers import seed_orders
from tests.utils import wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.services,
    pytest.mark.usefixtures("require_postgres", "require_redis"),
]

WORKER_SETTINGS = "tests.orders.download_worker_settings"
ORDERS = 400  # 8 detail batches


@pytest.fixture
def worker(start_worker):
    def start(**kwargs):
        process = start_worker(queues="interactive", DJANGO_SETTINGS_MODULE=WORKER_SETTINGS, **kwargs)
        wait_until(lambda: " ready." in process.log(), timeout=30, interval=0.05, message="worker ready")
        return process

    return start


def job_now() -> OrderDownload:
    return OrderDownload.objects.get()


def test_a_download_whose_worker_is_killed_ends_with_the_same_orders_and_no_duplicates(
    sandbox, shop, salesperson, worker, order_day
):
    sns = seed_orders(sandbox, shop, order_day, ORDERS)
    sandbox.set_faults(latency_ms=400, paths=["/get_order_detail"])
    first = worker()
    download_start(user=salesperson, shops=[shop], created_from=order_day, created_to=order_day)

    wait_until(lambda: job_now().done >= 100, timeout=60, interval=0.05, message="two batches stored")
    first.kill()
    stopped_at = job_now().done
    assert 100 <= stopped_at < ORDERS and job_now().state == "running"

    worker(name="second")
    # The killed worker's task stays unacknowledged in the broker: the sweeper hands the job on
    # once its lease runs out.
    wait_until(lambda: job_now().lease_until < timezone.now(), timeout=10, message="lease lapsed")
    assert downloads_sweep() == 1
    wait_until(lambda: job_now().state == "done", timeout=60, interval=0.1, message="download done")

    job = job_now()
    assert job.attempts == 2 and job.done == job.total == ORDERS
    assert job.new + job.updated + job.unchanged == ORDERS and job.failures == []
    assert set(Order.objects.values_list("order_sn", flat=True)) == set(sns)
    assert not Order.objects.values("order_sn").annotate(n=Count("id")).filter(n__gt=1).exists()
    # (The shop's first scheduled order sync, queued when it was verified, ran on the same
    # workers and stored the same orders: the upserts keep one row each all the same.)

"""Fixtures of the outbox tests (helpers that are not fixtures: tests/outbox/helpers.py; the shops
verified on the sandbox, make_shop and make_sc_shop, and fast_outbox: tests/conftest.py, as the
notice tests take them too)."""

from __future__ import annotations

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from outbox.rate import KEY_PREFIX
from tests.outbox.helpers import WORKER_SETTINGS
from tests.utils import need, redis_available, wait_until


@pytest.fixture(params=["database", "redis"])
def bucket(request, settings):
    """Each test taking it runs twice: the shops' send-rate buckets in the database (no Redis: the
    embedded setup) and in Redis, each starting full."""
    if request.param == "redis":
        import redis

        need(redis_available(), "Redis (set REDIS_URL)")
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(f"{KEY_PREFIX}*"):
            client.delete(key)
    else:
        settings.REDIS_URL = ""
    return request.param


@pytest.fixture
def worker(start_worker):
    """Start an outbox worker with the compressed timings of outbox_worker_settings; returns
    once it takes tasks."""

    def start(**kwargs):
        process = start_worker(queues="outbox", DJANGO_SETTINGS_MODULE=WORKER_SETTINGS, **kwargs)
        wait_until(lambda: " ready." in process.log(), timeout=30, interval=0.05, message="worker ready")
        return process

    return start


@pytest.fixture
def beat(start_beat):
    """Start a beat process running only the outbox sweeper, every second (or `every`)."""

    def start(*, every: int = 1, **kwargs):
        interval, _new = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.update_or_create(
            name="outbox sweep", defaults={"task": "outbox.tasks.outbox_sweep", "interval": interval}
        )
        return start_beat(DJANGO_SETTINGS_MODULE=WORKER_SETTINGS, **kwargs)

    return start

"""Fixtures of the outbox tests (helpers that are not fixtures: tests/outbox/helpers.py)."""

from __future__ import annotations

import itertools

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from accounts.models import Shop
from outbox.rate import KEY_PREFIX
from tests.outbox.helpers import WORKER_SETTINGS, verify
from tests.utils import need, redis_available, wait_until

_accounts = itertools.count(1)


@pytest.fixture
def make_shop(sandbox, salesperson):
    """A shop on the sandbox, verified in the product, sending `rate` messages a second."""

    def make(name: str = "我的測試賣場", *, rate: float = 100.0) -> Shop:
        number = next(_accounts)
        # The Open Platform transport: a non-TW shop (Shopee refuses TW sends there, §5.1).
        remote = sandbox.create_shop(account=f"outbox{number}", password="pw", name=name, region="SG")
        shop = verify(sandbox, remote["shop_id"], salesperson)
        Shop.objects.filter(pk=shop.pk).update(send_rate_per_second=rate)
        shop.refresh_from_db()
        return shop

    return make


@pytest.fixture
def fast_outbox(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 0.05
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 0.2
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.SHOPEE_TIMEOUT_SECONDS = 0.5
    return settings


@pytest.fixture
def make_sc_shop(sandbox, salesperson):
    """A Taiwanese shop on the sandbox, verified by its Seller Centre login (聊聊登入認證: the
    password, the link tapped, the second click), on the session transport."""
    from accounts import chatlogin
    from accounts.services import shop_create

    def make(name: str = "台灣賣場", *, rate: float = 100.0) -> Shop:
        number = next(_accounts)
        remote = sandbox.create_shop(account=f"outboxtw{number}", password="pw", name=name)
        shop = shop_create(name=name, account=remote["account"], salesperson=salesperson)
        chatlogin.chat_login_start(
            shop=shop, login_name=remote["account"], password="pw", keep_password=True, user=salesperson
        )
        sandbox.sc_tap_link(remote["shop_id"])
        shop = chatlogin.chat_login_confirm(shop=Shop.objects.get(pk=shop.pk), user=salesperson)
        Shop.objects.filter(pk=shop.pk).update(send_rate_per_second=rate)
        shop.refresh_from_db()
        return shop

    return make


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

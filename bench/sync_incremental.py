"""Incremental chat pull of 100 shops where nothing changed: Shopee API calls and wall time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_chat \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/3 REDIS_URL=redis://127.0.0.1:6379/3 \
    .venv/bin/python bench/sync_incremental.py

Starts the sandbox in-process, verifies 100 shops on it (each with a few conversations), pulls
them all once, then measures a second pull: in-process one shop after another, and (with Redis)
the real fan-out `chat_sync_all` run by a Celery worker with 4 processes. The shops belong to
the staff user "bench-sync" and are removed first on every run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")
os.environ.setdefault("DEBUG", "1")  # development settings: the demo secrets and defaults

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Shop, ShopSync  # noqa: E402
from accounts.services import shop_verify  # noqa: E402
from chat import sync  # noqa: E402
from chat.models import Conversation, Message  # noqa: E402
from shopee.sandbox import Sandbox  # noqa: E402
from tests.utils import celery_worker_command  # noqa: E402

PREFIX = "bench-sync"


def calls(sandbox: Sandbox) -> int:
    return sum(row["count"] for row in sandbox.calls())


def calls_by_path(sandbox: Sandbox) -> str:
    paths: dict[str, int] = {}
    for row in sandbox.calls():
        name = row["path"].rsplit("/", 1)[-1]
        paths[name] = paths.get(name, 0) + row["count"]
    return ", ".join(f"{name} {count}" for name, count in sorted(paths.items()))


def setup(sandbox: Sandbox, shop_count: int, conversations: int) -> list[Shop]:
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=PREFIX, defaults={"is_staff": True})
    old = Shop.objects.filter(salesperson=user)
    Conversation.objects.filter(shop__in=old).delete()
    Message.objects.filter(shop__in=old).delete()
    old.delete()
    shops = []
    for number in range(shop_count):
        remote = sandbox.create_shop(account=f"{PREFIX}-{number}", password="pw", name=f"賣場{number}")
        shop = Shop.objects.create(account=f"{PREFIX}-{number}", name=f"賣場{number}", salesperson=user)
        shop = shop_verify(
            shop=shop, code=sandbox.authorize_code(remote["shop_id"]), shop_id=remote["shop_id"], user=user
        )
        for buyer in range(conversations):
            sandbox.buyer_says(shop.shop_id, f"請問 {buyer} 號還有貨嗎?", buyer_id=str(700_000_000 + buyer))
        shops.append(shop)
    return shops


def pull_in_process(shops: list[Shop]) -> tuple[float, int]:
    started = time.perf_counter()
    new_messages = sum(sync.chat_sync_shop(shop=shop).messages for shop in shops)
    return time.perf_counter() - started, new_messages


def pull_with_worker(sandbox: Sandbox, shops: list[Shop], concurrency: int) -> float | None:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return None
    from chat.tasks import chat_sync_all
    from tmschat.celery import app

    # Verifying the shops queued a first pull of each; already done in-process, they must not count.
    with app.connection_for_write() as conn:
        for queue in ("default", "sync"):
            conn.default_channel.queue_purge(queue)
    env = dict(os.environ, SHOPEE_BASE_URL=sandbox.url, DJANGO_SETTINGS_MODULE="tmschat.settings")
    worker = subprocess.Popen(
        celery_worker_command(queues="default,sync", concurrency=concurrency, name=PREFIX, loglevel="error"),
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)  # the worker connects
        mark = timezone.now()
        started = time.perf_counter()
        chat_sync_all.delay()
        pks = [shop.pk for shop in shops]
        while ShopSync.objects.filter(shop__in=pks, kind="chat", last_success_at__gte=mark).count() < len(
            pks
        ):
            time.sleep(0.05)
            if time.perf_counter() - started > 120:
                raise RuntimeError("the worker did not finish in 2 minutes")
        return time.perf_counter() - started
    finally:
        worker.terminate()  # warm shutdown: running tasks finish
        worker.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shops", type=int, default=100)
    parser.add_argument("--conversations", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    print(f"database: {connection.vendor}; broker: {settings.CELERY_BROKER_URL.split(':')[0]}")
    sandbox = Sandbox(partner_id=settings.SHOPEE_PARTNER_ID, partner_key=settings.SHOPEE_PARTNER_KEY).start()
    settings.SHOPEE_BASE_URL = sandbox.url
    try:
        shops = setup(sandbox, args.shops, args.conversations)
        sandbox.reset_calls()
        first, stored = pull_in_process(shops)
        print(
            f"first pull of {len(shops)} shops: {calls(sandbox)} API calls, {stored} messages, {first:.2f} s"
        )

        sandbox.reset_calls()
        again, stored = pull_in_process(shops)
        print(
            f"incremental pull, nothing changed, in-process one shop after another: "
            f"{calls(sandbox)} API calls ({calls(sandbox) / len(shops):.2f} per shop), {stored} new messages, "
            f"{again:.2f} s ({again / len(shops) * 1000:.1f} ms per shop)"
        )

        sandbox.reset_calls()
        fanned = pull_with_worker(sandbox, shops, args.concurrency)
        if fanned is not None:
            print(
                f"incremental pull, nothing changed, chat_sync_all on a worker with {args.concurrency} processes: "
                f"{calls(sandbox)} API calls ({calls_by_path(sandbox)}), {fanned:.2f} s wall time"
            )
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()

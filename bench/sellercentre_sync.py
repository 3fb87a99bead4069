"""Chat of Taiwanese shops on the Seller Centre session transport (聊聊登入認證), through our sync
service: (1) the incremental pull of 100 shops where nothing changed — calls per shop (target 1)
and wall time; (2) a buyer's message in the sandbox → visible in an open inbox, with no push:
p50 / p95 against the pull interval.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_chatlogin \
    .venv/bin/python bench/sellercentre_sync.py [--shops 100] [--interval 5] [--samples 40] [--prefix bench-sc]

The sandbox runs in-process; every shop is verified by the seed's three steps (password, link
tapped, second click). Latency: a beat-like loop pulls every shop every `--interval` seconds
(the product's beat: 60 s), the inbox's list poll asks every 3 s (inbox/_list_poll.html); a
message counts as visible at the first poll after it is stored. The shops belong to the staff
user "bench-sc" and are removed first on every run. The live path (Seller Centre's signal asked
every few seconds, the real processes and a browser) is measured by bench/live_inbox.py.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from accounts import chatlogin  # noqa: E402
from accounts.models import Shop  # noqa: E402
from chat import sync  # noqa: E402
from chat.models import Conversation, Message  # noqa: E402
from shopee.sandbox import Sandbox  # noqa: E402

PREFIX = "bench-sc"
INBOX_POLL_SECONDS = 3.0


def calls(sandbox: Sandbox) -> int:
    return sum(row["count"] for row in sandbox.calls())


def setup(sandbox: Sandbox, shop_count: int, conversations: int, prefix: str = PREFIX) -> list[Shop]:
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=prefix, defaults={"is_staff": True})
    old = Shop.objects.filter(salesperson=user)
    Message.objects.filter(shop__in=old).delete()
    Conversation.objects.filter(shop__in=old).delete()
    old.delete()
    shops = []
    for number in range(shop_count):
        remote = sandbox.create_shop(account=f"{prefix}-{number}", password="pw", name=f"賣場{number}")
        shop = Shop.objects.create(
            account=remote["account"], name=remote["name"], region="TW", salesperson=user
        )
        chatlogin.chat_login_start(
            shop=shop, login_name=remote["account"], password="pw", keep_password=True, user=user
        )
        sandbox.sc_tap_link(remote["shop_id"])
        shop = chatlogin.chat_login_confirm(shop=Shop.objects.get(pk=shop.pk), user=user)
        for buyer in range(conversations):
            sandbox.buyer_says(shop.shop_id, f"請問 {buyer} 號還有貨嗎?", buyer_id=str(700_000_000 + buyer))
        shops.append(shop)
    return shops


def pull(shops: list[Shop]) -> tuple[float, int]:
    started = time.perf_counter()
    new = sum(sync.chat_sync_shop(shop=shop).messages for shop in shops)
    return time.perf_counter() - started, new


def latency(sandbox: Sandbox, shops: list[Shop], interval: float, samples: int) -> list[float]:
    """Buyer writes at a random moment; the beat-like loop pulls; the inbox sees it at its next poll."""
    stop = threading.Event()
    poll_phase = time.monotonic() + random.uniform(0, INBOX_POLL_SECONDS)

    def beat() -> None:
        while not stop.is_set():
            started = time.monotonic()
            for shop in shops:
                sync.chat_sync_shop(shop=shop)
            connection.close()
            stop.wait(max(0.0, interval - (time.monotonic() - started)))

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    results = []
    try:
        for n in range(samples):
            time.sleep(random.uniform(0, interval))
            shop = random.choice(shops)
            text = f"延遲測試 {n} {time.time()}"
            written = time.monotonic()
            sandbox.buyer_says(shop.shop_id, text, buyer_id="799999999")
            while not Message.objects.filter(shop=shop, text=text).exists():
                time.sleep(0.02)
            stored = time.monotonic()
            # The open inbox asks every 3 s: it shows the message at its first poll after storing.
            next_poll = poll_phase + INBOX_POLL_SECONDS * (
                int((stored - poll_phase) // INBOX_POLL_SECONDS) + 1
            )
            results.append(next_poll - written)
    finally:
        stop.set()
        thread.join(timeout=interval + 30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shops", type=int, default=100)
    parser.add_argument("--conversations", type=int, default=3)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--latency-shops", type=int, default=10)
    parser.add_argument("--prefix", default=PREFIX, help="the staff user owning the bench's shops")
    args = parser.parse_args()
    print(f"database: {connection.vendor}; signing: {settings.SELLERCENTRE_SIGNING}")
    sandbox = Sandbox(partner_id=settings.SHOPEE_PARTNER_ID, partner_key=settings.SHOPEE_PARTNER_KEY).start()
    settings.SHOPEE_BASE_URL = settings.SELLERCENTRE_MAIN_URL = settings.SELLERCENTRE_SELLER_URL = sandbox.url
    try:
        started = time.perf_counter()
        shops = setup(sandbox, args.shops, args.conversations, args.prefix)
        print(f"verified {len(shops)} shops by the three steps in {time.perf_counter() - started:.1f} s")
        sandbox.reset_calls()
        first, stored = pull(shops)
        print(f"first pull: {calls(sandbox)} calls, {stored} messages, {first:.2f} s")
        sandbox.reset_calls()
        again, stored = pull(shops)
        print(
            f"incremental pull, nothing changed, through chat.sync one shop after another: {calls(sandbox)} "
            f"calls ({calls(sandbox) / len(shops):.2f} per shop), {stored} new messages, {again:.2f} s "
            f"({again / len(shops) * 1000:.1f} ms per shop)"
        )
        if args.samples:
            seen = sorted(latency(sandbox, shops[: args.latency_shops], args.interval, args.samples))
            p95 = seen[max(0, int(round(0.95 * len(seen))) - 1)]
            print(
                f"buyer message → open inbox, no push, beat pull every {args.interval:g} s, inbox poll "
                f"{INBOX_POLL_SECONDS:g} s, {len(seen)} samples: p50 {statistics.median(seen):.2f} s, "
                f"p95 {p95:.2f} s, max {seen[-1]:.2f} s (expected ≤ interval + poll + pull time)"
            )
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()

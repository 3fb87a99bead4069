"""Time from a buyer's message in the sandbox to it being visible in the inbox of a real browser.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_chat \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/3 REDIS_URL=redis://127.0.0.1:6379/3 \
    .venv/bin/python bench/push_latency.py [--push-samples 30] [--poll-samples 6] [--poll-period 60]

The web app runs under gunicorn; the sandbox runs in-process; Chromium (Playwright) keeps the
conversation open, as staff do, and the clock stops when the message is on screen.
With push: the sandbox POSTs the webchat push to /shopee/push/, the endpoint stores the message,
the open conversation's 2-second poll shows it. With polling only: no pushes; a pull of the shop
runs every --poll-period seconds (the beat's chat_sync_all interval is 60 s) and the page's poll
shows what it stored.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")
os.environ.setdefault("DEBUG", "1")  # development settings: the demo secrets and defaults

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402

from accounts.models import Shop  # noqa: E402
from accounts.services import shop_verify  # noqa: E402
from chat import sync  # noqa: E402
from chat.models import Conversation  # noqa: E402
from shopee.sandbox import Sandbox  # noqa: E402

PREFIX = "bench-push"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup(sandbox: Sandbox) -> tuple[Shop, Conversation, str]:
    """A verified shop with one buyer's conversation pulled, and a signed-in staff session."""
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=PREFIX, defaults={"is_staff": True})
    Shop.objects.filter(salesperson=user).delete()
    # A shop outside Taiwan: Shopee pushes chat only where its Open Platform serves chat (not TW,
    # whose shops are live through Seller Centre's signal: bench/live_inbox.py).
    remote = sandbox.create_shop(account=PREFIX, password="pw", name="延遲測試賣場", region="SG")
    shop = Shop.objects.create(account=PREFIX, name="延遲測試賣場", region="SG", salesperson=user)
    shop = shop_verify(
        shop=shop, code=sandbox.authorize_code(remote["shop_id"]), shop_id=remote["shop_id"], user=user
    )
    sandbox.buyer_says(shop.shop_id, "你好", buyer_id="700000001", buyer_name="測試買家")
    sync.chat_sync_shop(shop=shop)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return shop, Conversation.objects.get(shop=shop), session.session_key


def web_server(port: int, sandbox: Sandbox) -> subprocess.Popen:
    env = dict(
        os.environ,
        SHOPEE_BASE_URL=sandbox.url,
        SHOPEE_PUSH_URL=f"http://127.0.0.1:{port}/shopee/push/",
        DJANGO_SETTINGS_MODULE="tmschat.settings",
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tmschat.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--threads",
            "8",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


class PeriodicPull(threading.Thread):
    """Stands in for beat + worker: pull the shop every `period` seconds."""

    def __init__(self, shop: Shop, period: float) -> None:
        super().__init__(daemon=True)
        self.shop, self.period, self.stopping = shop, period, threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.period):
            sync.chat_sync_shop(shop=self.shop)
            close_old_connections()
        connection.close()


def sample(page, sandbox: Sandbox, shop: Shop, timeout_s: float) -> float:
    text = f"延遲測試 {uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    sandbox.buyer_says(shop.shop_id, text, buyer_id="700000001")
    page.locator("#thread .msg.from-buyer", has_text=text).wait_for(timeout=timeout_s * 1000)
    return time.perf_counter() - started


def summary(name: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    print(
        f"{name:<34} n={len(ordered):<3} p50={statistics.median(ordered):6.2f} s  p95={p95:6.2f} s  "
        f"max={ordered[-1]:6.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--push-samples", type=int, default=30)
    parser.add_argument("--poll-samples", type=int, default=6)
    parser.add_argument("--poll-period", type=float, default=60.0)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL database (gunicorn and this script share it)")
    from playwright.sync_api import sync_playwright

    port = free_port()
    sandbox = Sandbox(
        partner_id=settings.SHOPEE_PARTNER_ID,
        partner_key=settings.SHOPEE_PARTNER_KEY,
        push_key=settings.SHOPEE_PUSH_KEY,
        callback_url=f"http://127.0.0.1:{port}/shopee/push/",
    ).start()
    settings.SHOPEE_BASE_URL = sandbox.url
    server = web_server(port, sandbox)
    rng = random.Random(3)
    try:
        shop, conversation, session_key = setup(sandbox)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox"]
            )
            context = browser.new_context(locale="zh-TW", timezone_id="Asia/Taipei")
            context.add_cookies(
                [{"name": "sessionid", "value": session_key, "url": f"http://127.0.0.1:{port}"}]
            )
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/chat/?c={conversation.pk}")
            page.locator("#thread-poll").wait_for(state="attached")

            with_push = []
            for _ in range(args.push_samples):
                time.sleep(rng.uniform(0, 2))  # arrive anywhere in the page's 2-second poll
                with_push.append(sample(page, sandbox, shop, timeout_s=30))
            summary("with push", with_push)

            sandbox.configure(callback_url=None)  # Shopee's pushes stop arriving
            puller = PeriodicPull(shop, args.poll_period)
            puller.start()
            polling = []
            for _ in range(args.poll_samples):
                time.sleep(rng.uniform(0, args.poll_period))
                polling.append(sample(page, sandbox, shop, timeout_s=args.poll_period * 2 + 10))
            puller.stopping.set()
            summary(f"polling only (pull every {args.poll_period:g} s)", polling)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
        sandbox.stop()


if __name__ == "__main__":
    main()

"""A Taiwanese buyer's message → on the screen of an open inbox, with no push (Seller Centre's
signal, chat.live), and what the live signal costs Shopee in calls while nothing happens.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_live_bench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/8 REDIS_URL=redis://127.0.0.1:6379/8 \
    .venv/bin/python bench/live_inbox.py [--shops 10] [--samples 40] [--gap 2 12] [--idle 60]

Without the three variables it runs on the embedded defaults of `make run` (SQLite and the
filesystem broker, under TMSCHAT_VAR_DIR, default var/bench-live). The sandbox runs in this
process, its TW shops get no chat push (as in Taiwan: `tw_chat_push` off). The product runs as
`make run` starts it (Procfile.dev): the web (gunicorn here, as the other benches), a worker of
the background queues, the beat (its minute pull), and `manage.py chat_live`, all with the
default live settings. Chromium (Playwright, /usr/bin/chromium) keeps the inbox open as staff do.

1. Idle: after every shop's first pull and its fast minute are over, nothing happens for `--idle`
   seconds: the calls the sandbox receives per shop per minute (target: 60 / CHAT_LIVE_SIGNAL_SECONDS
   signals, plus the beat's one pull a minute).
2. Latency: buyers write to random shops at random moments (`--gap` seconds apart); the clock
   starts just before the sandbox stores the message and stops when the inbox's list shows it.
   Samples are told apart by whether their shop was in its fast minute (a message or a reply in
   the last CHAT_LIVE_FAST_FOR_SECONDS) or at the plain interval.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")
os.environ.setdefault("DEBUG", "1")  # development settings: the demo secrets and the defaults
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop shares the main thread
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("TMSCHAT_VAR_DIR", str(ROOT / "var" / "bench-live"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Shop  # noqa: E402
from bench.sellercentre_sync import setup as verified_shops  # noqa: E402
from chat.models import Message  # noqa: E402
from shopee.sandbox import Sandbox  # noqa: E402
from tests.utils import celery_command, celery_worker_command, free_port  # noqa: E402

PREFIX = "bench-live"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SIGNAL = "/webchat/api/v1.2/mini/user/sync"


def setup(sandbox: Sandbox, shop_count: int) -> tuple[list[Shop], str]:
    """`shop_count` TW shops verified by the seed's three steps, each with a few buyers' chats
    (as bench/sellercentre_sync.py makes them), and a signed-in staff session who sees them."""
    shops = verified_shops(sandbox, shop_count, 3, PREFIX)
    user = shops[0].salesperson
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return shops, session.session_key


def start_processes(sandbox: Sandbox, port: int, logs: Path) -> list[subprocess.Popen]:
    """The product as `make run` runs it (Procfile.dev), the web under gunicorn."""
    env = dict(
        os.environ,
        SHOPEE_BASE_URL=sandbox.url,
        SELLERCENTRE_MAIN_URL=sandbox.url,
        SELLERCENTRE_SELLER_URL=sandbox.url,
        DJANGO_SETTINGS_MODULE="tmschat.settings",
        PYTHONUNBUFFERED="1",
    )
    commands = {
        "web": [sys.executable, "-m", "gunicorn", "tmschat.wsgi:application", "-b", f"127.0.0.1:{port}"]
        + ["-w", "2", "--threads", "4", "--log-level", "warning"],
        "worker": celery_worker_command(
            queues="default,outbox,sync", concurrency=2, name="bench-live-worker"
        ),
        "beat": celery_command("beat", "-l", "warning", "-s", str(logs / "beat-schedule")),
        "live": [sys.executable, "manage.py", "chat_live"],
    }
    logs.mkdir(parents=True, exist_ok=True)
    started = []
    for name, args in commands.items():
        log = open(logs / f"{name}.log", "wb")  # noqa: SIM115 - the process keeps it
        started.append(
            subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )
    return started


def stop_processes(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := predicate():
            return found
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def per_minute(sandbox: Sandbox, shops: list[Shop], seconds: float) -> tuple[list[float], list[float]]:
    """Signal calls and all calls per shop per minute over the last `seconds`."""
    calls: dict[str, dict[str, int]] = {}
    for row in sandbox.calls():
        calls.setdefault(row["shop_id"], {})[row["path"]] = row["count"]
    signals = [calls.get(shop.shop_id, {}).get(SIGNAL, 0) * 60 / seconds for shop in shops]
    every = [sum(calls.get(shop.shop_id, {}).values()) * 60 / seconds for shop in shops]
    return signals, every


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * share) - 1)]


def summary(name: str, seconds: list[float]) -> None:
    if not seconds:
        print(f"{name:<44} n=0")
        return
    print(
        f"{name:<44} n={len(seconds):<3} p50={statistics.median(seconds):5.2f} s  "
        f"p95={percentile(seconds, 0.95):5.2f} s  max={max(seconds):5.2f} s"
    )


def measure(page, sandbox: Sandbox, shops: list[Shop], args, rng: random.Random) -> tuple[list, list]:
    fast_for = settings.CHAT_LIVE_FAST_FOR_SECONDS
    last_activity = {shop.pk: 0.0 for shop in shops}
    fast, plain = [], []
    for n in range(args.samples):
        time.sleep(rng.uniform(*args.gap))
        shop = rng.choice(shops)
        text = f"即時測試 {n} {uuid.uuid4().hex[:6]}"
        warm = time.monotonic() - last_activity[shop.pk] < fast_for
        started = time.perf_counter()
        sandbox.buyer_says(shop.shop_id, text, buyer_id=str(700_000_000 + rng.randrange(5)))
        page.locator("#conversation-list .conv-preview", has_text=text).wait_for(timeout=60_000)
        (fast if warm else plain).append(time.perf_counter() - started)
        last_activity[shop.pk] = time.monotonic()
    return fast, plain


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shops", type=int, default=10)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--gap", type=float, nargs=2, default=(2.0, 12.0), help="seconds between messages")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of nothing happening")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    call_command("migrate", verbosity=0)
    call_command("install_schedule", verbosity=0)
    print(
        f"database: {connection.vendor}; broker: {settings.CELERY_BROKER_URL.split(':')[0]}; "
        f"signal every {settings.CHAT_LIVE_SIGNAL_SECONDS:g} s, {settings.CHAT_LIVE_FAST_SECONDS:g} s for "
        f"{settings.CHAT_LIVE_FAST_FOR_SECONDS} s after activity; load average {os.getloadavg()[0]:.1f}"
    )
    sandbox = Sandbox(partner_id=settings.SHOPEE_PARTNER_ID, partner_key=settings.SHOPEE_PARTNER_KEY).start()
    settings.SHOPEE_BASE_URL = settings.SELLERCENTRE_MAIN_URL = settings.SELLERCENTRE_SELLER_URL = sandbox.url
    port = free_port()
    processes: list[subprocess.Popen] = []
    try:
        shops, session_key = setup(sandbox, args.shops)
        processes = start_processes(sandbox, port, Path(settings.VAR_DIR) / "bench-live-logs")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox"]
            )
            context = browser.new_context(locale="zh-TW", timezone_id="Asia/Taipei")
            context.add_cookies(
                [{"name": "sessionid", "value": session_key, "url": f"http://127.0.0.1:{port}"}]
            )
            page = context.new_page()
            wait_for(lambda: _up(page, port), 60, "the web server")
            page.locator("#list-poll").wait_for(state="attached")
            print(f"{len(shops)} shops verified; the inbox is open")

            # Every shop pulled once by the live loop, then its fast minute over.
            wait_for(
                lambda: (
                    Message.objects.filter(shop__in=shops).values("shop").distinct().count() == len(shops)
                ),
                60 + 2 * len(shops),
                "the first pulls",
            )
            time.sleep(settings.CHAT_LIVE_FAST_FOR_SECONDS + 2)
            sandbox.reset_calls()
            time.sleep(args.idle)
            signals, every = per_minute(sandbox, shops, args.idle)
            print(
                f"idle {args.idle:g} s, {len(shops)} shops: signal calls per shop per minute mean "
                f"{statistics.mean(signals):.1f} (min {min(signals):.1f}, max {max(signals):.1f}; "
                f"target {60 / settings.CHAT_LIVE_SIGNAL_SECONDS:g}); all calls per shop per minute mean "
                f"{statistics.mean(every):.1f} (the beat's pull included)"
            )

            fast, plain = measure(page, sandbox, shops, args, random.Random(args.seed))
            summary("buyer message → on screen, all", fast + plain)
            summary(f"  shop at the plain {settings.CHAT_LIVE_SIGNAL_SECONDS:g} s interval", plain)
            summary(f"  shop in its fast minute ({settings.CHAT_LIVE_FAST_SECONDS:g} s)", fast)
            browser.close()
    finally:
        stop_processes(processes)
        sandbox.stop()


def _up(page, port: int) -> bool:
    try:
        return page.goto(f"http://127.0.0.1:{port}/chat/").status == 200
    except Exception:  # noqa: BLE001 - not listening yet
        time.sleep(0.5)
        return False


if __name__ == "__main__":
    main()

"""Capacity of one machine: the production shape under the load of a busy seller company.

    python3 -m venv var/bench-venv && var/bench-venv/bin/pip install -r bench/requirements.txt
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat \
    REDIS_URL=redis://127.0.0.1:6379/8 CELERY_BROKER_URL=redis://127.0.0.1:6379/8 \
    .venv/bin/python bench/capacity/run.py [--shops 200] [--staff 30] [--seconds 180] [--compare]

What runs, each as its own process as docker-compose.yml starts it (DEBUG=0, fresh secrets, a
database of its own, `<name>_capacity`, on the DATABASE_URL's server): gunicorn (3 workers), the
Celery worker of the background queues (default, outbox, sync; `--concurrency` processes, default
2 = this machine's cores, Celery's own default), the `interactive` worker (half as many, at least
one), one beat, `manage.py chat_live`, and the sandbox as Shopee (`python -m shopee.sandbox`).
PostgreSQL and Redis are the servers of the URLs.

The load (Locust, bench/capacity/locustfile.py, from Locust's own venv): `--shops` Taiwanese shops
verified on Seller Centre (each with `--chats` buyers who wrote), shared among `--staff` staff
members who each keep the inbox open (its list poll every second, a conversation opened every 15 s
and its thread polled every 2 s, a reply every 30 s); buyers write `--buyer-rate` messages a second
to random shops on the sandbox (no push for TW shops: chat_live's signal finds them); after
`--batch-after` seconds a batch notice of `--notices` messages is queued at once (spread over five
other buyers of each shop), as a 批次通知 of a busy shipping day does. The sandbox's "5 messages
until the buyer answers" rule is off: several notices go to one buyer, and that rule is not what is
measured.

It prints, for the run (and with `--compare` for a second run with twice the worker processes, and
the ratios): sync lag (buyer's message on the sandbox → stored by us) p50/p95, the inbox's pages
p50/p95 as Locust timed them, reply queued → accepted by the sandbox p50/p95, the notice batch's
drain (messages/s, and the rate Shopee's per-shop pace allows), CPU per process kind (cores, from
/proc: each process group, PostgreSQL's backends of the database, redis-server) and the machine's
CPU use. The machine is shared: the load average is printed with the figures. Logs and Locust's CSV
files are kept under var/capacity/.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "capacity"
LOCUST = ROOT / "var" / "bench-venv" / "bin" / "locust"
sys.path.insert(0, str(ROOT))


def capacity_database(url: str) -> str:
    """A fresh database beside the URL's (`<name>_capacity`), on the same server."""
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'tmschat'}_capacity"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def production_env(sandbox_url: str, web_url: str) -> dict[str, str]:
    """The environment of every process (and of this one): DEBUG=0 as in compose, fresh secrets."""
    from cryptography.fernet import Fernet

    database = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database.startswith("postgres") or not redis_url.startswith("redis"):
        sys.exit("set DATABASE_URL (PostgreSQL), REDIS_URL and CELERY_BROKER_URL (Redis): see the docstring")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TMSCHAT_"))}
    return keep | {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SHOPEE_PARTNER_ID": "2001887",
        "SHOPEE_PARTNER_KEY": secrets.token_hex(32),
        "SHOPEE_PUSH_KEY": "",
        "SHOPEE_BASE_URL": sandbox_url,
        "SHOPEE_AUTH_PAGE_URL": f"{sandbox_url}/auth",
        "SELLERCENTRE_MAIN_URL": sandbox_url,
        "SELLERCENTRE_SELLER_URL": sandbox_url,
        # Plain HTTP to the sandbox: `page` signing opens Chromium per shop, another scenario.
        "SELLERCENTRE_SIGNING": "none",
        "PUBLIC_BASE_URL": web_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": capacity_database(database),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", redis_url),
        "REDIS_URL": redis_url,
        "TMSCHAT_VAR_DIR": str(OUT / "var"),
        "TMSCHAT_SHARED_DIR": str(OUT / "shared"),
        "DJANGO_SETTINGS_MODULE": "tmschat.settings",
        "PYTHONUNBUFFERED": "1",
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The product is imported only once the environment above is in place.
SANDBOX_PORT, WEB_PORT = free_port(), free_port()
SANDBOX_URL, WEB_URL = f"http://127.0.0.1:{SANDBOX_PORT}", f"http://127.0.0.1:{WEB_PORT}"
if __name__ == "__main__":
    ENV = production_env(SANDBOX_URL, WEB_URL)
    os.environ.update(ENV)
    (OUT / "var").mkdir(parents=True, exist_ok=True)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,  # noqa: E402
)
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Shop  # noqa: E402
from bench.live_inbox import stop_processes  # noqa: E402
from bench.sellercentre_sync import setup as verified_shops  # noqa: E402
from chat.models import Conversation, Message  # noqa: E402
from chat.sync import chat_sync_shop  # noqa: E402
from outbox.models import OutgoingMessage  # noqa: E402
from outbox.services import Draft, outbox_queue_many  # noqa: E402
from tests.utils import celery_command, celery_worker_command  # noqa: E402

PREFIX = "capacity"
NOTICE_BUYER, NOTICE_BUYERS = 750_000_000, 5  # each shop's notices go to these buyers in turn
PAGES = ("inbox page", "list poll", "conversation pane", "thread poll", "reply")


class SandboxProcess:
    """`python -m shopee.sandbox` on its port, and the calls bench/sellercentre_sync.setup makes."""

    def __init__(self, env: dict[str, str]) -> None:
        self.log = open(OUT / "sandbox.log", "wb")  # noqa: SIM115 - kept for the run
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shopee.sandbox", "--port", str(SANDBOX_PORT)]
            + ["--partner-id", env["SHOPEE_PARTNER_ID"], "--partner-key", env["SHOPEE_PARTNER_KEY"]],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.session = requests.Session()
        wait_for(lambda: self._up(), 30, "the sandbox")

    def _up(self) -> bool:
        try:
            return self.session.get(f"{SANDBOX_URL}/_sandbox/shops", timeout=2).ok
        except requests.RequestException:
            return False

    def control(self, method: str, path: str, **body):
        answer = self.session.request(method, f"{SANDBOX_URL}/_sandbox{path}", json=body or None, timeout=120)
        answer.raise_for_status()
        return answer.json()

    def create_shop(self, **fields) -> dict:
        return self.control("POST", "/shops", **fields)

    def sc_tap_link(self, shop_id: str) -> dict:
        return self.control("POST", f"/shops/{shop_id}/sellercentre/tap_link")

    def buyer_says(self, shop_id: str, text: str, *, buyer_id: str) -> dict:
        return self.control("POST", "/messages/buyer", shop_id=shop_id, text=text, buyer_id=buyer_id)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := predicate():
            return found
        time.sleep(0.2)
    sys.exit(f"timed out waiting for {what}")


def prepare(sandbox: SandboxProcess, args) -> dict:
    """Migrate; verify the shops, pull each once, share them among the staff; write Locust's plan."""
    for step in (["compile_translations"], ["collectstatic", "--noinput", "-v0"], ["migrate", "-v0"]):
        call_command(*step)
    call_command("install_schedule", verbosity=0)
    # A shop's notices go to the buyers who wrote to it, several each: Shopee's "5 messages until
    # the buyer answers" would refuse some of them, and that rule is not what is measured.
    sandbox.control("POST", "/config", rule_5_messages=False)
    started = time.monotonic()
    shops = verified_shops(sandbox, args.shops, args.chats, PREFIX)
    for shop in shops:
        # The notices' readers: buyers who ordered and once wrote, not those staff are talking to
        # (a buyer's messages go in the order they were queued: a reply would wait for notices).
        for n in range(NOTICE_BUYERS):
            sandbox.buyer_says(shop.shop_id, "謝謝", buyer_id=str(NOTICE_BUYER + n))
        chat_sync_shop(shop=shop)
    User = get_user_model()
    chat_buyers = [str(700_000_000 + b) for b in range(args.chats)]  # as bench/sellercentre_sync.py
    staff = []
    for n in range(args.staff):
        user, _ = User.objects.get_or_create(username=f"{PREFIX}-staff{n}", defaults={"is_staff": True})
        mine = shops[n :: args.staff]
        Shop.objects.filter(pk__in=[s.pk for s in mine]).update(salesperson=user)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        talking = Conversation.objects.filter(shop__in=mine, buyer_id__in=chat_buyers)
        conversations = list(talking.values_list("pk", flat=True))
        staff.append({"session": session.session_key, "conversations": conversations})
    print(
        f"{len(shops)} shops verified and pulled, {args.staff} staff, in {time.monotonic() - started:.0f} s"
    )
    return {
        "sandbox": SANDBOX_URL,
        "buyer_rate": args.buyer_rate,
        "staff": staff,
        "shops": [{"shop_id": s.shop_id, "buyers": chat_buyers} for s in shops],
    }


# -- the processes -------------------------------------------------------------------------------


def start_product(env: dict[str, str], concurrency: int, tag: str) -> dict[str, subprocess.Popen]:
    interactive = max(1, concurrency // 2)
    commands = {
        "web (gunicorn)": [
            sys.executable,
            "-m",
            "gunicorn",
            "tmschat.wsgi",
            "--bind",
            f"127.0.0.1:{WEB_PORT}",
        ]
        + ["--workers", "3", "--timeout", "30"],
        "worker": celery_worker_command(
            queues="default,outbox,sync", concurrency=concurrency, name=f"capacity-worker-{tag}"
        ),
        "interactive": celery_worker_command(
            queues="interactive", concurrency=interactive, name=f"capacity-interactive-{tag}"
        ),
        "beat": celery_command("beat", "-l", "info", "-s", str(OUT / "beat-schedule")),
        "chat_live": [sys.executable, "manage.py", "chat_live"],
    }
    started = {}
    for name, command in commands.items():
        log = open(OUT / f"{name.split()[0]}-{tag}.log", "wb")  # noqa: SIM115 - the process keeps it
        started[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def up() -> bool:
        for name, proc in started.items():
            if proc.poll() is not None:
                sys.exit(f"{name} died: see {OUT}")
        try:
            return requests.get(f"{WEB_URL}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_for(up, 90, "gunicorn")
    return started


# -- watching: what the database stores, and CPU from /proc ----------------------------------------


class Watch(threading.Thread):
    """Every 0.1 s: the messages stored since the last look (first seen, by Shopee id)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()
        self.last = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def run(self) -> None:
        while not self.stop.is_set():
            rows = list(
                Message.objects.filter(pk__gt=self.last, from_buyer=True)
                .order_by("pk")
                .values_list("pk", "message_id")[:5000]
            )
            now = time.time()
            for pk, message_id in rows:
                self.seen.setdefault(message_id, now)
                self.last = max(self.last, pk)
            self.stop.wait(0.1)
        connection.close()


def _stat(pid: int) -> tuple[int, float] | None:
    """(process group, CPU seconds of the process and its reaped children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[2]), sum(int(fields[i]) for i in (11, 12, 13, 14)) / ticks


def _machine() -> tuple[float, float]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / os.sysconf("SC_CLK_TCK"), sum(values) / os.sysconf("SC_CLK_TCK")


class Cpu(threading.Thread):
    """Every 2 s: CPU seconds per process kind, as the sum of each process's growth while seen."""

    def __init__(self, kinds: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.kinds = kinds  # name → process group
        self.used: dict[str, float] = defaultdict(float)
        self.last: dict[tuple[str, int], float] = {}
        self.stop = threading.Event()
        self.redis = [pid for pid in _pids() if _comm(pid) == "redis-server"]

    def sample(self) -> None:
        groups = {pgid: name for name, pgid in self.kinds.items()}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            backends = {row[0] for row in cursor.fetchall()}
        for pid in _pids():
            if pid in backends:
                name = "PostgreSQL (backends of this database)"
            elif pid in self.redis:
                name = "redis-server (shared with others)"
            else:
                stat = _stat(pid)
                name = groups.get(stat[0]) if stat else None
            stat = _stat(pid) if name else None
            if stat is None:
                continue
            key = (name, pid)
            if key in self.last:
                self.used[name] += max(0.0, stat[1] - self.last[key])
            self.last[key] = stat[1]

    def run(self) -> None:
        self.started, self.machine = time.monotonic(), _machine()
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(2)
        self.sample()
        busy, total = _machine()
        self.busy_share = (busy - self.machine[0]) / max(1e-9, total - self.machine[1])
        self.seconds = time.monotonic() - self.started
        connection.close()


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


# -- one run -------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def queue_notices(shops: list[Shop], count: int, tag: str) -> tuple[float, list[int]]:
    per_shop = max(1, count // len(shops))
    drafts = [
        Draft(
            shop=shop,
            buyer_id=str(NOTICE_BUYER + n % NOTICE_BUYERS),
            text=f"您的訂單已出貨，感謝您的購買 ({tag} {n})",
            idempotency_key=f"{PREFIX}:{tag}:{shop.pk}:{n}",
        )
        for shop in shops
        for n in range(per_shop)
    ]
    found = outbox_queue_many(drafts=drafts, origin=OutgoingMessage.Origin.BATCH_NOTICE)
    return time.time(), list(found.values())


def one_run(sandbox: SandboxProcess, plan_path: Path, args, concurrency: int, tag: str) -> dict:
    processes = start_product(ENV, concurrency, tag)
    watch = Watch()
    injected_log = OUT / f"injected-{tag}.tsv"
    injected_log.write_text("")
    plan = json.loads(plan_path.read_text()) | {"injected_log": str(injected_log)}
    plan_path.write_text(json.dumps(plan))
    cpu = Cpu({name: proc.pid for name, proc in processes.items()} | {"sandbox (Shopee)": sandbox.proc.pid})
    load_before = os.getloadavg()[0]
    users = args.staff + 1
    locust = subprocess.Popen(
        [str(LOCUST), "-f", str(ROOT / "bench" / "capacity" / "locustfile.py"), "--headless"]
        + ["-u", str(users), "-r", str(users), "-t", f"{args.seconds}s", "--host", WEB_URL]
        + ["--csv", str(OUT / f"locust-{tag}"), "--only-summary", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=dict(os.environ, CAPACITY_PLAN=str(plan_path)),
        stdout=open(OUT / f"locust-{tag}.log", "wb"),  # noqa: SIM115 - the process keeps it
        stderr=subprocess.STDOUT,
    )
    started = time.time()
    watch.start()
    cpu.start()
    try:
        time.sleep(args.batch_after)
        shops = list(Shop.objects.filter(salesperson__username__startswith=PREFIX).order_by("pk"))
        queued_at, notice_pks = queue_notices(shops, args.notices, tag)
        locust.wait(timeout=args.seconds + 120)
        ended = time.time()
        load_after = os.getloadavg()[0]
    finally:
        watch.stop.set()
        cpu.stop.set()
        cpu.join(timeout=30)
        if locust.poll() is None:
            locust.terminate()
        stop_processes(list(processes.values()))
    return collect(
        tag,
        args,
        concurrency,
        watch,
        cpu,
        injected_log,
        started,
        ended,
        queued_at,
        notice_pks,
        sandbox,
        (load_before, load_after),
    )


def collect(
    tag, args, concurrency, watch, cpu, injected_log, started, ended, queued_at, notice_pks, sandbox, load
):
    """The run's figures."""
    injected = [line.split("\t") for line in injected_log.read_text().splitlines() if line.strip()]
    lags = [watch.seen[mid] - float(at) for mid, at in injected if mid in watch.seen]
    accepted = {
        d["message_id"]: d["received_ns"] / 1e9 for d in sandbox.control("GET", "/deliveries")["deliveries"]
    }
    replies = OutgoingMessage.objects.filter(
        origin=OutgoingMessage.Origin.REPLY, created_at__gte=_aware(started)
    ).values_list("created_at", "shopee_message_id", "state")
    reply_latency = [accepted[mid] - created.timestamp() for created, mid, _ in replies if mid in accepted]
    notices = OutgoingMessage.objects.filter(pk__in=notice_pks)
    sent = list(notices.filter(state=OutgoingMessage.State.SENT).values_list("shopee_message_id", flat=True))
    notice_times = sorted(accepted[mid] for mid in sent if mid in accepted)
    pages = {}
    with open(OUT / f"locust-{tag}_stats.csv", encoding="utf-8") as stats:
        import csv

        for row in csv.DictReader(stats):
            pages[row["Name"]] = row
    pace = min(Shop.objects.first().send_rate_per_second, settings.SELLERCENTRE_SEND_RATE_PER_SECOND)
    return {
        "tag": tag,
        "concurrency": concurrency,
        "seconds": ended - started,
        "load": load,
        "injected": len(injected),
        "lags": lags,
        "replies": len(replies),
        "reply_latency": reply_latency,
        "replies_sent": sum(1 for _c, _m, state in replies if state == OutgoingMessage.State.SENT),
        "notices": len(notice_pks),
        "notices_sent": len(sent),
        "notice_rate": len(notice_times) / (notice_times[-1] - queued_at) if notice_times else 0.0,
        "drained_in": (notice_times[-1] - queued_at)
        if len(sent) == len(notice_pks) and notice_times
        else None,
        "pace_rate": pace * Shop.objects.filter(salesperson__username__startswith=PREFIX).count(),
        "left": OutgoingMessage.objects.filter(state__in=(OutgoingMessage.State.QUEUED, "sending")).count(),
        "pages": pages,
        "cpu": {name: used / cpu.seconds for name, used in sorted(cpu.used.items())},
        "busy_share": cpu.busy_share,
    }


def _aware(timestamp: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC)


def report(run: dict, args) -> None:
    print(
        f"\n== {args.shops} TW shops (Seller Centre, live signal), {args.staff} staff with the inbox open, "
        f"{args.buyer_rate:g} buyer messages/s, {run['notices']} notices queued at {args.batch_after} s; "
        f"worker -c {run['concurrency']}, interactive -c {max(1, run['concurrency'] // 2)}, gunicorn 3 workers =="
    )
    print(
        f"run {run['seconds']:.0f} s on {os.cpu_count()} cores shared with other work: load average "
        f"{run['load'][0]:.1f} before, {run['load'][1]:.1f} after; machine CPU busy {run['busy_share']:.0%}"
    )
    lags = run["lags"]
    print(
        f"sync lag, buyer message on the sandbox → stored: p50 {percentile(lags, 0.5):.2f} s, "
        f"p95 {percentile(lags, 0.95):.2f} s ({len(lags)} of {run['injected']} stored within the run)"
    )
    for name in PAGES:
        row = run["pages"].get(name)
        if row:
            print(
                f"  {name:<18} {int(row['Request Count']):>6} requests, p50 {row['50%']} ms, p95 {row['95%']} ms, "
                f"{int(row['Failure Count'])} failed"
            )
    latency = run["reply_latency"]
    print(
        f"reply queued → accepted by the sandbox: p50 {percentile(latency, 0.5):.2f} s, p95 "
        f"{percentile(latency, 0.95):.2f} s ({run['replies_sent']} of {run['replies']} replies sent)"
    )
    drained = f"drained in {run['drained_in']:.0f} s" if run["drained_in"] else "not drained within the run"
    print(
        f"notice batch: {run['notices_sent']} of {run['notices']} sent, {run['notice_rate']:.1f} messages/s, "
        f"{drained} (Shopee's per-shop pace allows {run['pace_rate']:.1f}/s); {run['left']} messages still "
        "queued or sending at the end"
    )
    print("CPU per process kind (cores):")
    for name, cores in sorted(run["cpu"].items(), key=lambda item: -item[1]):
        print(f"  {name:<42} {cores:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shops", type=int, default=200)
    parser.add_argument("--chats", type=int, default=10, help="buyers who wrote, per shop")
    parser.add_argument("--staff", type=int, default=30)
    parser.add_argument("--buyer-rate", type=float, default=5.0)
    parser.add_argument("--notices", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--batch-after", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=2, help="processes of the background worker")
    parser.add_argument("--compare", action="store_true", help="then again with twice the worker processes")
    args = parser.parse_args()
    if not LOCUST.exists():
        sys.exit(f"no Locust at {LOCUST}: see the docstring")
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        sys.exit("PostgreSQL and Redis only: see the docstring")
    sandbox = SandboxProcess(ENV)
    try:
        plan_path = OUT / "plan.json"
        plan_path.write_text(json.dumps(prepare(sandbox, args)))
        runs = [one_run(sandbox, plan_path, args, args.concurrency, "1x")]
        report(runs[0], args)
        if args.compare:
            # The second run starts as the first did: nothing of the first left to send.
            OutgoingMessage.objects.exclude(state=OutgoingMessage.State.SENT).update(
                state=OutgoingMessage.State.CANCELLED, claim_token="", lease_expires_at=None
            )
            runs.append(one_run(sandbox, plan_path, args, 2 * args.concurrency, "2x"))
            report(runs[1], args)
            first, second = runs
            print("\n== twice the worker processes, as a ratio to the first run ==")
            print(f"notice throughput ×{second['notice_rate'] / max(1e-9, first['notice_rate']):.2f}")
            print(
                f"sync lag p95 ×{percentile(second['lags'], 0.95) / percentile(first['lags'], 0.95):.2f}, "
                f"reply queued → accepted p95 ×"
                f"{percentile(second['reply_latency'], 0.95) / percentile(first['reply_latency'], 0.95):.2f}"
            )
    finally:
        os.killpg(sandbox.proc.pid, signal.SIGTERM)
        sandbox.proc.wait(timeout=20)


if __name__ == "__main__":
    main()

"""Outbox throughput of one worker process against a sandbox without rate limits (target ≥ 50/s),
and the share of the worker's time spent outside the HTTP call to Shopee.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_bench \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/2 REDIS_URL=redis://127.0.0.1:6379/2 \
    .venv/bin/python bench/outbox_throughput.py [--messages 1000]

1. A real Celery worker (one process, queue "outbox") is running idle; the messages are queued
   in one transaction (a batch notice); messages/s = messages / (last accepted − commit).
2. The same delivery code in this process (the worker stopped) on as many new messages, timing
   the send_message calls: the rest of the drain is the worker's own time (its database round
   trips and Python; target under 3 ms a message), and counting its database round trips
   (statements, BEGIN and COMMIT).
Setup (database, sandbox process, shop, buyers) is shared with outbox_latency.py.
"""

from __future__ import annotations

import argparse
import cProfile
import time
from contextlib import nullcontext

from django.db import connection, transaction
from outbox_latency import (  # sets Django up: import it before the apps
    SandboxProcess,
    bench_shop,
    buyers_who_wrote,
    prepare,
    queue,
    require_services,
    start_worker,
    wait_sent,
)

from outbox.delivery import outbox_deliver_due
from shopee.client import ShopClient
from tmschat.celery import app

PER_BUYER = 4  # Shopee allows 5 seller messages in a row


def queue_batch(shop, buyers: list[str], count: int, label: str) -> float:
    """Queue `count` messages in one transaction; returns when it committed (time.time())."""
    with transaction.atomic():
        for n in range(count):
            queue(shop, buyers[n % len(buyers)], f"{label} 出貨通知 #{n}")
    return time.time()


def with_worker(sandbox: SandboxProcess, count: int) -> tuple[float, float]:
    """Messages/s through a real worker: from the commit, and from the first acceptance."""
    shop = bench_shop(sandbox, rate=1_000_000)
    buyers = buyers_who_wrote(sandbox, shop, count // PER_BUYER, first_id=810_000_000)
    worker = start_worker(sandbox)
    try:
        time.sleep(1)
        committed = queue_batch(shop, buyers, count, "worker")
        wait_sent(shop, count)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    accepted = sorted(sandbox.accepted_at().values())[-count:]
    return count / (accepted[-1] - committed), count / (accepted[-1] - accepted[0])


def in_process(sandbox: SandboxProcess, count: int, profile: str = "") -> tuple[float, float, float, int]:
    """The drain in this process: messages/s, seconds in total and inside send_message, and its
    SQL statements."""
    shop = bench_shop(sandbox, rate=1_000_000)
    buyers = buyers_who_wrote(sandbox, shop, count // PER_BUYER, first_id=820_000_000)
    queue_batch(shop, buyers, count, "in-process")
    with app.connection_for_write() as conn:  # no worker runs: the batch's kicks are not needed
        conn.default_channel.queue_purge("outbox")
    in_http = 0.0
    send_message = ShopClient.send_message

    def timed(self, *args, **kwargs):
        nonlocal in_http
        started = time.perf_counter()
        try:
            return send_message(self, *args, **kwargs)
        finally:
            in_http += time.perf_counter() - started

    ShopClient.send_message = timed
    statements = 0

    def counted(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    try:
        with (
            connection.execute_wrapper(counted),
            cProfile.Profile() if profile else nullcontext() as profiler,
        ):
            started = time.perf_counter()
            sent = outbox_deliver_due(budget_seconds=600)
            total = time.perf_counter() - started
        if profiler:
            profiler.dump_stats(profile)
    finally:
        ShopClient.send_message = send_message
    assert sent == count, f"sent {sent} of {count}"
    return count / total, total, in_http, statements


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--profile", default="", help="write cProfile stats of the in-process drain here")
    args = parser.parse_args()
    count = args.messages - args.messages % PER_BUYER
    require_services()
    sandbox = SandboxProcess()
    try:
        prepare(sandbox)
        from_commit, steady = with_worker(sandbox, count)
        rate, total, in_http, round_trips = in_process(sandbox, count, args.profile)
    finally:
        sandbox.stop()
    print(f"outbox throughput, {count} messages to {count // PER_BUYER} buyers, sandbox without rate limit,")
    print("PostgreSQL + Redis:")
    print(
        f"  one Celery worker process: {from_commit:.0f} messages/s from the commit ({steady:.0f}/s steady)"
    )
    print(f"  the same drain in-process: {rate:.0f} messages/s, {total:.2f} s in all,")
    print(
        f"    {in_http:.2f} s inside send_message, {(total - in_http) / total:.0%} of the time outside the HTTP call"
    )
    print(
        f"  a worker's own time per delivered message: {(total - in_http) / count * 1000:.2f} ms"
        f" (target < 3 ms), of {total / count * 1000:.2f} ms in all"
    )
    print(
        f"  SQL statements per message: {round_trips / count:.2f} ({round_trips} in all; each a round trip,"
        " as is each transaction's BEGIN and COMMIT)"
    )


if __name__ == "__main__":
    main()

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def celery_command(*args: str) -> list[str]:
    """`celery -A tmschat …` run by this interpreter (the project's venv)."""
    return [sys.executable, "-m", "celery", "-A", "tmschat", *args]


def celery_worker_command(*, queues: str, concurrency: int, name: str, loglevel: str = "info") -> list[str]:
    """A worker as the tests and the benchmarks start it: named, and taking tasks at once
    (gossip and mingle only slow a lone worker's start)."""
    return celery_command(
        "worker",
        *("-l", loglevel, "-Q", queues, "-c", str(concurrency), "-n", f"{name}@%h"),
        *("--without-gossip", "--without-mingle"),
    )


def queue_depth(queue: str) -> int:
    """Tasks waiting in one of the broker's queues (Redis or the filesystem broker alike)."""
    from kombu.exceptions import ChannelError

    from tmschat.celery import app

    with app.connection_for_read() as connection:
        try:
            return connection.default_channel.queue_declare(queue=queue, passive=True).message_count
        except ChannelError:  # not declared yet: no task was ever sent to it, none waits
            return 0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need(condition: bool, reason: str) -> None:
    """Skip on a developer's bare machine; fail in CI where every service must be present."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def redis_available() -> bool:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def wait_until(predicate, *, timeout: float = 20.0, interval: float = 0.1, message: str = "condition"):
    """Poll `predicate` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


@contextmanager
def screenshot_on_failure(page, name: str):
    try:
        yield
    except Exception:
        out = ROOT / "test-results"
        out.mkdir(exist_ok=True)
        page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        raise


def signed_in(user, **client_options):
    """A test client signed in as `user`."""
    from django.test import Client

    client = Client(**client_options)
    client.force_login(user)
    return client


def assert_only_its_salesperson_and_a_manager_get(helper, thing, *, salesperson, other_staff, manager):
    """The three-user check of a `<thing>_for(user, pk)` helper: the shop's salesperson and an
    all-shops manager get `thing`, other staff a 404 (as if it did not exist)."""
    from django.http import Http404

    assert helper(salesperson, thing.pk) == thing
    assert helper(manager, thing.pk) == thing
    with pytest.raises(Http404):
        helper(other_staff, thing.pk)


def migrate_to(targets):
    """Migrate the test database to `targets` (app, migration) pairs; returns the executor, its
    graph read afresh, for the project state there (`.loader.project_state(...)`)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def migrate_to_newest() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())


class ServiceProcess:
    def __init__(self, args: list[str], env: dict[str, str], log_path: Path):
        self.args = args
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker gets no chance to clean up."""
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            # Cold shutdown: tests need no warm drain (acks are late, nothing is lost).
            os.killpg(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

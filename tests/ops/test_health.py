"""/healthz answers 503 when the database or the broker is down (a load balancer stops sending
traffic; an orchestrator restarts), 200 when both answer."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time

import pytest

from tests.tmschat.test_foundation import run_settings_probe
from tests.utils import free_port, need

HEALTHZ = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps([response.status_code, json.loads(response.content)]))
"""


def healthz(tmp_path, **env) -> tuple[int, dict]:
    result = run_settings_probe(tmp_path, HEALTHZ, **{"DEBUG": "1", **env})
    assert result.returncode == 0, result.stderr
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    return status, body


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test's own, so it can be stopped without touching anyone else's."""
    need(shutil.which("redis-server") is not None, "redis-server")
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield proc, f"redis://127.0.0.1:{port}/0"
    proc.kill()
    proc.wait()


def test_healthz_fails_when_the_broker_stops(tmp_path, own_redis):
    proc, url = own_redis
    env = {"CELERY_BROKER_URL": url, "REDIS_URL": url}
    assert healthz(tmp_path, **env) == (
        200,
        {"database": True, "broker": True, "worker": False, "live": False},
    )

    proc.terminate()
    proc.wait(timeout=10)
    status, body = healthz(tmp_path, **env)
    assert status == 503
    assert body["broker"] is False and body["database"] is True


def test_healthz_fails_when_the_database_is_down(tmp_path):
    status, body = healthz(tmp_path, DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/tmschat")
    assert status == 503
    assert body["database"] is False

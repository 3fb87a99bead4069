"""Fixtures for the sandbox tests: a fresh sandbox per test, a signed raw-HTTP caller, and a small
local receiver for pushes (helpers: tests/shopee/helpers.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from shopee.sandbox import Sandbox
from tests.shopee.helpers import (
    PARTNER_ID,
    PARTNER_KEY,
    PUSH_KEY,
    Caller,
    PushReceiver,
    Received,
    ShopSession,
)


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with the test partner and fast push retries; all stopped at the end.
    These tests exercise the Open Platform's chat rules on Taiwanese demo shops, so Shopee's TW
    send refusal (on by default, as documented) is off unless a test asks for it."""
    started: list[Sandbox] = []

    def make(**config: Any) -> Sandbox:
        settings = {
            "push_retry_delays": [0.1, 0.2],
            "push_timeout_seconds": 1.0,
            "webchat_push_retry_delays": [0.1, 0.2],
            "webchat_push_timeout_seconds": 1.0,
            "tw_send_refused": False,
        } | config
        sandbox = Sandbox(partner_id=PARTNER_ID, partner_key=PARTNER_KEY, push_key=PUSH_KEY, **settings)
        started.append(sandbox.start())
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sb(make_sandbox) -> Sandbox:
    return make_sandbox()


@pytest.fixture
def make_caller() -> Callable[..., Caller]:
    return Caller


@pytest.fixture
def caller(sb: Sandbox) -> Caller:
    return Caller(sb.url)


@pytest.fixture
def shop(sb: Sandbox, caller: Caller) -> ShopSession:
    """Shop 242826267 (ktmst), authorized."""
    sb.create_shop(shop_id="242826267", account="ktmst", password="demo1234", name="我的測試賣場")
    return caller.shop_session("242826267", sb.authorize_code("242826267"))


@pytest.fixture
def receiver() -> Iterator[PushReceiver]:
    state = PushReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append(Received(self.path, dict(self.headers), raw))
            status = state.statuses.pop(0) if state.statuses else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/shopee/push/"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()

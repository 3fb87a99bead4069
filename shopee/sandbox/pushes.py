"""Pushes: what Shopee POSTs to the partner's callback URL, retried, and kept as "lost" when missed.

Every push not acknowledged (HTTP 2xx within the timeout) at the first try stays listed by
push/get_lost_push_message until the partner confirms it, even if a later retry gets through.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from shopee.sandbox.config import DAY, SandboxConfig
from shopee.sandbox.core import Core
from shopee.sandbox.state import Push
from shopee.signing import push_signature

log = logging.getLogger(__name__)

LOST_PAGE_SIZE = 100
PUSH_WEBCHAT = 10

# Never route pushes through a proxy from the environment: the callback is a local address.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def push_emit(core: Core, code: int, data: dict[str, Any], *, shop_id: str | None = None) -> Push:
    """Queue one push. Shop-level pushes carry `shop_id`; partner-level ones (2, 12) `partner_id`."""
    world = core.world
    now = world.now_s()
    body: dict[str, Any] = {"data": data}
    if shop_id is not None:
        body["shop_id"] = int(shop_id)
    else:
        body["partner_id"] = core.config.partner_id
    body |= {"code": code, "timestamp": now, "msg_id": secrets.token_hex(16)}
    push = Push(
        push_id=world.next_push_id(),
        code=code,
        shop_id=shop_id,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        timestamp=now,
        next_attempt_at=time.time(),
    )
    if not core.config.callback_url:
        push.state, push.lost, push.last_error = "failed", True, "no callback URL configured"
    # Settled pushes older than the lost-list retention are of no use to anyone: keep the state small.
    oldest = _oldest_kept(core)
    world.pushes = [p for p in world.pushes if p.timestamp >= oldest or p.state == "pending"]
    world.pushes.append(push)
    core.push_wakeup.set()
    core.changed()
    return push


def _oldest_kept(core: Core) -> int:
    """Timestamp of the oldest push the lost list still shows."""
    return core.world.now_s() - core.config.lost_push_retention_days * DAY


def lost_pushes(core: Core) -> list[Push]:
    oldest = _oldest_kept(core)
    return [p for p in core.world.pushes if p.lost and not p.confirmed and p.timestamp >= oldest]


def lost_page(core: Core) -> dict[str, Any]:
    """The earliest unconfirmed lost pushes, as push/get_lost_push_message answers them."""
    lost = lost_pushes(core)
    page = lost[:LOST_PAGE_SIZE]
    items = []
    for push in page:
        body = json.loads(push.body)
        item: dict[str, Any] = {"code": push.code, "timestamp": push.timestamp}
        if push.shop_id is not None:
            item["shop_id"] = int(push.shop_id)
        item["data"] = json.dumps(body["data"], ensure_ascii=False)  # a JSON string, as documented
        items.append(item)
    return {
        "push_message_list": items,
        "has_next_page": len(lost) > LOST_PAGE_SIZE,
        "last_message_id": page[-1].push_id if page else 0,
    }


def confirm_lost(core: Core, last_message_id: int) -> int:
    """Mark every lost push up to `last_message_id` consumed; returns how many."""
    confirmed = 0
    for push in lost_pushes(core):
        if push.push_id <= last_message_id:
            push.confirmed = True
            confirmed += 1
    core.changed()
    return confirmed


def push_summary(push: Push) -> dict[str, Any]:
    return {
        "push_id": push.push_id,
        "code": push.code,
        "shop_id": push.shop_id,
        "state": push.state,
        "attempts": push.attempts,
        "lost": push.lost,
        "confirmed": push.confirmed,
        "last_error": push.last_error,
        "body": json.loads(push.body),
    }


def deliver(url: str, push_key: str, body: str, timeout: float) -> str:
    """POST one signed push; "" when acknowledged, else why not."""
    if not url.startswith(("http://", "https://")):
        return "the callback URL must be http(s)"
    raw = body.encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=raw,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": push_signature(push_key, url, raw)},
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read()
            return "" if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


class PushSender(threading.Thread):
    """Delivers due pushes one at a time, in order, from a background thread."""

    def __init__(self, core: Core) -> None:
        super().__init__(name="sandbox-push-sender", daemon=True)
        self.core = core

    def run(self) -> None:
        core = self.core
        while not core.stopping.is_set():
            try:
                self._send_next()
            except Exception:
                # One bad push must not silence every later one.
                log.exception("the push sender failed; it carries on")
                core.stopping.wait(0.5)

    def _send_next(self) -> None:
        core = self.core
        core.push_wakeup.clear()
        with core.lock:
            push, wait = self._next_due()
            config = core.config
            url, key = config.callback_url, config.signing_push_key
            timeout = _schedule(config, push)[1] if push else 0.0
        if push is None:
            core.push_wakeup.wait(min(wait, 1.0))
            return
        error = deliver(url, key, push.body, timeout) if url else "no callback URL configured"
        if error:
            log.info("push %s (code %s) not delivered: %s", push.push_id, push.code, error)
        with core.lock:
            self._record(push, error)

    def _next_due(self) -> tuple[Push | None, float]:
        now = time.time()
        pending = [p for p in self.core.world.pushes if p.state == "pending"]
        due = [p for p in pending if p.next_attempt_at <= now]
        if due:
            return min(due, key=lambda p: p.push_id), 0.0
        return None, min((p.next_attempt_at - now for p in pending), default=1.0)

    def _record(self, push: Push, error: str) -> None:
        if not any(p is push for p in self.core.world.pushes):
            return  # the sandbox was reset meanwhile
        push.attempts += 1
        push.last_error = error
        delays = _schedule(self.core.config, push)[0]
        if not error:
            push.state = "delivered"
        else:
            push.lost = push.lost or push.attempts == 1
            if push.attempts <= len(delays):
                push.next_attempt_at = time.time() + float(delays[push.attempts - 1])
            else:
                push.state = "failed"
        self.core.changed()


def _schedule(config: SandboxConfig, push: Push) -> tuple[list[float], float]:
    """(retry delays, timeout) of a push: buyer messages are retried sooner, with less patience."""
    if push.code == PUSH_WEBCHAT:
        return config.webchat_push_retry_delays, config.webchat_push_timeout_seconds
    return config.push_retry_delays, config.push_timeout_seconds

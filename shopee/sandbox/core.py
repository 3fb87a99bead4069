"""The sandbox's shared parts: state, settings, faults, the one lock, and Shopee's refusals."""

from __future__ import annotations

import copy
import random
import threading
from collections import Counter
from dataclasses import dataclass

from shopee.errors import AUTH_CODES, RATE_CODES, TRANSIENT_CODES
from shopee.sandbox.config import Faults, SandboxConfig
from shopee.sandbox.limits import RateLimiter
from shopee.sandbox.state import World


class ApiError(Exception):
    """A refusal in Shopee's words; the server turns it into the JSON envelope."""

    def __init__(self, code: str, message: str, *, http_status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status or status_for(code)


def status_for(code: str) -> int:
    """HTTP status for an error code (Shopee documents none; clients key off `error`)."""
    bare = code.rsplit(".", 1)[-1]
    if bare in RATE_CODES:
        return 429
    if bare in AUTH_CODES:
        return 403
    if bare in TRANSIENT_CODES:
        return 500
    return 400


@dataclass
class AuthSession:
    """One seller going through the authorization pages."""

    session_id: str
    redirect_url: str
    state: str | None  # echoed back by the newer open.shopee.com form only
    created: float
    step: str = "login"  # login -> phone -> consent
    shop_id: str | None = None


class Core:
    """Everything request handlers share. Hold `lock` while reading or changing `world`."""

    def __init__(self, config: SandboxConfig) -> None:
        self.initial_config = copy.deepcopy(config)
        self.config = config
        self.faults = Faults()
        self.world = World()
        self.lock = threading.RLock()
        self.stopping = threading.Event()  # set at stop: sleeping handlers wake up
        self.push_wakeup = threading.Event()  # a push is waiting for the sender
        self.dirty = threading.Event()  # the state file needs saving
        self.calls: Counter[tuple[str, str]] = Counter()  # (path, shop_id) -> API calls received
        self.auth_sessions: dict[str, AuthSession] = {}
        self.limiter = RateLimiter()
        self.rng = random.Random()

    def changed(self) -> None:
        self.dirty.set()

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the sandbox stops."""
        if seconds > 0:
            self.stopping.wait(seconds)

    def reset(self, world: World) -> None:
        self.world = world
        self.config = copy.deepcopy(self.initial_config)
        self.faults = Faults()
        self.calls.clear()
        self.auth_sessions.clear()
        self.limiter = RateLimiter()
        self.changed()

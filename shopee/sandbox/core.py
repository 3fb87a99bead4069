"""The sandbox's shared parts: state, settings, faults, the one lock, and Shopee's refusals."""

from __future__ import annotations

import copy
import random
import threading
from collections import Counter, deque
from dataclasses import dataclass, field

from shopee.sandbox.config import Faults, SandboxConfig
from shopee.sandbox.limits import RateLimiter
from shopee.sandbox.state import World


@dataclass(frozen=True)
class Documented:
    """How the sandbox answers one of Shopee's error strings."""

    http_status: int
    message: str  # Shopee's words where SHOPEE_API.md quotes them; a call site may say more


# Shopee's error strings as SHOPEE_API.md lists them (§1 signing, §2 authorization, §5 chat rules,
# §9-10 envelope, common and module errors), keyed without the module prefix ("logistics.").
# The sandbox decides here, never from the client's tables, so the two are checked against each
# other (tests/shopee/test_error_table.py). Shopee documents no HTTP statuses (§10, UNCERTAIN):
# the sandbox answers 403 when the shop's authorization or the app's permission is refused,
# 429 for limits, 500 for Shopee's own trouble, and 400 when the request is wrong.
ERRORS: dict[str, Documented] = {
    # the request itself
    "error_param": Documented(400, "Wrong parameters."),
    "error_sign": Documented(400, "Wrong sign."),
    "invalid_partner_id": Documented(400, "Invalid partner_id."),
    "error_not_found": Documented(400, "Wrong parameters, detail: the order is not found."),
    "order_list_invalid_time": Documented(400, "Invalid time range."),
    "package_can_not_print": Documented(400, "The package can not print now"),
    "invalid_order_status": Documented(400, "Order status does not support awb printing"),
    # the shop's authorization: the seller must verify again
    "error_auth": Documented(403, "Invalid access_token."),
    "invalid_acceess_token": Documented(403, "Invalid access_token."),  # sic, Shopee's spelling
    "invalid_code": Documented(403, "Invalid code."),
    "invalid_shop_id": Documented(403, "Invalid shop_id."),
    "refresh_token_expired": Documented(403, "Invalid refresh_token."),
    "shop_access_expired": Documented(403, "access to shop has expired"),
    "error_shop_refresh_token": Documented(403, "Invalid refresh_token."),
    "shop_no_linked": Documented(403, "shop and main account is disconnected"),
    "partner_shop_no_link": Documented(403, "The shop is not linked to this partner."),
    "shop_banned": Documented(403, "The shop is banned."),
    # chat rules of Shopee's (§5): the message is refused, the shop stays authorized
    "message_too_long": Documented(400, "The message is too long."),
    "reach_5_message_limit": Documented(400, "At most 5 messages until the buyer answers."),
    "first_chat_without_order_info": Documented(400, "The first message to a buyer needs an order."),
    "user_is_forbidden": Documented(400, "The buyer cannot be reached."),
    "region_not_supported": Documented(400, "Sending chat messages is not supported for this region."),
    "error_api_permission": Documented(400, "No permission to this API."),
    # limits
    "error_rate_limit": Documented(429, "Too many requests, please try again later (rate limit)."),
    "error_limit": Documented(429, "The daily API call quota is used up."),
    # Shopee's own trouble
    "error_server": Documented(500, "System error. Please try again later."),
    "error_network": Documented(500, "Network error. Please try again later."),
}
# A module's business error not listed above says the request does not fit the data.
UNLISTED_STATUS = 400


def documented(code: str) -> Documented:
    return ERRORS.get(code.rsplit(".", 1)[-1], Documented(UNLISTED_STATUS, code))


class ApiError(Exception):
    """A refusal in Shopee's words; the server turns it into the JSON envelope."""

    def __init__(self, code: str, message: str = "", *, http_status: int | None = None) -> None:
        answer = documented(code)
        self.code = code
        self.message = message or answer.message
        self.http_status = http_status or answer.http_status
        super().__init__(f"{code}: {self.message}")


@dataclass
class AuthSession:
    """One seller going through the authorization pages."""

    session_id: str
    redirect_url: str
    state: str | None  # echoed back by the newer open.shopee.com form only
    created: float
    step: str = "login"  # login -> phone -> consent
    shop_id: str | None = None


@dataclass
class SignalLog:
    """One shop's answered user/sync calls: how many, how many said have_new_msg, and when
    (the newest SIGNAL_TIMES, unix seconds), so tests and benchmarks can check the cadence."""

    calls: int = 0
    have_new_msg: int = 0
    times: deque[float] = field(default_factory=lambda: deque(maxlen=SIGNAL_TIMES))


SIGNAL_TIMES = 1000


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
        self.signals: dict[str, SignalLog] = {}  # shop_id -> Seller Centre's user/sync calls answered
        self.auth_sessions: dict[str, AuthSession] = {}
        self.limiter = RateLimiter()
        self.rng = random.Random()
        # The sandbox's own address, known once it listens: uploaded pictures are served there.
        self.base_url = "http://127.0.0.1"

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
        self.signals.clear()
        self.auth_sessions.clear()
        self.limiter = RateLimiter()
        self.changed()

"""What the sandbox enforces and how it misbehaves on purpose.

`SandboxConfig` holds Shopee's documented limits as defaults (SHOPEE_API.md); where the document
says UNCERTAIN the behaviour is a setting here. `Faults` holds the failures tests switch on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Demo partner credentials (never production), shared with the product's settings defaults.
DEMO_PARTNER_ID = 2001887
DEMO_PARTNER_KEY = "shpk-demo-partner-key-not-secret"

DAY = 86400


@dataclass
class SandboxConfig:
    partner_id: int = DEMO_PARTNER_ID
    partner_key: str = DEMO_PARTNER_KEY
    push_key: str | None = (
        None  # None: pushes are signed with the partner key (UNCERTAIN which one Shopee uses)
    )
    callback_url: str | None = None  # None: pushes only go to the lost list
    partner_name: str = "TMS Chat"  # the app the seller is asked to approve

    # Lifetimes [OFF]
    timestamp_tolerance_seconds: int = 300
    code_seconds: int = 600
    access_token_seconds: int = 14400
    refresh_token_days: int = 30
    authorization_days: int = 365
    # UNCERTAIN [1]: the old access token may keep working a few minutes after a refresh.
    old_access_token_grace_seconds: int = 0
    # UNCERTAIN: which code a revoked or lapsed shop's access token gets ("invalid_acceess_token" also seen).
    lapsed_token_error: str = "error_auth"

    # Orders [OFF]
    order_window_days: int = 15
    order_page_size_max: int = 100
    order_detail_max: int = 50

    # TW send_message refused as documented ("Currently TW region is not supported to send messages",
    # SHOPEE_API.md §5.1) as a standing setting rather than a fault; on by default, as the docs say
    # (TW chat goes through the Seller Centre login). The error string is UNCERTAIN.
    tw_send_refused: bool = True
    # The Open Platform gives Taiwan no chat (SHOPEE_API.md §5.1), so no webchat push (code 10)
    # goes out for a TW shop's buyer: a TW seller's messages arrive only by polling Seller Centre.
    # On only to show what a push-fed shop would see.
    tw_chat_push: bool = False

    # The Chat module is open only to apps Shopee has approved [OFF]; off: every sellerchat call is refused.
    chat_module_approved: bool = True
    # Seller chat: all [1]/UNCERTAIN in the document, hence switchable.
    conversation_page_size_max: int = 25
    message_page_size_max: int = 60
    text_max_chars: int = 600
    consecutive_seller_messages_max: int = 5
    buyer_chat_window_days: int = 7
    buyer_order_window_days: int = 30
    rule_message_length: bool = True
    rule_5_messages: bool = True
    rule_first_chat_order: bool = True
    rule_buyer_reachable: bool = True
    # A chat picture's size cap on both faces: 2 MB by two sources, 10 MB by one (UNCERTAIN).
    image_max_bytes: int = 2 * 1024 * 1024

    # Taiwan masking of non-integrated orders: the document says the buyer id is empty too.
    mask_tw_non_integrated_buyer_id: bool = True

    # Pushes [OFF]: retry delays in seconds after a failed delivery; tests use fractions of a second.
    push_retry_delays: list[float] = field(default_factory=lambda: [300.0, 1800.0, 10800.0])
    push_timeout_seconds: float = 3.0
    # Buyer messages (push 10) are retried sooner and must be acknowledged faster [OFF].
    webchat_push_retry_delays: list[float] = field(default_factory=lambda: [1.0, 2.0, 3.0])
    webchat_push_timeout_seconds: float = 2.0
    lost_push_retention_days: int = 3
    # Push 12 goes out this long before an authorization ends [OFF: one week].
    expiry_notice_days: int = 7

    # Rate limits (None = off; Shopee publishes no numbers) and the daily quota switch.
    partner_calls_per_second: float | None = None
    shop_calls_per_second: float | None = None
    daily_quota_exceeded: bool = False

    # Shipping documents take a moment [OFF: "poll until READY"]: PROCESSING until this many
    # seconds of the sandbox clock have passed since create_shipping_document, and for at least
    # `document_processing_polls` result polls; READY after.
    document_ready_seconds: float = 2.0
    document_processing_polls: int = 1
    # Arranging shipment can give a store-pickup order another 寄件編號 than the one it had before
    # (seen in Seller Centre; UNCERTAIN how often): on, ship_order always draws a new number.
    store_number_changes_on_ship: bool = True

    # Seller Centre face (login with link verification, web chat). Lifetimes are not publicly
    # known: settings. See shopee/sandbox/README.md, "Seller Centre".
    sc_session_seconds: int = 7 * DAY  # a Seller Centre session lives this long (UNKNOWN in reality)
    sc_link_seconds: int = 600  # a verification link must be tapped within this
    sc_links_per_day: int = 5  # links per shop per day before error 81900202
    sc_trust_devices: bool = True  # a device that passed verification is not asked again
    sc_signed: bool = False  # the chat API requires the header its chat page's script adds
    sc_conversation_page_size: int = 50
    sc_message_limit_max: int = 50

    # State file: saved at most this often after changes.
    save_delay_seconds: float = 0.5

    @property
    def signing_push_key(self) -> str:
        return self.push_key or self.partner_key

    def update(self, changes: dict[str, Any]) -> None:
        """Apply every change or, when one is unknown or of the wrong type, none (ValueError)."""
        apply_typed(self, changes, "config")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Faults:
    error_share: float = 0.0  # share of calls answered with error_server (HTTP 500)
    timeout_share: float = 0.0  # share of calls that sleep `timeout_seconds` then fail
    timeout_seconds: float = 15.0
    latency_ms: int = 0  # added to every call
    outage_until: float = 0.0  # time.time() until which every API call gets HTTP 503
    tw_send_restriction: bool = False  # send_message fails with region_not_supported for TW shops
    hang_seconds: float = 0.0  # accept-then-hang: send_message records the message, answers this late
    hang_count: int | None = None  # how many sends hang (None: all while hang_seconds > 0)
    paths: list[str] | None = None  # error/timeout/latency only on API paths ending so (None: all)
    # Seller Centre face
    sc_captcha: bool = False  # logins are asked for a verification other than the link
    sc_link_expired: bool = False  # every verification link is already expired
    sc_interface_changed: bool = False  # web-chat answers come in another shape

    def update(self, changes: dict[str, Any]) -> None:
        changes = dict(changes)
        if "outage_seconds" in changes:
            seconds = _number("outage_seconds", changes.pop("outage_seconds"))
            changes["outage_until"] = time.time() + seconds
        apply_typed(self, changes, "fault")

    def applies_to(self, path: str) -> bool:
        return self.paths is None or any(path.endswith(suffix) for suffix in self.paths)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outage_seconds_left"] = max(0.0, round(self.outage_until - time.time(), 3))
        return data


# Rate-limit switches are config, but the faults control accepts them too (tests think of them as faults).
RATE_KEYS = ("partner_calls_per_second", "shop_calls_per_second", "daily_quota_exceeded")


def apply_typed(target: Any, changes: dict[str, Any], what: str) -> None:
    """Set `changes` on a settings dataclass, each value checked against its field's type first,
    so a bad value changes nothing instead of breaking requests or the push sender later."""
    kinds = {f.name: str(f.type) for f in fields(target)}
    unknown = set(changes) - set(kinds)
    if unknown:
        raise ValueError(f"unknown {what} keys: {', '.join(sorted(unknown))}")
    checked = {name: _typed(name, kinds[name], value) for name, value in changes.items()}
    for name, value in checked.items():
        setattr(target, name, value)


def _typed(name: str, kind: str, value: Any) -> Any:
    base = kind.removesuffix(" | None")
    if value is None:
        if base != kind:
            return None
        raise ValueError(f"{name} cannot be null")
    check = _CHECKS.get(base)
    if check is None:
        raise ValueError(f"{name} cannot be set")  # a field type this checker does not know
    return check(name, value)


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value


def _str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    if name.endswith("_url") and not value.startswith(("http://", "https://")):
        raise ValueError(f"{name} must be an http(s) URL")
    return value


def _float(name: str, value: Any) -> float:
    number = _number(name, value)
    if name.endswith("_share") and number > 1:
        raise ValueError(f"{name} must be between 0 and 1")
    return number


def _int(name: str, value: Any) -> int:
    number = _float(name, value)
    if not number.is_integer():
        raise ValueError(f"{name} must be a whole number")
    return int(number)


def _list(name: str, value: Any) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{name} must be a list")
    return value


def _floats(name: str, value: Any) -> list[float]:
    return [_number(name, item) for item in _list(name, value)]


def _strs(name: str, value: Any) -> list[str]:
    if not all(isinstance(item, str) for item in _list(name, value)):
        raise ValueError(f"{name} must be a list of strings")
    return list(value)


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "bool": _bool,
    "str": _str,
    "int": _int,
    "float": _float,
    "list[float]": _floats,
    "list[str]": _strs,
}


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number of at least 0")
    return float(value)

"""The /api/v2/ gate: faults, rate limits, partner id, timestamp, signature and access token,
then the endpoint, answered in Shopee's JSON envelope.

Request timestamps are checked against the real clock (the caller's), not the sandbox clock:
shifting the sandbox clock ages tokens, codes and authorizations without making every call stale.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shopee.sandbox.core import ApiError, Core
from shopee.sandbox.limits import seconds_until_quota_reset
from shopee.sandbox.media import multipart_parse
from shopee.sandbox.shops import shop_for_access_token
from shopee.sandbox.state import Shop
from shopee.signing import api_signature

log = logging.getLogger(__name__)

SERVER_ERROR = "System error. Please try again later."
_MISSING = object()


@dataclass
class ApiCall:
    """One API request as an endpoint sees it. GET parameters come from the query, POST ones
    from the JSON body."""

    core: Core
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    shop: Shop | None = None
    hang_seconds: float = 0.0  # accept-then-hang: answer this much later
    files: dict[str, Any] = field(default_factory=dict)  # a multipart POST's files (media.FilePart)

    def arg(self, name: str) -> Any:
        return self.body.get(name) if self.method == "POST" else self.query.get(name)

    def text(self, name: str, *, required: bool = False, choices: tuple[str, ...] = ()) -> str | None:
        value = self.arg(name)
        if value in (None, ""):
            if required:
                raise ApiError("error_param", f"{name} is required.")
            return None
        value = str(value)
        if choices and value not in choices:
            raise ApiError("error_param", f"{name} must be one of {', '.join(choices)}.")
        return value

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        default: int | None = None,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        value = self.arg(name)
        if value in (None, ""):
            if required:
                raise ApiError("error_param", f"{name} is required.")
            return default
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ApiError("error_param", f"{name} must be an integer.") from None
        if (low is not None and number < low) or (high is not None and number > high):
            raise ApiError("error_param", f"{name} must be between {low} and {high}.")
        return number

    def names(self, name: str) -> list[str]:
        """A list parameter: comma-joined in a GET query, a JSON list in a POST body."""
        value = self.arg(name)
        if value in (None, ""):
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]


@dataclass(frozen=True)
class FileAnswer:
    content: bytes
    content_type: str


Handler = Callable[[ApiCall], Any]


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str
    shop_level: bool  # shop APIs sign access_token + shop_id too
    flat: bool  # fields at the top level instead of under `response`
    handler: Handler
    multipart: bool = False  # takes multipart/form-data (an upload) instead of a JSON body


ENDPOINTS: dict[str, Endpoint] = {}


CHAT_PREFIX = "/api/v2/sellerchat/"
CHAT_NOT_APPROVED = (
    "No permission to call this API: the Chat module is open only to apps Shopee has approved."
)


def endpoint(path: str, method: str, *, shop_level: bool = True, flat: bool = False, multipart: bool = False):
    def register(handler: Handler) -> Handler:
        ENDPOINTS[path] = Endpoint(path, method, shop_level, flat, handler, multipart)
        return handler

    return register


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)  # one Set-Cookie header each
    delay: float = 0.0  # seconds to wait before sending (accept-then-hang)


def envelope(
    payload: dict[str, Any] | None = None, *, flat: bool = False, error: str = "", message: str = ""
) -> bytes:
    body: dict[str, Any] = {"request_id": uuid.uuid4().hex, "error": error, "message": message}
    if flat and payload is not None:
        body |= payload
    else:
        body["response"] = payload if payload is not None else {}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def refusal(exc: ApiError, headers: dict[str, str] | None = None) -> Answer:
    return Answer(exc.http_status, envelope(error=exc.code, message=exc.message), headers=headers or {})


def api_answer(
    core: Core, method: str, path: str, query: dict[str, str], body_bytes: bytes, content_type: str = ""
) -> Answer:
    """Everything between the socket and the endpoint. Sleeps (latency, timeouts) hold no lock."""
    shop_id = query.get("shop_id", "")
    with core.lock:
        core.calls[(path, shop_id)] += 1
        faults = core.faults
        config = core.config
    if faults.applies_to(path):
        core.sleep(faults.latency_ms / 1000)
    fault = _fault(core, path)
    if fault:
        return fault
    if config.daily_quota_exceeded:
        wait = seconds_until_quota_reset(time.time())
        return refusal(
            ApiError("error_limit", "The daily API call quota is used up."), {"Retry-After": str(wait)}
        )
    wait = core.limiter.wait_needed(
        config.partner_calls_per_second, config.shop_calls_per_second, shop_id or None
    )
    if wait:
        error = ApiError("error_rate_limit", "Too many requests, please try again later (rate limit).")
        return refusal(error, {"Retry-After": str(max(1, math.ceil(wait)))})
    ep = ENDPOINTS.get(path)
    if ep is None:
        return refusal(ApiError("error_not_found", f"No API at {path}.", http_status=404))
    try:
        if method != ep.method:
            raise ApiError("error_param", f"{path} takes {ep.method}.")
        files: dict[str, Any] = {}
        if ep.multipart:
            body, files = multipart_parse(body_bytes, content_type)
        else:
            body = _json_body(body_bytes, content_type) if method == "POST" else {}
        call = ApiCall(core, method, path, query, body, files=files)
        with core.lock:
            call.shop = authenticate(core, ep, query)
            if path.startswith(CHAT_PREFIX) and not core.config.chat_module_approved:
                raise ApiError("error_api_permission", CHAT_NOT_APPROVED, http_status=403)
            result = ep.handler(call)
            if method == "POST":
                core.changed()
    except ApiError as exc:
        return refusal(exc)
    except Exception:
        log.exception("sandbox bug answering %s %s", method, path)
        return refusal(ApiError("error_server", SERVER_ERROR))
    if isinstance(result, FileAnswer):
        return Answer(200, result.content, result.content_type, delay=call.hang_seconds)
    return Answer(200, envelope(result, flat=ep.flat), delay=call.hang_seconds)


def _fault(core: Core, path: str) -> Answer | None:
    faults = core.faults
    if time.time() < faults.outage_until:
        return refusal(ApiError("error_server", SERVER_ERROR, http_status=503))
    if not faults.applies_to(path):
        return None
    roll = core.rng.random()
    if roll < faults.timeout_share:
        core.sleep(faults.timeout_seconds)
        return refusal(ApiError("error_server", SERVER_ERROR))
    if roll < faults.timeout_share + faults.error_share:
        return refusal(ApiError("error_server", SERVER_ERROR))
    return None


def _json_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """A POST's parameters: a JSON object sent as application/json, as Shopee requires."""
    if not raw.strip():
        return {}
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise ApiError(
            "error_param", "POST parameters must be a JSON body with Content-Type: application/json."
        )
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError("error_param", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError("error_param", "The request body must be a JSON object.")
    return body


def authenticate(core: Core, ep: Endpoint, query: dict[str, str]) -> Shop | None:
    """The signed request's shop (None for public APIs), or Shopee's refusal."""
    check_signature(core, ep.path, query, shop_level=ep.shop_level)
    if not ep.shop_level:
        return None
    return shop_for_access_token(core, access_token=query["access_token"], shop_id=query["shop_id"])


def check_signature(core: Core, path: str, query: dict[str, str], *, shop_level: bool) -> None:
    """Partner id, timestamp (within the tolerance, real clock) and the signature by API type."""
    config = core.config
    for name in ("partner_id", "timestamp", "sign"):
        if not query.get(name):
            raise ApiError("error_param", f"Missing {name}.")
    partner_id, timestamp, sign = query["partner_id"], query["timestamp"], query["sign"]
    if not partner_id.isdigit() or int(partner_id) != config.partner_id:
        raise ApiError("invalid_partner_id", "Invalid partner_id.")
    if not timestamp.isdigit():
        raise ApiError("error_param", "Invalid timestamp.")
    if abs(time.time() - int(timestamp)) > config.timestamp_tolerance_seconds:
        raise ApiError("error_param", "Timestamp is expired.")
    access_token = shop_id = None
    if shop_level:
        access_token, shop_id = query.get("access_token"), query.get("shop_id")
        if not access_token:
            raise ApiError("error_param", "Missing access_token.")
        if not shop_id or not shop_id.isdigit():
            raise ApiError("error_param", "Missing shop_id.")
    expected = api_signature(config.partner_key, partner_id, path, int(timestamp), access_token, shop_id)
    if not hmac.compare_digest(expected, sign.lower()):
        raise ApiError("error_sign", "Wrong sign.")

"""Typed Shopee errors: callers decide what to do (retry, hold, fail) from the type alone."""

from __future__ import annotations


class ShopeeError(Exception):
    """Any failed call. `code` is Shopee's `error` string ("" for network failures)."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        request_id: str = "",
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.request_id = request_id
        self.http_status = http_status

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message


class AuthError(ShopeeError):
    """Token invalid or expired, shop not linked, authorization revoked: needs re-verification."""


class RateLimited(ShopeeError):
    """Too many calls. Retry after `retry_after` seconds; not the caller's fault."""

    def __init__(self, message: str, *, retry_after: float = 1.0, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Transient(ShopeeError):
    """Server error, network failure or timeout: the same call may succeed later."""


class BadRequest(ShopeeError):
    """The request itself is wrong (bad parameter, unknown order): retrying will not help."""


class PlatformRule(ShopeeError):
    """A chat rule of Shopee's refused the message (too long, 5-message limit, buyer not
    reachable, first message without an order, region not supported)."""


AUTH_CODES = frozenset(
    {
        "error_auth",
        "invalid_acceess_token",  # sic, Shopee's own spelling
        "invalid_access_token",
        "invalid_code",
        "invalid_shop_id",
        "refresh_token_expired",
        "shop_access_expired",
        "error_shop_refresh_token",
        "shop_no_linked",
        "partner_shop_no_link",
        "shop_banned",
        "error_partner_key_expired",
    }
)
# error_sign / invalid_partner_id are our configuration, not the shop's authorization: BadRequest.
RATE_CODES = frozenset({"error_rate_limit", "error_limit"})
TRANSIENT_CODES = frozenset({"error_server", "error_network", "error_busy", "error_inner", "error_system"})
PLATFORM_RULE_CODES = frozenset(
    {
        "message_too_long",
        "reach_5_message_limit",
        "first_chat_without_order_info",
        "user_is_forbidden",
        "region_not_supported",
        "error_region_not_supported",
        # The Chat module is open only to apps Shopee approved: a platform rule, not the shop's authorization.
        "error_api_permission",
    }
)

# Human words for chat rules, shown to staff next to a failed message.
PLATFORM_RULE_WORDS = {
    "message_too_long": "message too long (at most 600 characters)",
    "reach_5_message_limit": "5-message limit: the buyer must answer before more can be sent",
    "first_chat_without_order_info": "the first message to this buyer must refer to an order",
    "user_is_forbidden": "buyer not reachable (no chat in 7 days, no order in 30 days)",
    "region_not_supported": "Shopee does not allow sending chat messages for this shop's region",
    "error_region_not_supported": "Shopee does not allow sending chat messages for this shop's region",
    "error_api_permission": "Shopee has not approved this app for the Chat module yet",
}


def _bare(code: str) -> str:
    # Module errors are prefixed ("sellerchat.message_too_long", "logistics.error_param").
    return code.rsplit(".", 1)[-1]


def error_for(
    code: str,
    message: str = "",
    *,
    request_id: str = "",
    http_status: int | None = None,
    retry_after: float | None = None,
) -> ShopeeError:
    """Map Shopee's `error` string (and the HTTP status) to a typed error."""
    bare = _bare(code)
    kwargs = {"code": code, "request_id": request_id, "http_status": http_status}
    if bare in RATE_CODES or http_status == 429:
        return RateLimited(message or "rate limited", retry_after=retry_after or 1.0, **kwargs)
    if bare in AUTH_CODES:
        return AuthError(message or code, **kwargs)
    if bare in PLATFORM_RULE_CODES:
        return PlatformRule(message or PLATFORM_RULE_WORDS.get(bare, code), **kwargs)
    if bare in TRANSIENT_CODES or (http_status is not None and http_status >= 500):
        return Transient(message or code or "server error", **kwargs)
    return BadRequest(message or code, **kwargs)

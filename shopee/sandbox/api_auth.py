"""Public token and partner endpoints, and shop/get_shop_info."""

from __future__ import annotations

from typing import Any

from shopee.sandbox.api import ApiCall, endpoint
from shopee.sandbox.core import ApiError
from shopee.sandbox.shops import authed_shops_page, code_exchange, token_refresh


def _body_partner_and_shop(call: ApiCall) -> str:
    """Token calls repeat partner_id in the body, and name the shop by shop_id."""
    partner_id = call.integer("partner_id", required=True)
    if partner_id != call.core.config.partner_id:
        raise ApiError("invalid_partner_id", "Invalid partner_id.")
    if call.arg("main_account_id") is not None:
        raise ApiError("error_param", "The sandbox authorizes single shops only: use shop_id.")
    return str(call.integer("shop_id", required=True))


@endpoint("/api/v2/auth/token/get", "POST", shop_level=False, flat=True)
def get_access_token(call: ApiCall) -> dict[str, Any]:
    shop_id = _body_partner_and_shop(call)
    return code_exchange(call.core, code=call.text("code", required=True), shop_id=shop_id)


@endpoint("/api/v2/auth/access_token/get", "POST", shop_level=False, flat=True)
def refresh_access_token(call: ApiCall) -> dict[str, Any]:
    shop_id = _body_partner_and_shop(call)
    return token_refresh(call.core, refresh_token=call.text("refresh_token", required=True), shop_id=shop_id)


@endpoint("/api/v2/public/get_shops_by_partner", "GET", shop_level=False, flat=True)
def get_shops_by_partner(call: ApiCall) -> dict[str, Any]:
    page_size = call.integer("page_size", default=100, low=1, high=100)
    page_no = call.integer("page_no", default=1, low=1)
    return authed_shops_page(call.core, page_no=page_no, page_size=page_size)


# Flat like the token calls: the live API answers shop_name etc. at the top level.
@endpoint("/api/v2/shop/get_shop_info", "GET", flat=True)
def get_shop_info(call: ApiCall) -> dict[str, Any]:
    shop = call.shop
    return {
        "shop_name": shop.name,
        "region": shop.region,
        "status": "NORMAL",
        "sip_affi_shops": [],
        "is_cb": False,
        "is_cnsc": False,
        "is_sip": False,
        "is_main_shop": False,
        "is_direct_shop": False,
        "auth_time": shop.auth_time,
        "expire_time": shop.expire_time,
    }

"""Shops, their authorization of the partner app, and the tokens that follow from it.

Codes: 10 minutes, one use. Access tokens: 4 hours. Refresh tokens: 30 days, one use, rotated
on every refresh. Revoking or changing the shop's password ends its grant: every token of the
shop stops working. All of it runs on the sandbox clock.
"""

from __future__ import annotations

from typing import Any

from shopee.sandbox.config import DAY
from shopee.sandbox.core import ApiError, Core
from shopee.sandbox.pushes import push_emit
from shopee.sandbox.state import AccessToken, AuthCode, RefreshToken, Shop

PUSH_AUTHORIZATION_CANCELED = 2
PUSH_AUTHORIZATION_EXPIRING = 12


def shop_create(
    core: Core,
    *,
    account: str,
    password: str,
    name: str,
    shop_id: str | None = None,
    region: str = "TW",
    user_id: int | None = None,
) -> Shop:
    world = core.world
    if not all(isinstance(value, str) and value for value in (account, password, name, region)):
        raise ValueError("account, password, name and region must be non-empty strings")
    if world.shop_by_account(account):
        raise ValueError(f"account {account!r} already exists")
    shop_id = str(shop_id) if shop_id is not None else _free_shop_id(core)
    if not shop_id.isdigit():
        raise ValueError("shop_id must be digits")
    if shop_id in world.shops:
        raise ValueError(f"shop {shop_id} already exists")
    shop = Shop(
        shop_id=shop_id,
        account=account,
        password=password,
        name=name,
        region=region.upper(),
        user_id=user_id if user_id is not None else 1_000_000_000 + int(shop_id) % 1_000_000_000,
    )
    world.shops[shop_id] = shop
    core.changed()
    return shop


def _free_shop_id(core: Core) -> str:
    while True:
        shop_id = str(core.rng.randrange(100_000_000, 999_999_999))
        if shop_id not in core.world.shops:
            return shop_id


def shop_get(core: Core, shop_id: str | int) -> Shop:
    shop = core.world.shops.get(str(shop_id))
    if shop is None:
        raise LookupError(f"no shop {shop_id}")
    return shop


def shop_summary(core: Core, shop: Shop) -> dict[str, Any]:
    return {
        "shop_id": shop.shop_id,
        "account": shop.account,
        "name": shop.name,
        "region": shop.region,
        "user_id": shop.user_id,
        "authorized": shop.authorized(core.world.now()),
        "auth_time": shop.auth_time,
        "expire_time": shop.expire_time,
    }


# -- authorization -----------------------------------------------------------------------------


def shop_authorize(core: Core, shop_id: str | int) -> str:
    """The seller approved the app: a new authorization period and a one-time code."""
    shop = shop_get(core, shop_id)
    world = core.world
    now = world.now_s()
    shop.auth_time = now
    shop.expire_time = now + core.config.authorization_days * DAY
    code = world.new_token()
    world.codes[code] = AuthCode(code=code, shop_id=shop.shop_id, expires_at=now + core.config.code_seconds)
    core.changed()
    return code


def shop_revoke(core: Core, shop_id: str | int, reason: str = "user cancel shop authorization") -> None:
    shop = shop_get(core, shop_id)
    _end_grant(shop)
    push_emit(core, PUSH_AUTHORIZATION_CANCELED, _canceled_data(shop, reason))
    core.changed()


def shop_change_password(core: Core, shop_id: str | int, password: str) -> None:
    """Like a seller changing the password on Shopee: the app can no longer act for the shop."""
    if not isinstance(password, str) or not password:
        raise ValueError("password must be a non-empty string")
    shop = shop_get(core, shop_id)
    shop.password = password
    _end_grant(shop)
    core.changed()


def shop_expire_soon(core: Core, shop_id: str | int, days: float = 7) -> None:
    """Bring the authorization's end to `days` from now and send push 12 as Shopee does a week ahead."""
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 < days <= 365:
        raise ValueError("days must be a number between 0 and 365")
    shop = shop_get(core, shop_id)
    now = core.world.now_s()
    if not shop.authorized(now):
        raise ValueError(f"shop {shop.shop_id} is not authorized")
    shop.expire_time = now + int(days * DAY)
    _expiry_notice(core, [shop])
    core.changed()


def _expiry_notice(core: Core, shops: list[Shop]) -> None:
    data = {
        "shop_expire_soon": [int(shop.shop_id) for shop in shops],
        "merchant_expire_soon": [],
        "user_expire_soon": [],
        "expire_before": max(shop.expire_time for shop in shops),
        "page_no": 1,
        "total_page": 1,
    }
    push_emit(core, PUSH_AUTHORIZATION_EXPIRING, data)


def authorization_snapshot(core: Core) -> tuple[set[str], set[str]]:
    """Before moving the clock: (authorized shops, those of them not yet within the expiry notice)."""
    now = core.world.now()
    notice = core.config.expiry_notice_days * DAY
    authorized = {shop.shop_id for shop in core.world.shops.values() if shop.authorized(now)}
    unnoticed = {s for s in authorized if core.world.shops[s].expire_time - now > notice}
    return authorized, unnoticed


def authorizations_after_clock_shift(core: Core, snapshot: tuple[set[str], set[str]]) -> None:
    """After the clock moved: push 12 for shops that came within a week of their authorization's
    end, push 2 ("expiry") for shops whose authorization ran out."""
    were_authorized, unnoticed = snapshot
    now = core.world.now()
    shops = core.world.shops
    lapsed = [shops[s] for s in sorted(were_authorized) if not shops[s].authorized(now)]
    expiring = [shops[s] for s in sorted(unnoticed) if shops[s].authorized(now)]
    expiring = [shop for shop in expiring if shop.expire_time - now <= core.config.expiry_notice_days * DAY]
    if expiring:
        _expiry_notice(core, expiring)
    for shop in lapsed:
        push_emit(core, PUSH_AUTHORIZATION_CANCELED, _canceled_data(shop, "expiry"))


def _end_grant(shop: Shop) -> None:
    shop.grant += 1
    shop.auth_time = None
    shop.expire_time = None


def _canceled_data(shop: Shop, reason: str) -> dict[str, Any]:
    return {"shop_id": int(shop.shop_id), "authorize_type": reason, "success": 1, "extra": ""}


# -- tokens ------------------------------------------------------------------------------------


def code_exchange(core: Core, *, code: str, shop_id: str) -> dict[str, Any]:
    """auth/token/get: a valid, unused, unexpired code of this shop gives the first token pair."""
    world = core.world
    if shop_id not in world.shops:
        raise ApiError("invalid_shop_id", "Invalid shop_id.")
    record = world.codes.get(code)
    shop = world.shops[shop_id]
    now = world.now_s()
    if (
        record is None
        or record.used
        or record.expires_at <= now
        or record.shop_id != shop_id
        or not shop.authorized(now)
    ):
        raise ApiError("invalid_code", "Invalid code.")
    record.used = True
    core.changed()
    return _issue_pair(core, shop) | {"merchant_id_list": [], "shop_id_list": []}


def token_refresh(core: Core, *, refresh_token: str, shop_id: str) -> dict[str, Any]:
    """auth/access_token/get: consume the refresh token, hand out a new pair."""
    world = core.world
    now = world.now_s()
    record = world.refresh_tokens.get(refresh_token)
    shop = world.shops.get(shop_id)
    if (
        shop is None
        or record is None
        or record.used
        or record.shop_id != shop_id
        or record.expires_at <= now
        or record.grant != shop.grant
    ):
        raise ApiError("error_auth", "Invalid refresh_token.")
    if not shop.authorized(now):
        raise ApiError("shop_access_expired", "access to shop has expired")
    record.used = True
    # Older access tokens of the shop end now (after the configured grace).
    end = now + core.config.old_access_token_grace_seconds
    for token in world.access_tokens.values():
        if token.shop_id == shop_id:
            token.expires_at = min(token.expires_at, end)
    core.changed()
    return {"partner_id": core.config.partner_id, "shop_id": int(shop_id)} | _issue_pair(core, shop)


def _issue_pair(core: Core, shop: Shop) -> dict[str, Any]:
    world = core.world
    config = core.config
    now = world.now_s()
    access = AccessToken(world.new_token(), shop.shop_id, now + config.access_token_seconds, shop.grant)
    refresh = RefreshToken(world.new_token(), shop.shop_id, now + config.refresh_token_days * DAY, shop.grant)
    world.access_tokens[access.token] = access
    world.refresh_tokens[refresh.token] = refresh
    return {
        "access_token": access.token,
        "refresh_token": refresh.token,
        "expire_in": config.access_token_seconds,
    }


def shop_for_access_token(core: Core, *, access_token: str, shop_id: str) -> Shop:
    """The shop a shop-API call acts for, or the refusal Shopee gives."""
    world = core.world
    now = world.now()
    record = world.access_tokens.get(access_token)
    shop = world.shops.get(shop_id)
    if shop is None or record is None or record.shop_id != shop_id or record.expires_at <= now:
        raise ApiError("error_auth", "Invalid access_token.")
    if record.grant != shop.grant or not shop.authorized(now):
        raise ApiError(core.config.lapsed_token_error, "Invalid access_token.")
    return shop


def authed_shops_page(core: Core, *, page_no: int, page_size: int) -> dict[str, Any]:
    """public/get_shops_by_partner: flat, paged by page_no from 1."""
    now = core.world.now()
    shops = sorted(
        (s for s in core.world.shops.values() if s.authorized(now)),
        key=lambda s: (s.auth_time or 0, s.shop_id),
    )
    start = (page_no - 1) * page_size
    page = shops[start : start + page_size]
    return {
        "authed_shop_list": [
            {
                "region": shop.region,
                "shop_id": int(shop.shop_id),
                "auth_time": shop.auth_time,
                "expire_time": shop.expire_time,
                "sip_affi_shop_list": [],
            }
            for shop in page
        ],
        "more": start + page_size < len(shops),
    }

"""A shop's Open Platform handle and the tokens behind it: `shop_api(shop)` for every call made on
a shop's behalf, `shop_tokens_refresh` for the beat and the admin. A refused token ends in
`accounts.services.shop_auth_failed`."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.client import shopee_client
from accounts.models import Shop
from accounts.services import shop_auth_failed
from shopee.client import ShopClient
from shopee.errors import AuthError, RateLimited, Transient

log = logging.getLogger(__name__)

# The beat task refreshes access tokens (4 h) this long before they expire.
REFRESH_AHEAD = timedelta(hours=1)
# shop_api refreshes on the spot when the token is this close to expiry (the beat was late).
REFRESH_ON_USE_MARGIN = timedelta(minutes=5)


def shop_api(shop: Shop) -> ShopClient:
    """A handle for calls on behalf of `shop`, its access token refreshed first if nearly due.

    Raises AuthError when the shop is not verified; callers pass any AuthError to shop_auth_failed.
    If Shopee cannot refresh right now, a token with minutes left is used meanwhile.
    """
    _require_verified(shop)
    expires_at = shop.access_token_expires_at
    if expires_at is None or expires_at - timezone.now() < REFRESH_ON_USE_MARGIN:
        try:
            fresh = shop_tokens_refresh(shop_pk=shop.pk)
        except (Transient, RateLimited):
            # Shopee is busy: a token with minutes left still works meanwhile.
            if expires_at is None or expires_at <= timezone.now():
                raise
        else:
            for field in (
                *Shop.TOKEN_FIELDS,
                "state",
                "state_reason",
                "state_reason_said",
                "state_changed_at",
            ):
                setattr(shop, field, getattr(fresh, field))
            _require_verified(shop)  # another process may have found the authorization gone
    return shopee_client().shop(shop.shop_id, shop.access_token)


def _require_verified(shop: Shop) -> None:
    if shop.state not in Shop.AUTHORIZED_STATES or not shop.access_token or not shop.shop_id:
        raise AuthError(f"shop {shop} is not verified", code="shop_not_verified")


def shop_tokens_refresh(*, shop_pk: int, force: bool = False) -> Shop:
    """Trade the shop's refresh token for a new pair if the access token is due (or `force`).

    The refresh token works once, so the call runs under the shop's row lock and the new pair is
    stored in the same transaction: a second worker waits, then finds fresh tokens and does
    nothing. An AuthError flips the shop (shop_auth_failed) and is raised again; RateLimited and
    Transient are raised for the caller to retry later. Returns the shop as stored.
    """
    try:
        with transaction.atomic():
            shop = Shop.objects.select_for_update().get(pk=shop_pk)
            if shop.state not in Shop.AUTHORIZED_STATES or not shop.refresh_token:
                return shop
            due = shop.access_token_expires_at is None or (
                shop.access_token_expires_at - timezone.now() < REFRESH_AHEAD
            )
            if not (due or force):
                return shop
            pair = shopee_client().refresh_access_token(
                refresh_token=shop.refresh_token, shop_id=shop.shop_id
            )
            shop.tokens_set(pair)
            shop.save(update_fields=[*Shop.TOKEN_FIELDS, "updated_at"])
            log.info("refreshed tokens of shop %s", shop)
            return shop
    except AuthError as exc:
        shop_auth_failed(shop=shop, reason=str(exc))
        raise

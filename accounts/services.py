"""Shop accounts' writes: records, verification through Shopee's authorization page, and losing it.

Every path that learns a shop's authorization is gone (a refresh refused, a revoke push, an auth
error during sync or send, the hourly check) ends in `shop_auth_failed`: the shop leaves the
verified states, the page shows why, the [聊聊登入認證] button comes back and the outbox holds
the shop's messages. A new verification releases them.

Below accounts stand only audit and the bottom packages (telemetry, shopee): what the apps above
must hear of (a shop verified) goes out as a signal after commit (accounts.signals). The Shopee
client is `accounts.client`; a shop's handle and its tokens, `accounts.tokens`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.client import shopee_client
from accounts.models import (
    REASON_AUTHORIZATION_ENDED,
    REASON_EXPIRES_SOON,
    REASON_NOT_LISTED,
    REASON_REFUSED,
    REASON_REVOKED,
    Shop,
)
from accounts.selectors import shops_visible_to
from accounts.shopee_words import error_parts
from accounts.signals import send_on_commit, shop_verified
from accounts.syncs import sync_errors_clear
from audit.services import audit_shop_verified

log = logging.getLogger(__name__)

# "Expires in N days" shows from this long before the authorization lapses (Shopee's push: 1 week).
EXPIRY_WARNING = timedelta(days=7)


class VerificationRefused(Exception):
    """The callback names a shop this verification may not touch; nothing was changed."""


# -- losing the authorization ------------------------------------------------------------------


def shop_auth_failed(*, shop: Shop, reason: str, said: str = "") -> None:
    """Shopee refused the shop's tokens: the shop becomes 已失效 with `reason` (a code of ours, or
    the error as raised: "error_auth: Invalid access_token." is kept as its code and, in
    `state_reason_said`, Shopee's words), its tokens are dropped and it needs [聊聊登入認證] again.

    Only the tokens `shop` was loaded with are judged: if another process refreshed or
    re-verified the shop meanwhile, the failure is about old tokens and changes nothing.
    """
    code, words = error_parts(reason)
    code, said = (code or REASON_REFUSED)[:500], (said or words)[:500]
    now = timezone.now()
    changed = Shop.objects.filter(
        pk=shop.pk, state__in=Shop.AUTHORIZED_STATES, tokens_refreshed_at=shop.tokens_refreshed_at
    ).update(
        state=Shop.State.EXPIRED,
        state_reason=code,
        state_reason_said=said,
        state_changed_at=now,
        access_token="",
        refresh_token="",
        access_token_expires_at=None,
        refresh_token_expires_at=None,
        updated_at=now,
    )
    if changed:
        log.warning("shop %s lost its authorization: %s", shop, reason)
        shop.state, shop.state_reason, shop.state_reason_said = Shop.State.EXPIRED, code, said
        shop.state_changed_at = now
        shop.access_token = shop.refresh_token = ""
        shop.access_token_expires_at = shop.refresh_token_expires_at = None


# Push code 2 says why in `authorize_type`; Shopee's words for the common cases, in ours.
_PUSH_REASONS = {
    "": REASON_REVOKED,
    "user cancel shop authorization": REASON_REVOKED,
    "expiry": REASON_AUTHORIZATION_ENDED,
}


def shop_authorization_revoked(*, shop_id: str, reason: str = "") -> None:
    """Push code 2: the seller cancelled our authorization, or it lapsed."""
    shop = Shop.objects.filter(shop_id=str(shop_id)).first()
    if shop is None:
        log.info("revoke push for unknown shop %s", shop_id)
        return
    known = _PUSH_REASONS.get(reason.strip().lower())
    shop_auth_failed(shop=shop, reason=known or REASON_REVOKED, said="" if known else reason)


def _from_unix(seconds) -> datetime | None:
    return datetime.fromtimestamp(int(seconds), UTC) if seconds else None


def _expires_soon(expires_at: datetime | None) -> bool:
    return expires_at is not None and expires_at - timezone.now() <= EXPIRY_WARNING


def _authorization_expiry_set(shop: Shop, expires_at: datetime, *, expiring: bool) -> None:
    state = Shop.State.EXPIRING if expiring else Shop.State.VERIFIED
    updates: dict = {"authorization_expires_at": expires_at}
    if shop.state != state:
        updates |= {
            "state": state,
            "state_reason": REASON_EXPIRES_SOON if expiring else "",
            "state_reason_said": "",
            "state_changed_at": timezone.now(),
        }
    Shop.objects.filter(pk=shop.pk, state__in=Shop.AUTHORIZED_STATES).update(
        **updates, updated_at=timezone.now()
    )


def shop_expiry_warning(*, shop_ids: list[str], expire_before: int) -> None:
    """Push code 12: these shops' authorizations end before `expire_before` (unix seconds)."""
    deadline = _from_unix(expire_before)
    for shop in Shop.objects.filter(shop_id__in=[str(i) for i in shop_ids], state__in=Shop.AUTHORIZED_STATES):
        known = shop.authorization_expires_at
        _authorization_expiry_set(shop, min(known, deadline) if known else deadline, expiring=True)


@dataclass(frozen=True)
class AuthorizationCheck:
    checked: int
    expiring: int
    lost: int


def shop_authorizations_check(*, shop_pks: list[int] | None = None) -> AuthorizationCheck:
    """Compare our verified shops with Shopee's list of authorized shops (get_shops_by_partner):
    record when each authorization ends, warn a week ahead, flip shops that are gone or lapsed."""
    asked_at = timezone.now()
    authorized = {entry.shop_id: entry for entry in shopee_client().get_shops_by_partner()}
    # A shop verified while the list was on its way is not in it, yet authorized.
    shops = Shop.objects.filter(state__in=Shop.AUTHORIZED_STATES).exclude(verified_at__gte=asked_at)
    if shop_pks is not None:
        shops = shops.filter(pk__in=shop_pks)
    now = timezone.now()
    checked = expiring = lost = 0
    for shop in shops:
        checked += 1
        entry = authorized.get(shop.shop_id)
        expires_at = _from_unix(entry.expire_time) if entry else None
        if entry is None or (expires_at is not None and expires_at <= now):
            shop_auth_failed(
                shop=shop, reason=REASON_NOT_LISTED if entry is None else REASON_AUTHORIZATION_ENDED
            )
            lost += 1
        elif expires_at is not None:
            soon = _expires_soon(expires_at)
            _authorization_expiry_set(shop, expires_at, expiring=soon)
            expiring += soon
    return AuthorizationCheck(checked=checked, expiring=expiring, lost=lost)


# -- shop records and verification -------------------------------------------------------------


def shop_create(
    *, name: str, account: str = "", customer: str = "", salesperson=None, chat_transport: str = ""
) -> Shop:
    """A shop account staff type in; it gets its Shopee id at its first verification.
    `chat_transport` blank: by region (TW: the Seller Centre login)."""
    return Shop.objects.create(
        name=name, account=account, customer=customer, salesperson=salesperson, chat_transport=chat_transport
    )


def shop_update(
    *, shop: Shop, name: str, account: str, customer: str, salesperson, chat_transport: str | None = None
) -> Shop:
    shop.name, shop.account, shop.customer, shop.salesperson = name, account, customer, salesperson
    fields = ["name", "account", "customer", "salesperson", "updated_at"]
    if chat_transport is not None:
        shop.chat_transport = chat_transport
        fields.append("chat_transport")
    shop.save(update_fields=fields)
    return shop


def _verification_target(*, shop: Shop | None, shop_id: str, user) -> Shop | None:
    """The row a callback for Shopee shop `shop_id` may verify (None: create a new one)."""
    registered = Shop.objects.filter(shop_id=shop_id).first()
    if shop is None:  # "add new shop": a shop already registered is re-verified, if the user's
        if registered is not None and not shops_visible_to(user).filter(pk=registered.pk).exists():
            raise VerificationRefused(
                gettext_noop("This Shopee shop is already registered to another salesperson.")
            )
        return registered
    if shop.shop_id and shop.shop_id != shop_id:
        raise VerificationRefused(
            gettext_noop("Shopee authorized a different shop than the one being verified.")
        )
    if registered is not None and registered.pk != shop.pk:
        raise VerificationRefused(gettext_noop("This Shopee shop is already registered as another account."))
    return shop


def shop_verify(*, shop: Shop | None, code: str, shop_id: str, user) -> Shop:
    """Finish [聊聊登入認證]: trade Shopee's one-time `code` for tokens, confirm them with a real
    call (get_shop_info), then mark the shop verified with its id and name from Shopee.

    `shop` is the account being verified, or None when the user chose "add new shop" (then the
    shop is created with `user` as salesperson).
    Raises VerificationRefused for a shop_id that does not fit, ShopeeError when Shopee refuses.
    """
    shop_id = str(shop_id)
    _verification_target(shop=shop, shop_id=shop_id, user=user)  # refuse before using the code
    client = shopee_client()
    pair = client.get_access_token(code=code, shop_id=shop_id)
    info = client.shop(shop_id, pair.access_token).get_shop_info()
    with transaction.atomic():
        target = _verification_target(shop=shop, shop_id=shop_id, user=user)
        if target is None:
            target = Shop(shop_id=shop_id, salesperson=user)
        else:
            target = Shop.objects.select_for_update().get(pk=target.pk)
        now = timezone.now()
        again = target.verified_at is not None
        target.shop_id = shop_id
        target.name = info.get("shop_name") or target.name or shop_id
        target.region = info.get("region") or target.region
        target.authorization_expires_at = _from_unix(info.get("expire_time"))
        soon = _expires_soon(target.authorization_expires_at)
        target.state = Shop.State.EXPIRING if soon else Shop.State.VERIFIED
        target.state_reason = REASON_EXPIRES_SOON if soon else ""
        target.state_reason_said = ""
        target.state_changed_at = target.verified_at = now
        target.tokens_set(pair)
        if target.pk is None:
            try:
                with transaction.atomic():  # a savepoint: the unique shop_id decides a race
                    target.save()
            except IntegrityError:
                # Another callback for the same Shopee shop created it a moment ago.
                raise VerificationRefused(
                    gettext_noop("This Shopee shop was added a moment ago and already exists.")
                ) from None
        else:
            target.save()
        audit_shop_verified(actor=user, shop=target, again=again)
        sync_errors_clear(shop_pk=target.pk)  # about the old authorization; the next runs tell afresh
        # The outbox releases the shop's held messages; chats and orders are pulled at once.
        send_on_commit(shop_verified, shop_pk=target.pk)
    log.info("shop %s verified by %s", target, user)
    return target

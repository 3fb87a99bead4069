"""The `state` of the [聊聊登入認證] round trip to Shopee's authorization page.

It is signed, lives 10 minutes, names the staff user and the shop being verified (or "add new
shop"), and carries a nonce kept in that user's session until the callback uses it once: a
callback from someone else's browser, a forged or replayed one, is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing
from django.utils.translation import gettext_lazy as _

SALT = "accounts.shop-verification"
MAX_AGE_SECONDS = 600  # as long as Shopee's code lives
SESSION_KEY = "accounts_verification_nonces"
PENDING_MAX = 10  # verifications started in other tabs stay usable


class StateRefused(Exception):
    """The callback's state does not belong to a verification this session started."""


@dataclass(frozen=True)
class Verification:
    shop_pk: int | None  # None: the user chose "add new shop"


def verification_state_issue(request, *, shop_pk: int | None) -> str:
    nonce = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-(PENDING_MAX - 1) :], nonce]
    return signing.dumps({"user": request.user.pk, "shop": shop_pk, "nonce": nonce}, salt=SALT)


def verification_state_redeem(request, state: str) -> Verification:
    """The verification `state` stands for; its nonce is used up."""
    try:
        data = signing.loads(state, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise StateRefused(_("The authorization took too long. Please start it again.")) from None
    except signing.BadSignature:
        raise StateRefused(_("The answer from Shopee could not be trusted. Please start again.")) from None
    pending = request.session.get(SESSION_KEY, [])
    if data.get("user") != request.user.pk or data.get("nonce") not in pending:
        raise StateRefused(_("This authorization was not started here or was already used."))
    pending.remove(data["nonce"])
    request.session[SESSION_KEY] = pending
    return Verification(shop_pk=data.get("shop"))

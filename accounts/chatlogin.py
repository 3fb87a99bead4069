"""聊聊登入認證: the shop's Seller Centre login, its chat session and the session's upkeep.

The seed's three steps: `chat_login_start` (login name + password; Shopee texts a verification
link to the seller's phone, or a trusted device gets the session at once), the seller taps the
link, `chat_login_confirm` (the second click, or the page's poll): the chat session is opened, the
shop is 已驗證 and `shop_verified` goes out after commit (chat pulled, held messages released).

Every refused step leaves the shop unverified with the reason (a stable code, accounts.chat_words)
and changes nothing else: a pending login stays pending while the link is not tapped.

Upkeep: `chat_session_renew` is called when a chat call says the session is gone, and by the beat
for old sessions. It asks for a new chat token, then logs in with the kept password (the device
is trusted: no link); only when that fails does the shop go back to 未驗證 (`chat_login_lost`),
and the outbox holds its messages until the next verification, as for a lost authorization.

The session, the pending login and the password are stored encrypted (EncryptedTextField,
covered by rotate_encryption_keys); the password is never shown and can be forgotten per shop.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts.chat_words import (
    REASON_ANTI_BOT,
    REASON_OTHER_SHOP,
    REASON_PASSWORD_NEEDED,
    REASON_SESSION_FORGOTTEN,
    REASON_SESSION_LOST,
    REASON_SHOP_REGISTERED,
)
from accounts.models import Shop
from accounts.signals import send_on_commit, shop_verified
from audit.services import audit_shop_verified
from shopee.errors import AuthError
from shopee.sellercentre import (
    AntiBotRefused,
    LinkNotTapped,
    LoginError,
    PendingLogin,
    SellerCentreClient,
    SellerCentreSession,
    SessionExpired,
    make_signer,
    new_device_id,
)

log = logging.getLogger(__name__)

ChatState = Shop.ChatState


class ChatLoginRefused(Exception):
    """The login belongs to another shop than the one being verified; nothing was changed.
    `words` (a msgid with `params`) say so in the reader's language; `reason` is the code kept
    on a shop that was not verified."""

    def __init__(self, words: str, *, reason: str, **params: str) -> None:
        super().__init__(words % params)
        self.words, self.reason, self.params = words, reason, params

    def said(self) -> str:
        return gettext(self.words) % self.params


@dataclass(frozen=True)
class Typed:
    """What staff typed in at step 1: kept with the pending login, stored on the shop only once
    Seller Centre's answer names this very shop."""

    login_name: str
    password: str  # "" unless it is to be kept
    keep_password: bool
    device_id: str

    @classmethod
    def of(cls, pending: dict, shop: Shop) -> Typed:
        """From a pending login as stored; one stored before these were kept with it had them
        written on the shop already."""
        if TYPED in pending:
            return cls(**pending[TYPED])
        return cls(shop.chat_login_name, shop.chat_password, shop.chat_keep_password, shop.chat_device_id)


TYPED = "typed"


def sellercentre_client() -> SellerCentreClient:
    """The Seller Centre client as the settings say now (one per process: `page` signing keeps
    one browser per process)."""
    return _client(
        os.getpid(),
        settings.SELLERCENTRE_MAIN_URL,
        settings.SELLERCENTRE_SELLER_URL,
        settings.SELLERCENTRE_SIGNING,
        settings.SHOPEE_TIMEOUT_SECONDS,
    )


@lru_cache(maxsize=4)
def _client(pid: int, main_url: str, seller_url: str, signing: str, timeout: float) -> SellerCentreClient:
    return SellerCentreClient(
        main_url=main_url,
        seller_url=seller_url,
        timeout=timeout,
        signer=make_signer(signing, seller_url=seller_url),
    )


def chat_session_of(shop: Shop) -> SellerCentreSession:
    """The shop's stored chat session; AuthError when there is none (not verified)."""
    if shop.chat_state != ChatState.VERIFIED or not shop.chat_session:
        raise AuthError(f"shop {shop} has no chat login", code="shop_not_verified")
    return SellerCentreSession.from_dict(json.loads(shop.chat_session))


# -- the three steps ---------------------------------------------------------------------------


def chat_login_start(*, shop: Shop, login_name: str, password: str, keep_password: bool, user) -> Shop:
    """Step 1: the password. Returns the shop: the link went to the seller's phone
    (`chat_pending_phone` says where; a shop not verified is PENDING meanwhile, a verified one
    keeps chatting with its session) or VERIFIED (a trusted device). Nothing typed in is stored on
    the shop before Seller Centre's answer names this shop: another shop's login is refused
    (ChatLoginRefused) with the shop as it was. A LoginError (wrong password, captcha, too many
    attempts) is stored as the reason of a shop not verified and raised again."""
    typed = Typed(
        login_name=login_name.strip(),
        password=password if keep_password else "",
        keep_password=keep_password,
        device_id=shop.chat_device_id or new_device_id(),
    )
    client = sellercentre_client()
    try:
        state = client.login(account=typed.login_name, password=password, device_id=typed.device_id)
        if isinstance(state, PendingLogin):
            state = client.verification_send(state)
    except LoginError as exc:
        _refused(shop, exc.reason)
        raise
    if not isinstance(state, PendingLogin):
        return _session_open_or_refuse(shop=shop, session=state, user=user, typed=typed)
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        locked.chat_pending = json.dumps({**state.to_dict(), TYPED: asdict(typed)})
        locked.chat_pending_at = timezone.now()
        if locked.chat_state != ChatState.VERIFIED:
            locked.chat_state = ChatState.PENDING
            locked.chat_state_reason = ""
            locked.chat_state_changed_at = locked.chat_pending_at
        locked.save()
    return locked


def chat_pending_phone(shop: Shop) -> str:
    """The masked phone number the link went to ("" when none is pending)."""
    if not shop.chat_link_sent:
        return ""
    return PendingLogin.from_dict(json.loads(shop.chat_pending)).phone_number


def chat_login_confirm(*, shop: Shop, user, quiet: bool = False) -> Shop:
    """Step 3: after the seller tapped the link (the second click, or the page's poll). The
    shop's row stays locked meanwhile, so the poll and a click never confirm the same link
    twice: the later one finds nothing pending and the shop verified. LinkNotTapped leaves the
    login pending (and, unless `quiet`, says so as the reason); any other LoginError, or a login
    of another shop, ends it with the reason. All are raised again."""
    failed: LoginError
    try:
        with transaction.atomic():
            locked = Shop.objects.select_for_update().get(pk=shop.pk)
            if not locked.chat_link_sent:
                if locked.chat_state == ChatState.VERIFIED:
                    return locked  # confirmed meanwhile by the other of the poll and the click
                raise LinkNotTapped("No verification is waiting; enter the password first.")
            pending = json.loads(locked.chat_pending)
            try:
                session = sellercentre_client().verification_confirm(PendingLogin.from_dict(pending))
            except LoginError as exc:
                failed = exc
            else:
                return _session_open(shop=locked, session=session, user=user, typed=Typed.of(pending, locked))
    except SESSION_REFUSALS as exc:  # what _session_open would record was rolled back with the block
        _refused(shop, _reason_of(exc))
        raise
    if isinstance(failed, LinkNotTapped):
        if not quiet:
            Shop.objects.filter(pk=shop.pk, chat_state=ChatState.PENDING).update(
                chat_state_reason="link_not_tapped"
            )
            shop.chat_state_reason = "link_not_tapped"
    else:
        _refused(shop, failed.reason)
    raise failed


def chat_link_waiting_seconds(shop: Shop) -> float | None:
    """How much longer the page may wait for the tap (SELLERCENTRE_LINK_SECONDS after the link
    was sent); None when no link is waiting."""
    if not shop.chat_link_sent or shop.chat_pending_at is None:
        return None
    sent = (timezone.now() - shop.chat_pending_at).total_seconds()
    return max(0.0, settings.SELLERCENTRE_LINK_SECONDS - sent)


def _refused(shop: Shop, reason: str) -> None:
    """A refused step: what was typed in is dropped with the pending login. A verified shop
    stays as it is, its session untouched; any other is not verified, with the reason."""
    now = timezone.now()
    Shop.objects.filter(pk=shop.pk, chat_state=ChatState.VERIFIED).update(
        chat_pending="", chat_pending_at=None
    )
    Shop.objects.filter(pk=shop.pk).exclude(chat_state=ChatState.VERIFIED).update(
        chat_state=ChatState.UNVERIFIED,
        chat_state_reason=reason[:500],
        chat_state_changed_at=now,
        chat_pending="",
        chat_pending_at=None,
    )
    shop.refresh_from_db()


# A session Shopee opened that cannot be this shop's chat login: refused, nothing kept.
SESSION_REFUSALS = (AntiBotRefused, ChatLoginRefused)


def _reason_of(exc: Exception) -> str:
    return exc.reason if isinstance(exc, ChatLoginRefused) else REASON_ANTI_BOT


def _session_open_or_refuse(*, shop: Shop, session: SellerCentreSession, user, typed: Typed) -> Shop:
    try:
        return _session_open(shop=shop, session=session, user=user, typed=typed)
    except SESSION_REFUSALS as exc:
        _refused(shop, _reason_of(exc))
        raise


def _session_open(*, shop: Shop, session: SellerCentreSession, user, typed: Typed) -> Shop:
    """The login went through: open the chat session and, if Seller Centre says it is this
    shop's, mark the shop verified with what was typed in. Raises AntiBotRefused (unsigned chat
    calls) and ChatLoginRefused (another shop's login) having changed nothing."""
    session = sellercentre_client().chat_login(session)
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        _same_shop_check(locked, session)
        locked.shop_id = session.shop_id
        again = locked.chat_verified_at is not None
        now = timezone.now()
        _session_store(locked, session, now)
        locked.chat_login_name = typed.login_name
        locked.chat_device_id = typed.device_id
        locked.chat_keep_password = typed.keep_password
        locked.chat_password = typed.password
        locked.chat_state = ChatState.VERIFIED
        locked.chat_state_reason = ""
        locked.chat_state_changed_at = locked.chat_verified_at = now
        locked.chat_pending, locked.chat_pending_at = "", None
        locked.save()
        audit_shop_verified(actor=user, shop=locked, again=again)
        send_on_commit(shop_verified, shop_pk=locked.pk)
    log.info("chat login of shop %s verified by %s", locked, user)
    return locked


def _same_shop_check(shop: Shop, session: SellerCentreSession) -> None:
    """ChatLoginRefused unless the Shopee shop Seller Centre names is this row's (or, for a row
    without one yet, no other row's)."""
    if shop.shop_id and shop.shop_id != session.shop_id:
        raise ChatLoginRefused(
            gettext_noop(
                "This Seller Centre login belongs to another shop (Shopee shop ID %(other)s), not to "
                "%(shop)s: its chat login and kept password are unchanged."
            ),
            reason=REASON_OTHER_SHOP,
            other=session.shop_id,
            shop=shop.name,
        )
    if not shop.shop_id and Shop.objects.filter(shop_id=session.shop_id).exclude(pk=shop.pk).exists():
        raise ChatLoginRefused(
            gettext_noop(
                "This Seller Centre login belongs to Shopee shop ID %(other)s, which is already "
                "registered as another account: nothing was changed."
            ),
            reason=REASON_SHOP_REGISTERED,
            other=session.shop_id,
        )


def _session_store(shop: Shop, session: SellerCentreSession, now) -> None:
    shop.chat_session = json.dumps(session.to_dict())
    shop.chat_session_at = now


# -- upkeep -------------------------------------------------------------------------------------


def chat_session_renew(*, shop_pk: int, seen_at=None) -> SellerCentreSession:
    """The session was refused (or is old): a new chat token, else a silent login with the kept
    password. `seen_at` is the `chat_session_at` of the session the caller found refused: if
    another process renewed it meanwhile, that one is returned. Raises AuthError (the shop is
    then 未驗證) when nothing works; RateLimited / Transient for the caller to retry later."""
    client = sellercentre_client()
    lost = ""
    with transaction.atomic():
        shop = Shop.objects.select_for_update().get(pk=shop_pk)
        session = chat_session_of(shop)
        if seen_at is not None and shop.chat_session_at != seen_at:
            return session  # renewed by another process meanwhile
        try:
            fresh = client.chat_login(session)
        except SessionExpired:
            fresh, lost = _login_again(client, shop)
        if fresh is not None:
            _session_store(shop, fresh, timezone.now())
            shop.save(update_fields=["chat_session", "chat_session_at", "updated_at"])
            log.info("chat session of shop %s renewed", shop)
            return fresh
    chat_login_lost(shop=shop, reason=lost)
    raise AuthError(f"the chat login of shop {shop} is lost: {lost}", code=lost)


def _login_again(client: SellerCentreClient, shop: Shop) -> tuple[SellerCentreSession | None, str]:
    """Log in with the kept password on the shop's trusted device: the session, or why not."""
    if not shop.chat_keep_password or not shop.chat_password:
        return None, REASON_PASSWORD_NEEDED
    try:
        state = client.login(
            account=shop.chat_login_name or shop.account,
            password=shop.chat_password,
            device_id=shop.chat_device_id,
        )
        if isinstance(state, PendingLogin):  # Shopee wants the link again: staff must do the steps
            return None, REASON_SESSION_LOST
        return client.chat_login(state), ""
    except LoginError as exc:
        return None, exc.reason
    except SessionExpired:
        return None, REASON_SESSION_LOST


def chat_login_lost(*, shop: Shop, reason: str) -> None:
    """The chat session `shop` was read with is gone for good: 未驗證 with `reason`, the button is
    back, the outbox holds the shop's messages (it checks `can_send`) until the next verification.

    Only that session: `chat_session_at` stamps each session stored, and the row changes only if
    it still holds the one `shop` was read with. A pull that read the shop before a new chat login
    (or before another process renewed the session) fails on its old view and changes nothing."""
    now = timezone.now()
    changed = Shop.objects.filter(
        pk=shop.pk, chat_state=ChatState.VERIFIED, chat_session_at=shop.chat_session_at
    ).update(
        chat_state=ChatState.UNVERIFIED,
        chat_state_reason=reason[:500],
        chat_state_changed_at=now,
        chat_session="",
        updated_at=now,
    )
    if not changed:
        return
    shop.chat_state, shop.chat_state_reason, shop.chat_state_changed_at = (
        ChatState.UNVERIFIED,
        reason[:500],
        now,
    )
    shop.chat_session = ""
    log.warning("chat login of shop %s lost: %s", shop, reason)


def chat_password_set(*, shop: Shop, password: str) -> None:
    """Keep a new password (encrypted) for silent re-login; the session in use stays."""
    Shop.objects.filter(pk=shop.pk).update(
        chat_password=password,
        chat_keep_password=True,
        updated_at=timezone.now(),
    )
    shop.chat_password, shop.chat_keep_password = password, True


def chat_session_forget(*, shop: Shop) -> None:
    """End the chat session (and any login waiting for its link): 未驗證 until verified again."""
    now = timezone.now()
    Shop.objects.filter(pk=shop.pk).exclude(chat_session="", chat_pending="").update(
        chat_state=ChatState.UNVERIFIED,
        chat_state_reason=REASON_SESSION_FORGOTTEN,
        chat_state_changed_at=now,
        chat_session="",
        chat_pending="",
        chat_pending_at=None,
        updated_at=now,
    )
    shop.refresh_from_db()


def chat_password_forget(*, shop: Shop) -> None:
    """Forget the kept password: every lapse of the session then needs the three steps."""
    Shop.objects.filter(pk=shop.pk).update(
        chat_password="", chat_keep_password=False, updated_at=timezone.now()
    )
    shop.chat_password, shop.chat_keep_password = "", False


def chat_sessions_renew_due(*, older_than_seconds: float) -> int:
    """The beat: renew verified sessions older than `older_than_seconds`. Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    renewed = 0
    for shop in Shop.objects.filter(chat_state=ChatState.VERIFIED, chat_session_at__lt=cutoff):
        if not shop.uses_seller_centre:
            continue
        try:
            chat_session_renew(shop_pk=shop.pk, seen_at=shop.chat_session_at)
            renewed += 1
        except Exception as exc:  # one shop's trouble must not stop the others
            log.warning("chat session renewal of %s failed: %s", shop, exc)
    return renewed

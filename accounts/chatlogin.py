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
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.chat_words import (
    REASON_ANTI_BOT,
    REASON_PASSWORD_NEEDED,
    REASON_SESSION_FORGOTTEN,
    REASON_SESSION_LOST,
)
from accounts.models import Shop
from accounts.signals import send_on_commit, shop_authorization_lost, shop_verified
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
    """The login belongs to another shop than the one being verified; nothing was changed."""


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
    """Step 1: the password. Returns the shop: PENDING (the link went to the seller's phone,
    `chat_pending_phone` says where) or VERIFIED (a trusted device). A LoginError (wrong password,
    captcha, too many attempts) is stored as the reason and raised again."""
    device_id = shop.chat_device_id or new_device_id()
    client = sellercentre_client()
    try:
        state = client.login(account=login_name, password=password, device_id=device_id)
        if isinstance(state, PendingLogin):
            state = client.verification_send(state)
    except LoginError as exc:
        _refused(shop, exc.reason)
        raise
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        locked.chat_login_name = login_name.strip()
        locked.chat_device_id = device_id
        locked.chat_keep_password = keep_password
        locked.chat_password = password if keep_password else ""
        if isinstance(state, PendingLogin):
            locked.chat_pending = json.dumps(state.to_dict())
            locked.chat_state = ChatState.PENDING
            locked.chat_state_reason = ""
            locked.chat_state_changed_at = timezone.now()
            locked.save()
            return locked
        locked.save()
    return _session_open(shop=locked, session=state, user=user)


def chat_pending_phone(shop: Shop) -> str:
    """The masked phone number the link went to ("" when none is pending)."""
    if shop.chat_state != ChatState.PENDING or not shop.chat_pending:
        return ""
    return PendingLogin.from_dict(json.loads(shop.chat_pending)).phone_number


def chat_login_confirm(*, shop: Shop, user, quiet: bool = False) -> Shop:
    """Step 3: after the seller tapped the link (the second click, or the page's poll). The
    shop's row stays locked meanwhile, so the poll and a click never confirm the same link
    twice: the later one finds the shop verified. LinkNotTapped leaves the login pending (and,
    unless `quiet`, says so as the reason); any other LoginError ends it with the reason. Both
    are raised again."""
    failed: LoginError
    try:
        with transaction.atomic():
            locked = Shop.objects.select_for_update().get(pk=shop.pk)
            if locked.chat_state == ChatState.VERIFIED:
                return locked  # confirmed meanwhile by the other of the poll and the click
            if locked.chat_state != ChatState.PENDING or not locked.chat_pending:
                raise LinkNotTapped("No verification is waiting; enter the password first.")
            pending = PendingLogin.from_dict(json.loads(locked.chat_pending))
            try:
                session = sellercentre_client().verification_confirm(pending)
            except LoginError as exc:
                failed = exc
            else:
                return _session_open(shop=locked, session=session, user=user)
    except AntiBotRefused:  # _session_open's record of it was rolled back with the block
        _refused(shop, REASON_ANTI_BOT)
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
    if shop.chat_state != ChatState.PENDING or not shop.chat_pending or shop.chat_state_changed_at is None:
        return None
    sent = (timezone.now() - shop.chat_state_changed_at).total_seconds()
    return max(0.0, settings.SELLERCENTRE_LINK_SECONDS - sent)


def _refused(shop: Shop, reason: str) -> None:
    """A refused step: the shop is not verified, with the reason; nothing else changes."""
    now = timezone.now()
    Shop.objects.filter(pk=shop.pk).exclude(chat_state=ChatState.VERIFIED).update(
        chat_state=ChatState.UNVERIFIED,
        chat_state_reason=reason[:500],
        chat_state_changed_at=now,
        chat_pending="",
    )
    shop.refresh_from_db()


def _session_open(*, shop: Shop, session: SellerCentreSession, user) -> Shop:
    """The login went through: open the chat session, mark the shop verified. An anti-bot
    refusal (unsigned chat calls) is stored as the reason and raised again."""
    try:
        session = sellercentre_client().chat_login(session)
    except AntiBotRefused:
        _refused(shop, REASON_ANTI_BOT)
        raise
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        if locked.shop_id and locked.shop_id != session.shop_id:
            raise ChatLoginRefused(gettext_noop("This Seller Centre login belongs to a different shop."))
        if not locked.shop_id:
            if Shop.objects.filter(shop_id=session.shop_id).exclude(pk=locked.pk).exists():
                raise ChatLoginRefused(
                    gettext_noop("This Shopee shop is already registered as another account.")
                )
            locked.shop_id = session.shop_id
        again = locked.chat_verified_at is not None
        now = timezone.now()
        _session_store(locked, session, now)
        locked.chat_state = ChatState.VERIFIED
        locked.chat_state_reason = ""
        locked.chat_state_changed_at = locked.chat_verified_at = now
        locked.chat_pending = ""
        locked.save()
        audit_shop_verified(actor=user, shop=locked, again=again)
        send_on_commit(shop_verified, shop_pk=locked.pk)
    log.info("chat login of shop %s verified by %s", locked, user)
    return locked


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
    """The chat session is gone for good: 未驗證 with `reason`, the button is back, the outbox
    holds the shop's messages (it checks `can_send`) until the next verification."""
    now = timezone.now()
    changed = Shop.objects.filter(pk=shop.pk, chat_state=ChatState.VERIFIED).update(
        chat_state=ChatState.UNVERIFIED,
        chat_state_reason=reason[:500],
        chat_state_changed_at=now,
        chat_session="",
        updated_at=now,
    )
    shop.chat_state, shop.chat_state_reason, shop.chat_state_changed_at = (
        ChatState.UNVERIFIED,
        reason[:500],
        now,
    )
    shop.chat_session = ""
    if changed:
        log.warning("chat login of shop %s lost: %s", shop, reason)
        send_on_commit(shop_authorization_lost, shop_pk=shop.pk)


def chat_problem_set(*, shop: Shop, reason: str) -> None:
    """A problem a person must look at (Shopee changed its interface): shown on 帳號 and 狀態
    while the session stays (nothing is lost; the outbox holds)."""
    Shop.objects.filter(pk=shop.pk).update(chat_state_reason=reason[:500], updated_at=timezone.now())
    shop.chat_state_reason = reason[:500]


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
    changed = Shop.objects.filter(pk=shop.pk).exclude(chat_session="", chat_pending="")
    changed = changed.update(
        chat_state=ChatState.UNVERIFIED,
        chat_state_reason=REASON_SESSION_FORGOTTEN,
        chat_state_changed_at=now,
        chat_session="",
        chat_pending="",
        updated_at=now,
    )
    if changed:
        send_on_commit(shop_authorization_lost, shop_pk=shop.pk)
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

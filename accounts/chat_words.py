"""Why a shop's chat login (聊聊登入認證) is not verified, in the reader's language.

`Shop.chat_state_reason` stores a stable code (shopee.sellercentre `LoginError.reason`, or one of
ours below), said in words when shown; a code not listed here is named, never shown bare.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

REASON_SESSION_LOST = "session_lost"
REASON_PASSWORD_NEEDED = "password_needed"
REASON_INTERFACE_CHANGED = "interface_changed"
REASON_ANTI_BOT = "anti_bot"
REASON_SESSION_FORGOTTEN = "session_forgotten"
REASON_OTHER_SHOP = "other_shop"
REASON_SHOP_REGISTERED = "shop_registered"

CHAT_REASON_WORDS = {
    "wrong_password": gettext_noop(
        "Wrong login name or password for Seller Centre (if it was changed on Shopee, enter the new one)."
    ),
    "link_not_tapped": gettext_noop(
        "The seller has not tapped the verification link on the phone yet. Tap it, then click again."
    ),
    "link_expired": gettext_noop(
        "The verification link expired. Enter the password and click [Chat login verification] to send "
        "a new one, and tap it within a few minutes."
    ),
    "captcha_required": gettext_noop(
        "Shopee asks for a captcha or another verification method that cannot be completed from here. "
        "Log in once to Seller Centre in a browser on a usual device, then try again."
    ),
    "too_many_attempts": gettext_noop(
        "Too many login or verification attempts today; Shopee asks to wait before trying again."
    ),
    REASON_SESSION_LOST: gettext_noop(
        "Seller Centre ended the chat session and logging in again with the stored password failed."
    ),
    REASON_PASSWORD_NEEDED: gettext_noop(
        "Seller Centre ended the chat session; no password is kept, so verify the chat login again."
    ),
    REASON_INTERFACE_CHANGED: gettext_noop(
        "Shopee changed its chat interface: chat is paused and messages wait until the program is updated."
    ),
    REASON_ANTI_BOT: gettext_noop(
        "Shopee's anti-bot protection refused the call: the server must sign chat calls through its "
        "browser (setting SELLERCENTRE_SIGNING=page)."
    ),
    REASON_SESSION_FORGOTTEN: gettext_noop(
        "The chat session was ended in the admin: verify the chat login again to resume chat."
    ),
    REASON_OTHER_SHOP: gettext_noop(
        "The Seller Centre login entered belongs to another shop: enter this shop's own login."
    ),
    REASON_SHOP_REGISTERED: gettext_noop(
        "The Seller Centre login entered belongs to a shop already registered as another account."
    ),
    "login_failed": gettext_noop("Shopee refused the login."),
    "shop_not_verified": gettext_noop(
        "The shop was not verified when this ran: verify it, then it runs again."
    ),
}


def chat_reason_words(reason: str) -> str:
    if not reason:
        return ""
    words = CHAT_REASON_WORDS.get(reason)
    if words:
        return gettext(words)
    return gettext("Seller Centre refused the chat login (%(code)s).") % {"code": reason}


@dataclass(frozen=True)
class ChatStop:
    """Why a shop's chat is stopped, as the inbox shows it: which verification (`what`), its
    state, the reason in words, and where staff put it right."""

    what: str
    state: str
    reason: str
    url: str
    action: str
    reads: bool = False  # the chat is still pulled; only replies cannot go

    @property
    def badge(self) -> str:
        return gettext("%(what)s: %(state)s") % {"what": self.what, "state": self.state}


def chat_stop_of(shop) -> ChatStop | None:
    """None while the shop's chat transport may be used (`Shop.can_send`); else what stops it:
    the chat login (聊聊登入認證) for a shop on the Seller Centre transport, the Shopee API
    authorization (蝦皮API授權) for one whose chat goes through the Open Platform."""
    if shop.can_send:
        return None
    if shop.uses_seller_centre:
        reason = shop.chat_state_reason_text or gettext(
            _NOT_SENT_YET if shop.chat_state == shop.ChatState.PENDING else _NEVER_DONE
        )
        return ChatStop(
            what=gettext("Chat login verification"),
            state=shop.get_chat_state_display(),
            reason=reason,
            url=reverse("accounts:chat_login", args=[shop.pk]),
            action=gettext("Chat login verification"),
        )
    return ChatStop(
        what=gettext("Shopee API authorization"),
        state=shop.get_state_display(),
        reason=shop.state_reason_text or gettext(_API_NEVER_DONE),
        url=reverse("accounts:edit", args=[shop.pk]),
        action=gettext("Open the shop account"),
    )


_NEVER_DONE = gettext_noop("The shop's Seller Centre login has not been verified yet.")
_NOT_SENT_YET = gettext_noop(
    "A verification link went to the seller's phone: tap it, then click [Chat login verification]."
)
_API_NEVER_DONE = gettext_noop("The shop has not authorized this app on Shopee yet.")

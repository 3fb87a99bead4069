"""Why a shop's chat login (聊聊登入認證) is not verified, in the reader's language.

`Shop.chat_state_reason` stores a stable code (shopee.sellercentre `LoginError.reason`, or one of
ours below); anything else is Shopee's own text, shown as it came.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

REASON_SESSION_LOST = "session_lost"
REASON_PASSWORD_NEEDED = "password_needed"
REASON_INTERFACE_CHANGED = "interface_changed"
REASON_ANTI_BOT = "anti_bot"

_WORDS = {
    "wrong_password": gettext_noop(
        "Wrong login name or password for Seller Centre (if it was changed on Shopee, enter the new one)."
    ),
    "link_not_tapped": gettext_noop(
        "The seller has not tapped the verification link on the phone yet. Tap it, then click again."
    ),
    "link_expired": gettext_noop(
        "The verification link expired. Click [Chat login verification] to send a new one and tap it "
        "within a few minutes."
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
    "login_failed": gettext_noop("Shopee refused the login."),
}


def chat_reason_words(reason: str) -> str:
    if not reason:
        return ""
    words = _WORDS.get(reason)
    return gettext(words) if words else reason

"""Shopee's own error texts, said in the reader's language.

Errors from Shopee come as our client writes them (`str(ShopeeError)`: "<error>: <message>",
e.g. "error_auth: Invalid access_token.") or as its own network texts. Reasons are stored as codes
(Shopee's error string, or ours: accounts.chat_words, accounts.models.REASON_WORDS) with Shopee's
words beside them as data; `reason_words` says a stored reason in our words, with Shopee's text
kept for a tooltip (staff quote it to Shopee's support), never shown as the reason.
`shopee_error_words` does the same for a stored "<error>: <message>" text. Chat and orders import
this from accounts; it needs nothing but Django's translation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from accounts.chat_words import CHAT_REASON_WORDS
from shopee.errors import PLATFORM_RULE_WORDS

# Shopee's `error` strings (without a module prefix such as "sellerchat.") → our words.
ERROR_WORDS: dict[str, str] = {
    "error_auth": _("the token or the app's permission was refused"),
    "invalid_access_token": _("the access token is no longer valid"),
    "invalid_acceess_token": _("the access token is no longer valid"),  # sic, Shopee's spelling
    "invalid_code": _("the sign-in code is invalid or was already used: sign in on Shopee again"),
    "invalid_shop_id": _("Shopee does not know this shop"),
    "refresh_token_expired": _("the authorization has run out: verify the shop again"),
    "error_shop_refresh_token": _("the authorization has run out: verify the shop again"),
    "shop_access_expired": _("the authorization has run out: verify the shop again"),
    "shop_no_linked": _("the shop is no longer linked to this app"),
    "partner_shop_no_link": _("the shop is no longer linked to this app"),
    "shop_banned": _("Shopee has banned this shop"),
    "error_partner_key_expired": _("the app's partner key has expired (Shopee console)"),
    "error_sign": _("Shopee did not accept our signature: check the partner ID and key"),
    "invalid_partner_id": _("Shopee does not know our partner ID"),
    "error_param": _("Shopee refused a value in the request"),
    "error_permission": _("the app has no permission for this on Shopee"),
    "error_not_found": _("Shopee did not find it"),
    "error_data": _("Shopee could not read the data it was sent"),
    "error_shop": _("Shopee refused the request for this shop"),
    "error_rate_limit": _("Shopee asked us to call more slowly; it is tried again"),
    "error_limit": _("the app's daily call quota on Shopee is used up (it resets at midnight)"),
    "error_server": _("Shopee had an internal error; it is tried again"),
    "error_inner": _("Shopee had an internal error; it is tried again"),
    "error_system": _("Shopee had an internal error; it is tried again"),
    "error_busy": _("Shopee is busy; it is tried again"),
    "error_network": _("a network error at Shopee; it is tried again"),
    "source_ip_undeclared": _("this server's address is not on the app's IP list (Shopee console)"),
    "api_suspended": _("Shopee has suspended the app's API access"),
    "error_api_call_restricted": _("Shopee restricts the app's calls"),
    "error_kyc_auth": _("Shopee requires the app's identity check (KYC)"),
    **PLATFORM_RULE_WORDS,
}
# Shopee's `message` texts that say more than their error string.
MESSAGE_WORDS: dict[str, str] = {
    "timestamp is expired.": _("Shopee refused the request's time: check this server's clock"),
    "invalid timestamp": _("Shopee refused the request's time: check this server's clock"),
}
# What our client writes when no answer of Shopee's came (shopee.client).
OWN_TEXTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^timed out after "), _("Shopee did not answer in time; it is tried again")),
    (re.compile(r"^network error calling "), _("Shopee could not be reached; it is tried again")),
    (re.compile(r"^unexpected non-JSON answer "), _("Shopee answered with something that is no API answer")),
]
_CODE = re.compile(r"^(?:[a-z_]+\.)?([a-z_]+)(?:: (.*))?$", re.DOTALL)


@dataclass(frozen=True)
class ShopeeErrorWords:
    words: str  # in the reader's language; Shopee's raw text when we do not know it
    raw: str  # Shopee's own text, shown below the words; "" when the words are the raw text


def shopee_error_words(text: str) -> ShopeeErrorWords:
    """Our words for a stored Shopee error text, in the active language."""
    text = (text or "").strip()
    words = _known(text)
    if words is None:
        return ShopeeErrorWords(words=text, raw="")
    return ShopeeErrorWords(words=gettext(words), raw=text)


def _known(text: str) -> str | None:
    for pattern, words in OWN_TEXTS:
        if pattern.match(text):
            return words
    match = _CODE.match(text)
    if not match:
        return None
    code, message = match.group(1), (match.group(2) or "").strip()
    return MESSAGE_WORDS.get(message.lower()) or ERROR_WORDS.get(code)


def shopee_error_said(text: str) -> str:
    """One line for a message banner: our words, then Shopee's own text after a dash."""
    said = shopee_error_words(text)
    return f"{said.words} — {said.raw}" if said.raw else said.words


def error_parts(text: str) -> tuple[str, str]:
    """A raised or stored error text as (code, words): "error_auth: Invalid access_token." →
    ("error_auth", "Invalid access_token."); a bare code → (code, ""); anything else → ("", text)."""
    text = (text or "").strip()
    match = _CODE.match(text)
    if not match or any(pattern.match(text) for pattern, _words in OWN_TEXTS):
        return "", text
    return match.group(1), (match.group(2) or "").strip()


def reason_words(code: str, said: str = "") -> ShopeeErrorWords:
    """A reason stored as a code (ours or Shopee's error string) in the reader's language; `said`
    is what came with it (Shopee's words, our client's network text), returned as `.raw` for a
    tooltip. A code nobody knows yet is named, never shown as Shopee's English."""
    code, message = (code or "").strip(), error_parts(said)[1]
    words = (
        CHAT_REASON_WORDS.get(code)
        or MESSAGE_WORDS.get(message.lower())
        or ERROR_WORDS.get(code.rpartition(".")[2])
        or next((words for pattern, words in OWN_TEXTS if pattern.match(said or "")), None)
    )
    if words:
        text = gettext(words)
    elif code:
        text = gettext("an error this program does not know yet (%(code)s)") % {"code": code}
    else:
        text = gettext("an error this program does not know yet")
    return ShopeeErrorWords(words=text, raw=said if said and said != code else "")

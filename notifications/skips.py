"""Why an order got no shipping notice, stored as a code and said in the reader's language.

`NoticeBatchOrder.skip_reason` and `AutoNotice.reason` hold `code` or `code:detail` (the detail is
data: the placeholders that had no value, as the text names them), never a sentence: a sentence
is fixed in the language of whoever sent the batch, and the next reader may read the other one.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

BUYER_HIDDEN = "buyer_hidden"
MISSING_VALUES = "missing_values"
TEXT_REFUSED = "text_refused"

WORDS = {
    BUYER_HIDDEN: _("Shopee hides this buyer: they cannot be reached by chat."),
    MISSING_VALUES: _("No value for %(names)s on this order yet."),
    TEXT_REFUSED: _(
        "The shop's automatic notice text cannot be sent: correct it in the shop's notice settings."
    ),
}


def skip_reason(code: str, *names: str) -> str:
    """The stored form of a reason: `missing_values:[寄件編號]、[結帳金額]`."""
    return f"{code}:{'、'.join(names)}" if names else code


def skip_words(stored: str) -> str:
    """A stored reason in the active language; one no table knows is named, never shown as stored."""
    code, _sep, names = (stored or "").partition(":")
    words = WORDS.get(code)
    if words is None:
        return gettext("a reason this program does not know (%(code)s)") % {"code": code} if code else ""
    return gettext(words) % {"names": names} if "%(names)s" in words else gettext(words)

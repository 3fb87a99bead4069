"""`{{ text|said_words }}`: what a download or an export kept of a failure (Shopee's "error_x: …",
our client's network text, or our code `not_found`) in the reader's words, with the text as it
came in `.raw` for a tooltip: Shopee's English is never the reason staff read."""

from django import template
from django.utils.translation import gettext

from accounts.shopee_words import ShopeeErrorWords, error_parts, reason_words
from orders.download import NOT_FOUND

register = template.Library()


@register.filter
def said_words(text) -> ShopeeErrorWords:
    text = str(text or "")
    if text in (NOT_FOUND, "not found on Shopee"):  # the code, and the words kept before it was one
        return ShopeeErrorWords(words=gettext("Shopee does not have this order"), raw="")
    return reason_words(error_parts(text)[0], text)

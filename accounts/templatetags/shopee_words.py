"""`{{ text|shopee_words }}`: a stored Shopee error text as .words (the reader's language) and
.raw (Shopee's own text, for a muted line; empty when the words are that text)."""

from django import template

from accounts.shopee_words import ShopeeErrorWords, shopee_error_words

register = template.Library()


@register.filter(name="shopee_words")
def shopee_words_filter(text) -> ShopeeErrorWords:
    return shopee_error_words(str(text or ""))

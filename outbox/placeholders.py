"""Placeholders in messages to buyers: `[訂單單號]` and friends, filled in per order.

Batch notices, automatic shipping notices and quick replies share this list, and the outbox
refuses a message that still holds a placeholder, so a buyer never reads "[訂單單號]".
"""

from __future__ import annotations

import re
from collections.abc import Callable

from orders.models import Order


def _amount(order: Order) -> str:
    return f"NT${order.total_amount:,.0f}" if order.total_amount is not None else ""


PLACEHOLDERS: dict[str, Callable[[Order], str]] = {
    "[訂單單號]": lambda order: order.order_sn,
    "[買家帳號]": lambda order: order.buyer_username,
    "[物流方式]": lambda order: order.shipping_carrier,
    "[寄件編號]": lambda order: order.tracking_number,
    "[結帳金額]": _amount,
    "[商品名稱]": lambda order: order.product_names,
}

# Anything in half-width brackets made of Chinese characters reads as a placeholder;
# full-width brackets (【贈品】) stay ordinary text.
_PLACEHOLDER = re.compile(r"\[[\u3400-\u9fff]{1,12}\]")


def render_notice(template: str, order: Order) -> str:
    """`template` with every known placeholder replaced by the order's value."""
    return _PLACEHOLDER.sub(lambda found: _fill(found.group(0), order), template)


def render_for(template: str, order: Order | None) -> str:
    """`template` filled from `order` when there is one (a quick reply offered in a chat)."""
    return render_notice(template, order) if order is not None else template


def _fill(placeholder: str, order: Order) -> str:
    value = PLACEHOLDERS.get(placeholder)
    return value(order) if value else placeholder


def placeholders_in(text: str) -> list[str]:
    """The placeholders (known or not) still in `text`, each once, in order of appearance."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(text)))


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]

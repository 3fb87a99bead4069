"""Placeholders in messages to buyers: `[訂單單號]` and friends, filled in per order.

Batch notices, automatic shipping notices and quick replies share this list, and the outbox
refuses a message that still holds a placeholder, so a buyer never reads "[訂單單號]". In a chat
the buyer's chat name and the shop fill theirs without an order (`conversation_values`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from chat.models import Conversation
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
    "[賣場名稱]": lambda order: order.shop.name,
    "[買家名稱]": lambda order: order.buyer_username,
    "[物流單號]": lambda order: order.tracking_number,  # the words quick replies use for 寄件編號
}

# Anything in half-width brackets made of Chinese characters reads as a placeholder;
# full-width brackets (【贈品】) stay ordinary text.
_PLACEHOLDER = re.compile(r"\[[\u3400-\u9fff]{1,12}\]")
_PLACEHOLDER_PARTS = re.compile(f"({_PLACEHOLDER.pattern})")


def render_notice(template: str, order: Order) -> str:
    """`template` with every known placeholder replaced by the order's value."""
    return _PLACEHOLDER.sub(lambda found: _fill(found.group(0), order), template)


def conversation_values(conversation: Conversation, order: Order | None) -> dict[str, str]:
    """What each placeholder says in a chat with the buyer: the order's values (their newest,
    when they have one), the buyer's name as the chat shows it, and the shop's."""
    own = {"[賣場名稱]": conversation.shop.name}  # the order's shop is the same, not read again
    values = (
        {name: value(order) or "" for name, value in PLACEHOLDERS.items() if name not in own} if order else {}
    )
    return values | own | {"[買家名稱]": conversation.buyer_name or values.get("[買家名稱]", "")}


def render_known(template: str, values: Mapping[str, str]) -> tuple[str, list[str]]:
    """`template` with every placeholder that has a value filled in, and the known ones that have
    none: those stay as written, for staff to see and replace before sending (the outbox refuses
    a message that still holds one), so a buyer never reads them."""
    empty: list[str] = []

    def fill(found: re.Match) -> str:
        name = found.group(0)
        if value := values.get(name):
            return value
        if name in PLACEHOLDERS:
            empty.append(name)
        return name

    return _PLACEHOLDER.sub(fill, template), list(dict.fromkeys(empty))


def _fill(placeholder: str, order: Order) -> str:
    value = PLACEHOLDERS.get(placeholder)
    return value(order) if value else placeholder


def missing_values(template: str, order: Order) -> list[str]:
    """The known placeholders of `template` that `order` has no value for (no tracking number
    yet): a notice to that order must not go out with a gap."""
    return missing_check(template)(order)


def missing_check(template: str) -> Callable[[Order], list[str]]:
    """`missing_values` for one template, its placeholders found once (a batch checks thousands)."""
    values = [(name, PLACEHOLDERS[name]) for name in placeholders_in(template) if name in PLACEHOLDERS]
    return lambda order: [name for name, value in values if not value(order)]


def render_combined(template: str, orders: list[Order]) -> str:
    """One message for several orders of one buyer: each placeholder lists the orders' values
    (each value once, in the orders' order), e.g. [訂單單號] → "A、B"."""
    return renderer(template)(orders)


def renderer(template: str) -> Callable[[list[Order]], str]:
    """`render_combined` for one template, parsed once: a batch renders thousands of messages."""
    parts: list[str | Callable[[Order], str]] = []
    for n, part in enumerate(_PLACEHOLDER_PARTS.split(template)):
        # Odd parts are placeholders; unknown ones stay as written (the outbox refuses them).
        parts.append(PLACEHOLDERS.get(part, part) if n % 2 else part)

    def fill(value: Callable[[Order], str], orders: list[Order]) -> str:
        if len(orders) == 1:
            return value(orders[0]) or ""
        return "、".join(dict.fromkeys(v for v in (value(order) for order in orders) if v))

    return lambda orders: "".join(part if isinstance(part, str) else fill(part, orders) for part in parts)


def placeholders_in(text: str) -> list[str]:
    """The placeholders (known or not) still in `text`, each once, in order of appearance."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(text)))


def unknown_placeholders(text: str) -> list[str]:
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]

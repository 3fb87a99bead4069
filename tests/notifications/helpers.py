"""Helpers of the notice tests (fixtures: conftest.py): buyers and orders made on the sandbox and
pulled through the product's own order refresh, the salesperson's selection, and delivery run in
this process."""

from __future__ import annotations

import itertools

from accounts.models import Shop
from orders.models import Order
from orders.selection import selection_replace
from orders.services import orders_refresh
from outbox.delivery import outbox_deliver_due
from outbox.models import OutgoingMessage
from tests.utils import wait_until

_numbers = itertools.count(1)
_buyers = itertools.count(1)


def new_buyer() -> str:
    return str(700_000_000 + next(_buyers))


def remote_order(sandbox, shop: Shop, buyer_id: str, **fields) -> dict:
    fields.setdefault("create_time", sandbox.now() - 7200 + next(_numbers))
    fields.setdefault("carrier", "7-ELEVEN")
    fields.setdefault("tracking_number", "auto")
    fields.setdefault(
        "items", [{"item_name": "寶寶米餅 原味 50g", "item_sku": "RICE", "quantity": 1, "price": 89}]
    )
    return sandbox.create_order(shop_id=shop.shop_id, buyer_id=buyer_id, buyer_name=f"u{buyer_id}", **fields)


def pull(shop: Shop, remote: list[dict]) -> list[Order]:
    sns = [order["order_sn"] for order in remote]
    for start in range(0, len(sns), 200):
        orders_refresh(shop=shop, order_sns=sns[start : start + 200])
    by_sn = {o.order_sn: o for o in Order.objects.filter(shop=shop, order_sn__in=sns)}
    return [by_sn[sn] for sn in sns]


def select(user, orders: list[Order]) -> None:
    selection_replace(user=user, order_pks=[o.pk for o in orders])


def deliver_all(timeout: float = 60.0) -> None:
    """Deliver until nothing is queued or sending (held and failed ones wait for people)."""

    def settled():
        outbox_deliver_due(budget_seconds=10)
        return not OutgoingMessage.objects.filter(
            state__in=(OutgoingMessage.State.QUEUED, OutgoingMessage.State.SENDING)
        ).exists()

    wait_until(settled, timeout=timeout, interval=0.05)

"""Helpers of the order-book tests: orders placed on the sandbox and pulled through the product's
own sync, products with stock, the outcomes of an action by order number, and an action pressed
on the order table."""

from __future__ import annotations

import itertools

from accounts.models import Shop
from book.models import Product
from orders.models import Order
from orders.services import orders_refresh

_numbers = itertools.count(1)


def product(sku: str, on_hand: int, name: str = "") -> Product:
    return Product.objects.create(sku=sku, name=name or f"商品 {sku}", on_hand=on_hand)


def line(sku: str, quantity: int = 1, price: int = 100, name: str | None = None) -> dict:
    return {"item_name": name or f"商品 {sku}", "item_sku": sku, "quantity": quantity, "price": price}


def remote_order(sandbox, shop: Shop, *lines: dict, carrier: str = "7-ELEVEN", **fields) -> dict:
    """An order placed on the sandbox shop (READY_TO_SHIP unless told)."""
    fields.setdefault("create_time", sandbox.now() - 3600 + next(_numbers))
    return sandbox.create_order(shop_id=shop.shop_id, carrier=carrier, items=list(lines), **fields)


def pull(shop: Shop, *remote: dict) -> list[Order]:
    """The product reads the orders from the sandbox (as an order push or sync does)."""
    sns = [order["order_sn"] for order in remote]
    orders_refresh(shop=shop, order_sns=sns)
    by_sn = {order.order_sn: order for order in Order.objects.filter(shop=shop, order_sn__in=sns)}
    return [by_sn[sn] for sn in sns]


def by_sn(outcomes) -> dict[str, str]:
    return {outcome.order_sn: outcome.code for outcome in outcomes}


def stock(sku: str) -> tuple[int, int]:
    """(on hand, reserved) of a product."""
    found = Product.objects.get(sku=sku)
    return found.on_hand, found.reserved


def act(client, action: str, orders, *, follow: bool = False, **data):
    """Select exactly `orders` on the order table (ticking their boxes) and press an order-book
    action button there."""
    client.post("/orders/selection/", {"action": "none"})
    for order in orders:
        client.post(f"/orders/selection/{order.pk}/", {"on": "1"})
    return client.post("/orders/actions/", {"action": action, **data}, follow=follow)

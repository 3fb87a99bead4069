"""Reads of the order book for pages: the per-shop auto-import switches, products with their
stock, an action's results. Whether an order's stock is enough is one rule for every page:
`orders.selectors.orders_stock_enough`. Constant query counts per page."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.selectors import shops_visible_to
from orders.models import BookAction, BookShopSettings, Product


def auto_import_shops(*, user, shops=None) -> list[tuple]:
    """The user's shops (`shops` when the caller has them) with their auto-import switch."""
    shops = list(shops_visible_to(user)) if shops is None else shops
    enabled = set(
        BookShopSettings.objects.filter(shop__in=shops, auto_import=True).values_list("shop_id", flat=True)
    )
    return [(shop, shop.pk in enabled) for shop in shops]


def products_for_list() -> QuerySet[Product]:
    return Product.objects.order_by("sku")


def action_for(*, user, pk: int) -> BookAction | None:
    """An action the user started (superusers see every one)."""
    actions = BookAction.objects.all() if user.is_superuser else BookAction.objects.filter(user=user)
    return actions.filter(pk=pk).first()

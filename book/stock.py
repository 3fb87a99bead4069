"""Stock under row locks, shared by every write that moves it (imports, conversion, Shopee's
cancellations, 退貨入庫). Lock order: Order rows, then BookOrder rows, then Product rows, each
in pk order, so no two of them deadlock."""

from __future__ import annotations

from collections.abc import Iterable

from book.models import BookOrder, Product


def book_lock_products(product_pks: Iterable[int], *, now) -> dict[int, Product]:
    """The products locked in pk order and stamped `now`, by pk; the caller changes and saves
    them in its transaction."""
    products = {
        p.pk: p for p in Product.objects.select_for_update().filter(pk__in=product_pks).order_by("pk")
    }
    for product in products.values():
        product.updated_at = now
    return products


def book_release(*, entry: BookOrder, products: dict[int, Product]) -> None:
    """Give back what `entry` reserves (products locked by the caller, saved by the caller)."""
    if not entry.stock_reserved:
        return
    for line in entry.lines.all():
        if line.product_id:
            products[line.product_id].reserved -= line.quantity
    entry.stock_reserved = False

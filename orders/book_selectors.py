"""Reads of the order book for pages: orders with their book state and whether stock is enough,
products with their stock, an action's results. Constant query counts per page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.selectors import shops_visible_to
from orders.book import order_lines
from orders.models import BookAction, BookOrder, BookShopSettings, Order, Product


@dataclass(frozen=True)
class BookRow:
    order: Order
    entry: BookOrder | None
    stock_enough: bool | None  # None: already in the book (its stock is reserved)
    short: str  # why not: the SKUs short or unknown


def book_orders(
    *, user, shop_pk: int | None = None, not_imported: bool = False, limit: int = 300
) -> QuerySet[Order]:
    orders = (
        Order.objects.filter(shop__in=shops_visible_to(user))
        .select_related("shop", "book_entry")
        .order_by("-created_on_shopee", "-id")
    )
    if shop_pk:
        orders = orders.filter(shop_id=shop_pk)
    if not_imported:
        orders = orders.filter(book_entry__isnull=True)
    return orders[:limit]


def book_rows(orders: list[Order]) -> list[BookRow]:
    """Each order with whether stock is enough to import it now (each order on its own, against
    what is available after earlier imported orders' reservations). One products query."""
    lines_of = {order.pk: order_lines(order) for order in orders}
    skus = {line["sku"] for lines in lines_of.values() for line in lines if line["sku"]}
    available = {
        sku: on_hand - reserved
        for sku, on_hand, reserved in Product.objects.filter(sku__in=skus).values_list(
            "sku", "on_hand", "reserved"
        )
    }
    rows = []
    for order in orders:
        entry = getattr(order, "book_entry", None)
        if entry is not None:
            rows.append(BookRow(order, entry, None, ""))
            continue
        need = Counter()
        for line in lines_of[order.pk]:
            need[line["sku"]] += line["quantity"]
        short = [
            sku or "?" for sku, quantity in need.items() if sku not in available or available[sku] < quantity
        ]
        rows.append(BookRow(order, None, not short and bool(need), "、".join(short)))
    return rows


def stock_enough_pks(*, order_pks: list[int]) -> list[int]:
    """Of the selection, the orders not yet imported whose stock is enough (選擇庫存足夠)."""
    orders = list(Order.objects.filter(pk__in=order_pks).select_related("book_entry"))
    return [row.order.pk for row in book_rows(orders) if row.stock_enough]


def auto_import_shops(*, user) -> list[tuple]:
    """The user's shops with their auto-import switch."""
    shops = list(shops_visible_to(user))
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

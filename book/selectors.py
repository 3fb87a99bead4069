"""Reads of the order book for pages: its columns, helper and panel on the order table, products
with their stock, an action's results. Whether an order's stock is enough is one rule for every
page (book.rules.stock_short): the 庫存足夠 column, 選庫存足夠 and the import. Constant query
counts per page."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.selectors import shops_visible_to
from book.models import BookAction, BookOrder, BookOrderLine, BookShopSettings, BookUserSettings, Product
from book.rules import stock_short, wanted_units
from db.lookups import any_of
from orders.columns import Cell
from orders.models import Order

# The book state's badge colour on the order table (imported: warn, still to ship).
STATE_TONES = {
    BookOrder.State.SHIPPED: "ok",
    BookOrder.State.CANCELLED: "bad",
    BookOrder.State.RETURNING: "bad",  # a parcel to take back in
    BookOrder.State.RETURNED: "muted",
}


def stock_shortages(orders: QuerySet[Order]) -> dict[int, list[str] | None]:
    """Each order's pk with None when its stock is enough, else the SKUs short (book.rules)."""
    return _shortages(orders)[0]


def _shortages(orders: QuerySet[Order]) -> tuple[dict[int, list[str] | None], dict[str, int]]:
    """The shortages and what the catalogue has available of the SKUs wanted: one query for the
    orders, one for lines imported unreserved, one for the products."""
    wanted = {
        pk: None if held else wanted_units(items)
        for pk, items, held in orders.order_by().values_list("pk", "items", "book_entry__stock_reserved")
    }
    # 強制匯入 may have taken lines whose SKU was not in the catalogue: they hold nothing, so
    # they are judged like an order not imported (a product added since may cover them).
    unreserved = BookOrderLine.objects.filter(
        book_order__order__in=orders.order_by().values("pk"),
        book_order__stock_reserved=True,
        product__isnull=True,
    ).values_list("book_order__order_id", "sku", "quantity")
    for pk, sku, quantity in unreserved:
        units = wanted[pk] = wanted[pk] or {}
        units[sku] = units.get(sku, 0) + quantity
    skus = {sku for units in wanted.values() if units for sku in units} - {""}
    available = (
        dict(Product.objects.filter(any_of("sku", skus)).values_list("sku", F("on_hand") - F("reserved")))
        if skus
        else {}
    )
    return {pk: stock_short(units, available) for pk, units in wanted.items()}, available


def stock_enough_pks(orders: QuerySet[Order]) -> list[int]:
    """選庫存足夠: of these orders, the ones whose stock is enough."""
    return [pk for pk, short in stock_shortages(orders).items() if short is None]


def stock_cells(order_pks: list[int]) -> dict[int, Cell]:
    """The order table's 庫存足夠 column: 是, or 否 with the SKUs short and those the catalogue
    does not know (未知商品)."""
    shortages, available = _shortages(Order.objects.filter(any_of("pk", order_pks)))
    words = _StockWords()
    return {
        pk: words.yes if short is None else _short_cell(short, known=available.keys(), words=words)
        for pk, short in shortages.items()
    }


class _StockWords:
    """The column's words, translated once for all its cells (an Excel chunk has 2,000)."""

    def __init__(self):
        self.yes = Cell(_("Yes"))
        self.no, self.no_sku, self.short_of, self.unknown = (
            _("No"),
            _("no SKU"),
            _("Short of"),
            _("Unknown product"),
        )


def _short_cell(short: list[str], *, known, words: _StockWords) -> Cell:
    lacking = [sku or words.no_sku for sku in short if sku in known or not sku]
    unknown = [sku for sku in short if sku and sku not in known]
    parts = [f"{words.short_of}: {'、'.join(lacking)}"] if lacking else []
    parts += [f"{words.unknown}: {'、'.join(unknown)}"] if unknown else []
    return Cell(words.no, "；".join(parts), "bad")


def state_cells(order_pks: Iterable[int]) -> dict[int, Cell]:
    """The order table's 已匯入 column: the book state, or 否 for an order not imported."""
    states = dict(BookOrder.objects.filter(any_of("order_id", order_pks)).values_list("order_id", "state"))
    labels = dict(BookOrder.State.choices)
    no = _("No")
    return {
        pk: Cell(str(labels[states[pk]]), tone=STATE_TONES.get(states[pk], "warn"))
        if pk in states
        else Cell(no)
        for pk in order_pks
    }


def order_page_panel(*, user, shops: list) -> dict:
    """The book's panel on the order page: 寄件人 and the blank-tracking switch as last used, the
    per-shop 自動匯入 switches."""
    return {
        "settings": BookUserSettings.objects.filter(user=user).first(),
        "auto_import_shops": auto_import_shops(user=user, shops=shops),
    }


def auto_import_shops(*, user, shops=None) -> list[tuple]:
    """The user's shops (`shops` when the caller has them), each with its 自動匯入 settings (its
    switch and last run; None when it was never switched on)."""
    shops = list(shops_visible_to(user)) if shops is None else shops
    settings = {row.shop_id: row for row in BookShopSettings.objects.filter(shop__in=shops)}
    return [(shop, settings.get(shop.pk)) for shop in shops]


def products_for_list() -> QuerySet[Product]:
    return Product.objects.order_by("sku")


def action_for(user, pk: int) -> BookAction:
    """An action the user started (superusers see every one); 404 for anyone else's."""
    actions = BookAction.objects.all() if user.is_superuser else BookAction.objects.filter(user=user)
    return get_object_or_404(actions, pk=pk)

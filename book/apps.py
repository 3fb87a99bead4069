"""The order book (F7): imports, stock, conversion to shipment, shipping documents, returns.

It stands above orders and tells nothing to it: orders' signals reach it here, and it adds its
columns, its selection helper and its panel to the order page through orders' registries."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookConfig(AppConfig):
    name = "book"
    verbose_name = _("Order book")

    def ready(self) -> None:
        from accounts.signals import queue_on
        from book import receivers
        from book.selectors import order_page_panel, state_cells, stock_cells, stock_enough_pks
        from orders.columns import register_column
        from orders.imported import register_imported
        from orders.panels import register_panel
        from orders.selection import register_helper
        from orders.signals import orders_cancelled, orders_synced

        orders_cancelled.connect(receivers.orders_cancelled, dispatch_uid="book.cancellations")
        queue_on(orders_synced, "book.tasks.book_after_sync")

        register_imported(relation="book_entry")
        register_column(key="book-state", header=_("Imported"), cells=state_cells)
        register_column(key="stock", header=_("Stock enough"), cells=stock_cells)
        register_helper(key="stock", label=_("Select stock enough"), select=stock_enough_pks)
        register_panel(key="book", template="book/_panel.html", context=order_page_panel)

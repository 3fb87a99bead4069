"""Batch and automatic notices to buyers (F8, F9). They queue through the outbox
(outbox.services); the outbox itself, its page and its engine live in the outbox app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from book.signals import order_converted_to_shipment
        from notifications import receivers
        from notifications.selectors import order_notice_cells
        from orders.columns import register_column

        order_converted_to_shipment.connect(
            receivers.order_converted, dispatch_uid="notifications.auto_notice"
        )
        # The order table's 通知 column: orders may not read notices itself.
        register_column(key="notice", header=_("Notice"), cells=order_notice_cells)

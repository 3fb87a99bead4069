from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from accounts.signals import queue_on, shop_verified

        # Staff expect a newly verified shop's orders at once, not at the next beat.
        queue_on(shop_verified, "orders.tasks.orders_sync_shop")

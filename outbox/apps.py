from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "outbox"
    verbose_name = _("Outbox")

    def ready(self) -> None:
        from accounts.signals import queue_on, shop_verified

        # A shop verified again sends the messages it held meanwhile.
        queue_on(shop_verified, "outbox.tasks.outbox_release_held")

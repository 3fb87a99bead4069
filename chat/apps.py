from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from accounts.columns import register_column
        from accounts.signals import queue_on, shop_verified
        from chat.selectors import shop_rates

        register_column(
            key="response-rate",
            header=_("Chat response rate (estimate)"),
            template="chat/_rate_cell.html",
            cells=shop_rates,
        )

        # Staff expect a newly verified shop's chats at once, not at the next beat.
        queue_on(shop_verified, "chat.tasks.chat_sync_shop")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")

    def ready(self) -> None:
        from accounts.signals import queue_on, shop_verified

        # Staff expect a newly verified shop's chats at once, not at the next beat.
        queue_on(shop_verified, "chat.tasks.chat_sync_shop")

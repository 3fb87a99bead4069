"""The inbox (聊聊, F4): the pages staff answer buyers on. It reads chat (conversations, messages)
and writes through the outbox (replies, retries, cancels); neither knows of it."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = _("Inbox")

from django.apps import AppConfig


class TmschatConfig(AppConfig):
    name = "tmschat"
    verbose_name = "TMS Chat"

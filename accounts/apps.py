from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Shop accounts")

    def ready(self) -> None:
        # A mistyped key would otherwise surface only when a shop's tokens are first read.
        from accounts.crypto import fernet

        try:
            fernet()
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key: {exc}"
            ) from None

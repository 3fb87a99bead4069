from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TmschatConfig(AppConfig):
    default = True  # of the configs in this module (AxesConfig below is named in INSTALLED_APPS)
    name = "tmschat"
    verbose_name = "TMS Chat"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tmschat.middleware import session_seen_at_sign_in

        user_logged_in.connect(session_seen_at_sign_in, dispatch_uid="tmschat.session_seen")


class AxesConfig(AxesAppConfig):
    """django-axes, named in the reader's language in the admin."""

    verbose_name = _("Sign-in records")

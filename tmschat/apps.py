from django.apps import AppConfig


class TmschatConfig(AppConfig):
    name = "tmschat"
    verbose_name = "TMS Chat"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from tmschat.middleware import session_seen_at_sign_in

        user_logged_in.connect(session_seen_at_sign_in, dispatch_uid="tmschat.session_seen")

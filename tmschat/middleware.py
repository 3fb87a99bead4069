import time

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.utils.deprecation import MiddlewareMixin


class StaffRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in, active staff user unless the view opts out
    (sign-in, Shopee's push endpoint, health check) with @login_not_required."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        redirect = super().process_view(request, view_func, view_args, view_kwargs)
        if redirect is not None or not getattr(view_func, "login_required", True):
            return redirect
        if not request.user.is_staff:
            raise PermissionDenied
        return None


# Pages that refresh themselves (the inbox, a conversation, 通知) send these HX-Trigger ids.
SELF_REFRESH_TRIGGERS = frozenset({"list-poll", "thread-poll", "outbox-rows"})


class SessionIdleMiddleware(MiddlewareMixin):
    """A session lasts SESSION_COOKIE_AGE past the user's last action: a request a person makes
    extends it, a page refreshing itself in an idle tab does not. The session is rewritten at most
    once a minute (the expiry is that precise), not on every request."""

    def process_request(self, request):
        if not request.user.is_authenticated:
            return
        if request.headers.get("HX-Request") and request.headers.get("HX-Trigger") in SELF_REFRESH_TRIGGERS:
            return
        now = int(time.time())
        if now - request.session.get(SEEN_KEY, 0) >= SEEN_RESOLUTION_SECONDS:
            request.session[SEEN_KEY] = now  # saved with a fresh expiry and cookie


SEEN_KEY = "_seen"
SEEN_RESOLUTION_SECONDS = 60


def session_seen_at_sign_in(sender, request, user, **kwargs):
    """Signing in wrote the session just now: no second write on the next request."""
    if request is not None and hasattr(request, "session"):
        request.session[SEEN_KEY] = int(time.time())

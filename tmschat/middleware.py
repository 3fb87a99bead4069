"""Site-wide request rules: staff only, no NUL in what a request sends, a Content-Security-Policy,
and no cache keeps a page."""

import dataclasses
import time
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext

from chat.live import live_presence_note


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


class NullCharacterMiddleware:
    """No parameter of any page (a filter, an id, a form field, an admin list's filter) may hold a
    NUL character: no text staff type has one, and PostgreSQL refuses it in every query. The
    request is answered 400 before any view reads it. Bodies other than forms (Shopee's JSON
    pushes) are the views' to judge."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = [request.GET]
        if request.method == "POST" and request.content_type in FORM_TYPES:
            sent.append(request.POST)
        for params in sent:
            for name, values in params.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return HttpResponseBadRequest(
                        gettext("The request holds a character that is not allowed (NUL)."),
                        content_type="text/plain; charset=utf-8",
                    )
        return self.get_response(request)


FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class NoStoreMiddleware:
    """Pages and fragments show buyers' names, messages, addresses and orders: `Cache-Control:
    private, no-store` keeps them out of shared caches and off the disk of a shared computer
    (static files are answered before this, by WhiteNoise, and stay cacheable)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)  # max-age=0, no-cache, no-store, must-revalidate, private
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY) plus the Shopee origins in use: the
    [聊聊登入認證] form leads to Shopee's sign-in page, and in development the sandbox serves
    buyers' photos. Read per response, so a changed SHOPEE_BASE_URL (the tests' sandbox) counts."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        shopee = sorted({_origin(settings.SHOPEE_BASE_URL), _origin(settings.SHOPEE_AUTH_PAGE_URL)} - {""})
        update = dict(parts.update or {})
        for directive in ("form-action", "img-src"):
            update[directive] = [*update.get(directive, []), *shopee]
        return dataclasses.replace(parts, update=update)


def _origin(url: str) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# Pages that refresh themselves (the inbox, a conversation, 通知) send these HX-Trigger ids.
SELF_REFRESH_TRIGGERS = frozenset({"list-poll", "thread-poll", "outbox-rows", "notice-rows"})


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


class LivePresenceMiddleware:
    """A signed-in staff member's request (a page, a poll) keeps the shops they see live: their
    Seller Centre signal is asked every few seconds while someone is about (chat.live)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff and response.status_code < 400:
            live_presence_note(user=user)
        return response

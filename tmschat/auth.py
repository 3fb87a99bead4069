"""Sign-in throttling: django-axes' backend, for sign-ins that come with a request, and the
client's address it counts failures by.

Every sign-in form (ours and the admin's) passes the request, so axes counts failures per user
and address. A call without a request (the test client's `login()`, a shell) has no address to
count, so it is left to the next backend instead of failing.
"""

from __future__ import annotations

import ipaddress

from axes.backends import AxesStandaloneBackend
from django.conf import settings


class SignInThrottleBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_address(request) -> str | None:
    """The address of whoever sent the request (AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT proxies, each appends the address it was reached from to
    X-Forwarded-For, so the client is the entry that many from the right; anything to its left was
    written by the client and is not believed. Without proxies (or with a header the proxies cannot
    have written) it is the connection's own address."""
    direct = request.META.get("REMOTE_ADDR") or None
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return direct
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < trusted:
        return direct
    try:
        return str(ipaddress.ip_address(hops[-trusted]))
    except ValueError:
        return direct

"""Sign-in throttling: django-axes' backend, for sign-ins that come with a request.

Every sign-in form (ours and the admin's) passes the request, so axes counts failures per user
and address. A call without a request (the test client's `login()`, a shell) has no address to
count, so it is left to the next backend instead of failing.
"""

from axes.backends import AxesStandaloneBackend


class SignInThrottleBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

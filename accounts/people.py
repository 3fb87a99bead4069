"""People as pages, exports and messages name them: the display name, the username only when
there is none."""

from __future__ import annotations


def display_name(user) -> str:
    if user is None or not getattr(user, "pk", None):
        return ""
    return user.get_full_name() or user.get_username()

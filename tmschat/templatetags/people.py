"""People as the header names them: the display name, the username only when there is none."""

from django import template

register = template.Library()


@register.filter
def display_name(user) -> str:
    if user is None or not getattr(user, "pk", None):
        return ""
    return user.get_full_name() or user.get_username()

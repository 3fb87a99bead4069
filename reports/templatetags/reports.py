from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def duration(seconds: int | None) -> str:
    """A first-response time as staff read it: 45 秒, 12 分, 3 小時 5 分; — when none."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return gettext("%(n)s s") % {"n": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return gettext("%(n)s min") % {"n": minutes}
    return gettext("%(h)s h %(m)s min") % {"h": minutes // 60, "m": minutes % 60}

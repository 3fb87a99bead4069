from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications import skips

register = template.Library()


@register.filter
def skip_words(stored: str) -> str:
    """Why an order gets no notice (a stored code) in the reader's words."""
    return skips.skip_words(stored)


@register.filter
def send_duration(seconds: float) -> str:
    """A batch's expected sending time in words staff plan by: minutes, or hours and minutes."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return _("under a minute")
    if minutes < 60:
        return ngettext("about %(n)d minute", "about %(n)d minutes", minutes) % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    return ngettext("about %(h)d h", "about %(h)d h", hours) % {"h": hours} + (
        ngettext(" %(m)d minute", " %(m)d minutes", minutes) % {"m": minutes} if minutes else ""
    )

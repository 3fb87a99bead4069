import sys
from array import array

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def numbers_pack(numbers) -> bytes:
    """Whole numbers from 0 to 2**32-1 as little-endian 32-bit words."""
    packed = array("I", numbers)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def numbers_unpack(packed: bytes) -> array:
    numbers = array("I", bytes(packed))
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


# The counts of a row: summed alike over any range (reports.selectors.Figures).
COUNTS = ("chats", "in_time", "missed", "waiting", "replies", "batch_notices", "auto_notices")


class DailyFigures(models.Model):
    """One Taipei day of a shop's chat work (person empty), or of one person's in that shop, as
    the beat's roll-up (reports.services) counted it: reports add these rows, never messages."""

    day = models.DateField(_("Day"))
    shop = models.ForeignKey(
        "accounts.Shop", verbose_name=_("Shop"), on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: the whole shop"),
    )
    # Chats that count for Shopee's rate begun this day (a person's: those they answered first).
    chats = models.PositiveIntegerField(_("Buyer chats"), default=0)
    in_time = models.PositiveIntegerField(_("Answered within 12 hours"), default=0)
    missed = models.PositiveIntegerField(_("Missed windows"), default=0)
    waiting = models.PositiveIntegerField(_("Still within 12 hours"), default=0)
    replies = models.PositiveIntegerField(_("Replies"), default=0)
    batch_notices = models.PositiveIntegerField(_("Batch notices sent"), default=0)
    auto_notices = models.PositiveIntegerField(_("Automatic notices sent"), default=0)
    # Seconds from each answered chat's start to its first reply, for exact percentiles over any
    # range; and the chats begun in each Taipei hour (24 counts). Packed numbers (numbers_pack), not
    # JSON: a 90-day report of 20 shops reads 100,000 of them, and decoding JSON was its main cost.
    response_seconds = models.BinaryField(_("First-response times (s)"), default=bytes)
    by_hour = models.BinaryField(_("Chats per hour of day"), default=bytes)
    computed_at = models.DateTimeField(_("Counted at"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "shop", "person"], name="uniq_daily_figures", nulls_distinct=False
            )
        ]
        indexes = [models.Index(fields=["day", "shop"], name="figures_day_shop")]
        verbose_name = _("daily chat figures")
        verbose_name_plural = _("daily chat figures")

    def __str__(self) -> str:
        return f"{self.day} {self.shop_id} {self.person_id or '-'}"

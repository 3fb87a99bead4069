from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    # Seconds from each answered chat's start to its first reply: exact percentiles over any range.
    response_seconds = models.JSONField(_("First-response times (s)"), default=list)
    by_hour = models.JSONField(_("Chats per hour of day"), default=list)  # 24 counts, Taipei hours
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

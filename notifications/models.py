"""Shipping notices (F8, F9): batches sent from the order table's selection, their per-order
results, automatic notices on conversion to shipment, and the texts staff keep.

The messages themselves are outbox rows (outbox.OutgoingMessage); these tables say which order
each message was for, or why an order got none.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeTemplate(models.Model):
    """A named text staff can pick: shared by everyone, or offered for one shop only."""

    name = models.CharField(_("Name"), max_length=100)
    text = models.TextField(_("Text"))
    shop = models.ForeignKey(
        "accounts.Shop", verbose_name=_("Shop"), null=True, blank=True, on_delete=models.CASCADE
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")

    def __str__(self) -> str:
        return self.name


class NoticeLastText(models.Model):
    """The last text each person typed for a batch notice: pre-filled next time."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("last notice text")
        verbose_name_plural = _("last notice texts")

    def __str__(self) -> str:
        return f"{self.user}: {self.text[:30]}"


class NoticeShopSettings(models.Model):
    """Per-shop notice settings beyond Shop.auto_notice_enabled / auto_notice_template."""

    shop = models.OneToOneField("accounts.Shop", on_delete=models.CASCADE, related_name="notice_settings")
    review_auto = models.BooleanField(_("Hold automatic notices for review"), default=False)

    class Meta:
        verbose_name = _("shop notice setting")
        verbose_name_plural = _("shop notice settings")

    def __str__(self) -> str:
        return str(self.shop)


class NoticeBatch(models.Model):
    """One 批次通知: who sent which text to the buyers of which orders, and when."""

    token = models.CharField(max_length=64, unique=True)  # the compose form's: a second submit finds this
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField()
    combine = models.BooleanField(default=True)
    order_count = models.PositiveIntegerField(default=0)
    message_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("notice batch")
        verbose_name_plural = _("notice batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.created_at:%Y-%m-%d %H:%M}"


class NoticeBatchOrder(models.Model):
    """One order of a batch: the message that carries its notice, or why it got none."""

    batch = models.ForeignKey(NoticeBatch, on_delete=models.CASCADE, related_name="orders")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        "outbox.OutgoingMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    skip_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("order of a notice batch")
        verbose_name_plural = _("orders of notice batches")
        constraints = [models.UniqueConstraint(fields=["batch", "order"], name="notice_batch_order_once")]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.order_id}"


class AutoNotice(models.Model):
    """The automatic shipping notice of one order: at most one, however often it is converted."""

    class State(models.TextChoices):
        REVIEW = "review", _("Waiting for review")
        QUEUED = "queued", _("Queued")
        REFUSED = "refused", _("Not sent")

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="+")
    shop = models.ForeignKey("accounts.Shop", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True)
    state = models.CharField(max_length=8, choices=State.choices)
    reason = models.CharField(max_length=300, blank=True)
    message = models.ForeignKey(
        "outbox.OutgoingMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("automatic shipping notice")
        verbose_name_plural = _("automatic shipping notices")
        indexes = [models.Index(fields=["shop", "state"], name="auto_notice_shop_state")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.state}"

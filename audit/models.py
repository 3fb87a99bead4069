"""Staff actions worth answering "who did that?" for: one row per action, never a buyer's text.

Model field changes (a shop's settings, a beat schedule) are also kept by django-auditlog
(`audit.registry`); these rows are the actions themselves, with the person, the shop and the
thing acted on, filterable on the admin's 稽核紀錄 list.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        REPLY_SENT = "reply_sent", _("Sent a reply")
        BATCH_QUEUED = "batch_queued", _("Queued a batch of notices")
        MESSAGES_RETRIED = "messages_retried", _("Retried messages")
        MESSAGES_CANCELLED = "messages_cancelled", _("Cancelled messages")
        SHOP_ADDED = "shop_added", _("Added a shop")
        SHOP_EDITED = "shop_edited", _("Edited a shop")
        SHOP_VERIFIED = "shop_verified", _("Verified a shop")
        SHOP_REVERIFIED = "shop_reverified", _("Verified a shop again")
        SCHEDULE_CHANGED = "schedule_changed", _("Changed a schedule")
        CONVERSATION_ASSIGNED = "conversation_assigned", _("Assigned a conversation")
        CONVERSATION_STATUS = "conversation_status", _("Changed a conversation's status")
        NOTE_ADDED = "note_added", _("Wrote an internal note")
        TAGS_CHANGED = "tags_changed", _("Changed a conversation's tags")

    at = models.DateTimeField(_("When"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("Action"), max_length=24, choices=Action.choices)
    shop = models.ForeignKey(
        "accounts.Shop",
        verbose_name=_("Shop"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What was acted on, in words: "buyer 123456", "schedule chat sync", "fields: name, customer".
    target = models.CharField(_("On"), max_length=255, blank=True)
    # Ids only (message, conversation, count): never message texts.
    detail = models.JSONField(_("Details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("Audit event")
        verbose_name_plural = _("Audit events")
        indexes = [models.Index(fields=["actor", "at"]), models.Index(fields=["shop", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()} {self.target}"

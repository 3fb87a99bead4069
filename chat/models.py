from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """One buyer's chat (聊聊) with one shop, as pulled from Shopee."""

    shop = models.ForeignKey("accounts.Shop", on_delete=models.CASCADE, related_name="conversations")
    conversation_id = models.CharField(max_length=32)
    buyer_id = models.CharField(max_length=32)
    buyer_name = models.CharField(max_length=255, blank=True)
    buyer_avatar = models.URLField(max_length=500, blank=True)
    unread_count = models.PositiveIntegerField(default=0)
    pinned = models.BooleanField(default=False)
    # Shopee orders conversations by a nanosecond timestamp; kept exact for cursors.
    last_message_ns = models.BigIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_message_text = models.CharField(max_length=300, blank=True)
    last_message_from_buyer = models.BooleanField(default=False)
    last_read_message_id = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "conversation_id"], name="uniq_conversation")]
        indexes = [
            models.Index(fields=["-last_message_at"], name="conv_recent"),
            models.Index(fields=["shop", "-last_message_at"], name="conv_shop_recent"),
            models.Index(fields=["shop", "buyer_id"], name="conv_shop_buyer"),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_name or self.buyer_id} @ {self.shop_id}"


class Message(models.Model):
    """A chat message as Shopee has it (buyer's, ours, or written in Seller Centre)."""

    shop = models.ForeignKey("accounts.Shop", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    message_id = models.CharField(max_length=32)
    from_buyer = models.BooleanField()
    sender_id = models.CharField(max_length=32, blank=True)
    message_type = models.CharField(max_length=32, default="text")
    text = models.TextField(blank=True)
    content = models.JSONField(default=dict, blank=True)
    order_sn = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "message_id"], name="uniq_message")]
        indexes = [models.Index(fields=["conversation", "-created_at"], name="msg_conv_recent")]

    def __str__(self) -> str:
        return self.text[:50] or self.message_type


class OutgoingMessage(models.Model):
    """The outbox: every message to a buyer (reply, batch notice, auto notice) is a row here,
    written in the same transaction as the action that caused it."""

    class Origin(models.TextChoices):
        REPLY = "reply", _("Reply")
        BATCH_NOTICE = "batch_notice", _("Batch notice")
        AUTO_NOTICE = "auto_notice", _("Automatic shipping notice")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        HELD = "held", _("Held")

    shop = models.ForeignKey("accounts.Shop", on_delete=models.PROTECT, related_name="outgoing_messages")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="outgoing_messages"
    )
    buyer_id = models.CharField(max_length=32)
    order_sn = models.CharField(max_length=32, blank=True)
    message_type = models.CharField(max_length=16, default="text")
    text = models.TextField(blank=True)
    content = models.JSONField(default=dict, blank=True)
    origin = models.CharField(max_length=16, choices=Origin.choices)
    queued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    idempotency_key = models.CharField(max_length=128, unique=True)

    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    shopee_message_id = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["shop", "buyer_id", "id"], name="outbox_conversation_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_origin_display()} → {self.buyer_id}: {self.text[:40]}"

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shopee.errors import PLATFORM_RULE_WORDS


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
    last_message_id = models.CharField(max_length=32, blank=True)
    last_message_type = models.CharField(max_length=32, default="text")
    last_message_text = models.CharField(max_length=300, blank=True)
    last_message_from_buyer = models.BooleanField(default=False)
    last_read_message_id = models.CharField(max_length=32, blank=True)
    # Every message up to this point (Shopee's nanosecond clock), and this newest one of them,
    # is stored: the sync's per-conversation cursor. Pushes store messages without moving it.
    synced_ns = models.BigIntegerField(default=0)
    synced_message_id = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "conversation_id"], name="uniq_conversation")]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["-last_message_at", "-id"], name="conv_recent"),
            models.Index(fields=["shop", "-last_message_at", "-id"], name="conv_shop_recent"),
            models.Index(fields=["shop", "buyer_id"], name="conv_shop_buyer"),
            models.Index(fields=["-updated_at"], name="conv_changed"),
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
        indexes = [models.Index(fields=["conversation", "-created_at", "-id"], name="msg_conv_recent")]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")

    def __str__(self) -> str:
        return self.text[:50] or self.message_type


class ChatSync(models.Model):
    """Where the chat pull of one shop stands: its cursor, its lease, how the last run went."""

    shop = models.OneToOneField("accounts.Shop", on_delete=models.CASCADE, related_name="chat_sync")
    # Every conversation whose last message is at or before this point (ns) is stored.
    conversations_ns = models.BigIntegerField(default=0)
    # One run per shop: a run holds the lease until it ends or the lease runs out (a killed worker).
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(_("Last pull"), null=True, blank=True)
    last_full_at = models.DateTimeField(_("Last full reconciliation"), null=True, blank=True)
    last_api_calls = models.PositiveIntegerField(default=0)
    last_error = models.CharField(_("Last error"), max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("chat sync status")
        verbose_name_plural = _("chat sync status")

    def __str__(self) -> str:
        return str(self.shop)


class PushReceipt(models.Model):
    """One push Shopee delivered (live or recovered as lost), kept to answer repeats idempotently."""

    class Via(models.TextChoices):
        LIVE = "live", _("Push")
        LOST = "lost", _("Recovered lost push")

    digest = models.CharField(max_length=64, unique=True)
    code = models.PositiveIntegerField()
    shopee_shop_id = models.CharField(max_length=20, blank=True)
    body = models.JSONField(default=dict)
    via = models.CharField(max_length=4, choices=Via.choices, default=Via.LIVE)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["shopee_shop_id", "-received_at"], name="push_shop_recent")]
        verbose_name = _("push receipt")
        verbose_name_plural = _("push receipts")

    def __str__(self) -> str:
        return f"{self.code} @ {self.shopee_shop_id or '-'} {self.received_at:%Y-%m-%d %H:%M:%S}"


class QuickReply(models.Model):
    """A saved reply staff insert into the composer; placeholders as in notices ([訂單單號] …)."""

    title = models.CharField(_("Title"), max_length=60)
    text = models.TextField(_("Text"))
    shop = models.ForeignKey(
        "accounts.Shop",
        verbose_name=_("Shop"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quick_replies",
        help_text=_("Empty: offered for every shop"),
    )
    position = models.PositiveIntegerField(_("Position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")

    def __str__(self) -> str:
        return self.title


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

    class Problem(models.TextChoices):
        """Our own error codes; Shopee's chat-rule codes (PLATFORM_RULE_WORDS) are stored as they come."""

        SHOP_NOT_VERIFIED = "shop_not_verified", _("Shop not verified")
        UNREACHABLE = "unreachable", _("Shopee could not be reached")
        REFUSED = "refused", _("Shopee refused the message")
        RATE_LIMITED = "rate_limited", _("Shopee asked us to send more slowly")

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
    error_code = models.CharField(max_length=40, blank=True)  # a Problem or a Shopee chat-rule code
    last_error = models.CharField(max_length=500, blank=True)  # detail: Shopee's or the network's words
    # The claim that set `sending`: only the worker holding it may record the result.
    claim_token = models.CharField(max_length=32, blank=True)
    # Set while an earlier attempt may have reached Shopee unrecorded: look there before sending again.
    doubt_since = models.DateTimeField(null=True, blank=True)
    shopee_message_id = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["shop", "buyer_id", "id"], name="outbox_conversation_order"),
            models.Index(fields=["sent_at"], name="outbox_sent_at"),  # "is anything going out?"
        ]
        constraints = [
            # One Shopee message is the delivery of one row, never of two.
            models.UniqueConstraint(
                fields=["shop", "shopee_message_id"],
                condition=~models.Q(shopee_message_id=""),
                name="outbox_one_row_per_shopee_message",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_origin_display()} → {self.buyer_id}: {self.text[:40]}"

    @property
    def error_text(self) -> str:
        """The last error in the reader's language (empty when there is none)."""
        rule = PLATFORM_RULE_WORDS.get(self.error_code)
        if rule:
            return gettext(rule)
        if self.error_code in self.Problem.values:
            return str(self.Problem(self.error_code).label)
        return self.last_error

    @property
    def error_detail(self) -> str:
        """Shopee's or the network's own words behind `error_text`, where they add something."""
        detailed = self.error_code in (self.Problem.UNREACHABLE, self.Problem.REFUSED)
        return self.last_error if detailed else ""

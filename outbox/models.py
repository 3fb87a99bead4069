"""The outbox's one table: every message to a buyer, from queueing to Shopee's answer."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.shopee_words import error_parts, reason_words
from chat.rich import kind_words
from shopee.errors import PLATFORM_RULE_WORDS


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
        CANCELLED = "cancelled", _("Cancelled")

    class Problem(models.TextChoices):
        """Our own error codes; Shopee's chat-rule codes (PLATFORM_RULE_WORDS) are stored as they come."""

        SHOP_NOT_VERIFIED = "shop_not_verified", _("Shop not verified")
        UNREACHABLE = "unreachable", _("Shopee could not be reached")
        REFUSED = "refused", _("Shopee refused the message")
        RATE_LIMITED = "rate_limited", _("Shopee asked us to send more slowly")
        POISON = "worker_died", _("The background worker stopped every time it tried to send this message")
        NOT_SENDABLE = "not_sendable", _("This shop's chat cannot send this kind of message")
        PICTURE_MISSING = "picture_missing", _("The picture of this message is no longer on the server")

    shop = models.ForeignKey(
        "accounts.Shop", verbose_name=_("Shop"), on_delete=models.PROTECT, related_name="outgoing_messages"
    )
    conversation = models.ForeignKey(
        "chat.Conversation",
        verbose_name=_("Conversation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outgoing_messages",
    )
    buyer_id = models.CharField(_("Buyer ID"), max_length=32)
    order_sn = models.CharField(_("Order number"), max_length=32, blank=True)
    message_type = models.CharField(_("Message type"), max_length=16, default="text")
    text = models.TextField(_("Text"), blank=True)
    content = models.JSONField(_("Content"), default=dict, blank=True)
    # An image message's picture: a file under settings.SHARED_DIR (this path relative to it, see
    # outbox.pictures), never in the database.
    attachment = models.CharField(_("Picture file"), max_length=200, blank=True)
    # Shopee's answer to uploading `attachment` (url, thumbnail…), written in its own transaction
    # before the send: a retry or an in-doubt check of this row reuses it, never uploads again.
    upload = models.JSONField(_("Picture upload"), default=dict, blank=True)
    origin = models.CharField(_("Origin"), max_length=16, choices=Origin.choices)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Queued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    idempotency_key = models.CharField(_("Idempotency key"), max_length=128, unique=True)

    state = models.CharField(_("State"), max_length=10, choices=State.choices, default=State.QUEUED)
    # Attempts Shopee answered (or that met the network): they set the backoff and the limit.
    attempts = models.PositiveIntegerField(_("Attempts"), default=0)
    # Claims whose worker died before recording anything (the lease ran out): counted apart, as
    # they say nothing about Shopee; only a message that keeps killing workers fails for them.
    lease_expiries = models.PositiveIntegerField(_("Lease expiries"), default=0)
    next_attempt_at = models.DateTimeField(_("Next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("Claimed at"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("Lease expires at"), null=True, blank=True)
    error_code = models.CharField(
        _("Error code"), max_length=40, blank=True
    )  # a Problem or a Shopee chat-rule code
    last_error = models.CharField(
        _("Last error"), max_length=500, blank=True
    )  # detail: Shopee's or the network's words
    # The claim that set `sending`: only the worker holding it may record the result.
    claim_token = models.CharField(_("Claim token"), max_length=32, blank=True)
    # The claim's call to Shopee began: a worker killed from then on leaves the message in doubt and
    # counts a lease expiry; one killed before (a batch-mate of the message in its call) did nothing to it.
    call_started_at = models.DateTimeField(_("Call to Shopee started at"), null=True, blank=True)
    # Set while an earlier attempt may have reached Shopee unrecorded: look there before sending again.
    doubt_since = models.DateTimeField(_("In doubt since"), null=True, blank=True)
    shopee_message_id = models.CharField(_("Shopee message ID"), max_length=32, blank=True)
    sent_at = models.DateTimeField(_("Sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("Created at"), default=timezone.now)
    # Staff cancelled a held or failed message: it is never sent.
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("Cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["shop", "buyer_id", "id"], name="outbox_conversation_order"),
            models.Index(fields=["sent_at"], name="outbox_sent_at"),  # "is anything going out?"
            # Every message on its way, in queue order per shop: a claim reads the head of the
            # shop's queue, never the sent history before it (outbox.claim, outbox.delivery).
            models.Index(
                fields=["shop", "id"],
                condition=models.Q(state__in=["queued", "sending"]),
                name="outbox_pending",
            ),
            # Replies on their way, claimed before the shop's notices (outbox.claim).
            models.Index(
                fields=["shop", "id"],
                condition=models.Q(origin="reply", state__in=["queued", "sending"]),
                name="outbox_replies_pending",
            ),
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
        return f"{self.get_origin_display()} → {self.buyer_id}: {self.preview[:40]}"

    def shopee_content(self) -> dict:
        """What the shop's chat transport sends for this message: the text, an image's upload (its
        picture on Shopee), a card's content (chat.transport maps each to its face's shape)."""
        if self.message_type == "text":
            return {"text": self.text}
        if self.message_type == "image":
            return dict(self.upload)
        return dict(self.content)

    @property
    def preview(self) -> str:
        """The message in a line: its text, or its kind in words with what names it."""
        if self.message_type == "text":
            return self.text
        named = self.content.get("name") or self.content.get("order_sn") or ""
        return f"{kind_words(self.message_type)} {named}".strip()

    @property
    def error_text(self) -> str:
        """The last error in the reader's language (empty when there is none): never Shopee's
        English, which is kept apart in `error_said`."""
        rule = PLATFORM_RULE_WORDS.get(self.error_code)
        if rule:
            return gettext(rule)
        if self.error_code in self.Problem.values:
            return str(self.Problem(self.error_code).label)
        if not (self.error_code or self.last_error):
            return ""
        return reason_words(self.error_code, self.last_error).words

    @property
    def error_reason(self) -> str:
        """Shopee's (or the network's) reason behind a refusal or an outage, in our words, where it
        adds something to `error_text`: a bare "Shopee refused the message" tells staff nothing."""
        if self.error_code not in (self.Problem.UNREACHABLE, self.Problem.REFUSED) or not self.last_error:
            return ""
        return reason_words(error_parts(self.last_error)[0], self.last_error).words

    @property
    def error_said(self) -> str:
        """What Shopee or the network said, as said: shown only on hover (staff quote it to
        Shopee's support), never as the reason."""
        return self.last_error if self.error_code else ""


class SendBucket(models.Model):
    """A shop's send-rate bucket when there is no Redis (outbox.rate.DatabaseSendRate): one row
    per shop shared by every worker process, so the pace holds however many send."""

    shop = models.OneToOneField("accounts.Shop", primary_key=True, on_delete=models.CASCADE, related_name="+")
    tokens = models.FloatField()
    # Seconds since the epoch on the database's clock; in the future while Shopee paused the shop.
    ts = models.FloatField()

    class Meta:
        verbose_name = _("send-rate bucket")
        verbose_name_plural = _("send-rate buckets")

    def __str__(self) -> str:
        return f"{self.shop_id}: {self.tokens:.2f} @ {self.ts:.3f}"

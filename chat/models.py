from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """One buyer's chat (聊聊) with one shop, as pulled from Shopee."""

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        RESOLVED = "resolved", _("Resolved")
        SNOOZED = "snoozed", _("Later")

    shop = models.ForeignKey(
        "accounts.Shop", verbose_name=_("Shop"), on_delete=models.CASCADE, related_name="conversations"
    )
    conversation_id = models.CharField(_("Shopee conversation ID"), max_length=32)
    buyer_id = models.CharField(_("Buyer ID"), max_length=32)
    buyer_name = models.CharField(_("Buyer name"), max_length=255, blank=True)
    buyer_avatar = models.URLField(_("Buyer avatar"), max_length=500, blank=True)
    unread_count = models.PositiveIntegerField(_("Unread"), default=0)
    pinned = models.BooleanField(_("Pinned"), default=False)
    # Shopee orders conversations by a nanosecond timestamp; kept exact for cursors.
    last_message_ns = models.BigIntegerField(_("Last message (Shopee's clock, ns)"), default=0)
    last_message_at = models.DateTimeField(_("Last message at"), null=True, blank=True)
    last_message_id = models.CharField(_("Last message ID"), max_length=32, blank=True)
    last_message_type = models.CharField(_("Last message type"), max_length=32, default="text")
    last_message_text = models.CharField(_("Last message"), max_length=300, blank=True)
    last_message_from_buyer = models.BooleanField(_("Last message from the buyer"), default=False)
    last_read_message_id = models.CharField(_("Last read message ID"), max_length=32, blank=True)
    # Every message up to this point (Shopee's nanosecond clock), and this newest one of them,
    # is stored: the sync's per-conversation cursor. Pushes store messages without moving it.
    synced_ns = models.BigIntegerField(_("Stored up to (Shopee's clock, ns)"), default=0)
    synced_message_id = models.CharField(_("Newest stored message ID"), max_length=32, blank=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)
    # Set by a database trigger on every write (migration 0010): the writing transaction's id
    # (PostgreSQL), so the inbox's live list can ask for rows of every transaction that had not
    # finished when it last looked, however late they commit (selectors.conversations_changed).
    change_xid = models.BigIntegerField(_("Change transaction"), default=0, editable=False)
    # Teamwork (F14): who answers this buyer, and whether it still needs someone.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
    )
    status = models.CharField(_("Status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    snoozed_until = models.DateTimeField(_("Snoozed until"), null=True, blank=True)
    tags = models.ManyToManyField(
        "Tag", verbose_name=_("Tags"), through="ConversationTag", related_name="conversations", blank=True
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "conversation_id"], name="uniq_conversation")]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [
            models.Index(fields=["-last_message_at", "-id"], name="conv_recent"),
            models.Index(fields=["shop", "-last_message_at", "-id"], name="conv_shop_recent"),
            models.Index(fields=["shop", "buyer_id"], name="conv_shop_buyer"),
            models.Index(fields=["-updated_at"], name="conv_changed"),
            models.Index(fields=["change_xid"], name="conv_change_xid"),
            models.Index(fields=["assignee", "-last_message_at", "-id"], name="conv_assignee_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_name or self.buyer_id} @ {self.shop_id}"


class Message(models.Model):
    """A chat message as Shopee has it (buyer's, ours, or written in Seller Centre)."""

    shop = models.ForeignKey(
        "accounts.Shop", verbose_name=_("Shop"), on_delete=models.CASCADE, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, verbose_name=_("Conversation"), on_delete=models.CASCADE, related_name="messages"
    )
    message_id = models.CharField(_("Shopee message ID"), max_length=32)
    from_buyer = models.BooleanField(_("From the buyer"))
    sender_id = models.CharField(_("Sender ID"), max_length=32, blank=True)
    message_type = models.CharField(_("Message type"), max_length=32, default="text")
    text = models.TextField(_("Text"), blank=True)
    content = models.JSONField(_("Content"), default=dict, blank=True)
    order_sn = models.CharField(_("Order number"), max_length=32, blank=True)
    # Shopee's own status of the message (normal, auto_reply, offwork_autoreply…; SHOPEE_API.md
    # §6.4): Shopee's automatic replies are marked by it alone. Blank where Shopee sends none.
    status = models.CharField(_("Shopee status"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("Sent at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "message_id"], name="uniq_message")]
        indexes = [models.Index(fields=["conversation", "-created_at", "-id"], name="msg_conv_recent")]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")

    def __str__(self) -> str:
        return self.text[:50] or self.message_type


class PushReceipt(models.Model):
    """One push Shopee delivered (live or recovered as lost), kept to answer repeats idempotently."""

    class Via(models.TextChoices):
        LIVE = "live", _("Push")
        LOST = "lost", _("Recovered lost push")

    digest = models.CharField(_("Digest"), max_length=64, unique=True)
    code = models.PositiveIntegerField(_("Push code"))
    shopee_shop_id = models.CharField(_("Shopee shop ID"), max_length=20, blank=True)
    body = models.JSONField(_("Body"), default=dict)
    via = models.CharField(_("Received via"), max_length=4, choices=Via.choices, default=Via.LIVE)
    received_at = models.DateTimeField(_("Received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("Processed at"), null=True, blank=True)
    error = models.CharField(_("Error"), max_length=500, blank=True)

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


class InboxSettings(models.Model):
    """One staff member's own choices in the inbox."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("User"),
        on_delete=models.CASCADE,
        related_name="inbox_settings",
    )
    # The browser's permission is asked when they switch it on; the server keeps the choice so
    # it follows them to every browser they sign in on.
    desktop_alerts = models.BooleanField(_("Desktop notifications and sound"), default=False)

    class Meta:
        verbose_name = _("inbox settings")
        verbose_name_plural = _("inbox settings")

    def __str__(self) -> str:
        return str(self.user)


# -- teamwork (F14): what staff keep about a conversation, never sent to the buyer ----------------


class Tag(models.Model):
    """A company-wide label staff put on conversations (退貨, VIP …), shown in its colour."""

    name = models.CharField(_("Name"), max_length=30, unique=True)
    colour = models.CharField(
        _("Colour"),
        max_length=7,
        default="#6b7280",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #d97706."))],
        help_text=_("Like #d97706"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class ConversationTag(models.Model):
    conversation = models.ForeignKey(
        Conversation, verbose_name=_("Conversation"), on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(Tag, verbose_name=_("Tag"), on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "tag"], name="uniq_conversation_tag")]
        indexes = [models.Index(fields=["tag", "conversation"], name="conv_tag_tag")]
        verbose_name = _("conversation tag")
        verbose_name_plural = _("conversation tags")

    def __str__(self) -> str:
        return f"{self.tag_id} @ {self.conversation_id}"


class Note(models.Model):
    """A colleague's note in a conversation: only staff read it; it never reaches the outbox."""

    conversation = models.ForeignKey(
        Conversation, verbose_name=_("Conversation"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    text = models.TextField(_("Text"))
    created_at = models.DateTimeField(_("Written at"), default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["conversation", "created_at"], name="note_conv_time")]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return self.text[:50]


class UnreadMark(models.Model):
    """One person marked the conversation unread for themselves (Shopee's read state untouched);
    it goes when they open it again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("Staff member"), on_delete=models.CASCADE, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, verbose_name=_("Conversation"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "conversation"], name="uniq_unread_mark")]
        verbose_name = _("unread mark")
        verbose_name_plural = _("unread marks")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.conversation_id}"


class ChatShopSettings(models.Model):
    """A shop's teamwork switches: new conversations handed out in turn to the staff about."""

    shop = models.OneToOneField(
        "accounts.Shop", verbose_name=_("Shop"), on_delete=models.CASCADE, related_name="chat_settings"
    )
    auto_assign = models.BooleanField(
        _("Assign new conversations automatically"),
        default=False,
        help_text=_("In turn among the staff who see the shop and are signed in now"),
    )
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Last assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("shop chat settings")
        verbose_name_plural = _("shop chat settings")

    def __str__(self) -> str:
        return str(self.shop)

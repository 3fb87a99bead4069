from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from accounts.crypto import EncryptedTextField
from accounts.shopee_words import reason_words

# Why a shop left (or is about to leave) the verified states: one of these codes of ours, or
# Shopee's error string (its own words beside it in `state_reason_said`); in words when shown.
REASON_NOT_LISTED = "not_listed"
REASON_AUTHORIZATION_ENDED = "authorization_ended"
REASON_EXPIRES_SOON = "expires_soon"
REASON_REVOKED = "revoked"
REASON_REFUSED = "refused"  # Shopee refused the tokens and named no error
REASON_WORDS = {
    REASON_NOT_LISTED: gettext_noop("Shopee no longer lists this shop as authorized"),
    REASON_AUTHORIZATION_ENDED: gettext_noop("The authorization period has ended"),
    REASON_EXPIRES_SOON: gettext_noop("The authorization expires soon: verify again to extend it"),
    REASON_REVOKED: gettext_noop("The seller cancelled the authorization on Shopee"),
    REASON_REFUSED: gettext_noop("Shopee refused this shop's authorization"),
}


# Shopee's refresh token lives 30 days [OFF]; kept for the admin, never relied on.
REFRESH_TOKEN_LIFETIME = timedelta(days=30)


class Shop(models.Model):
    """A Shopee shop account (帳號) the company sells through."""

    class State(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        VERIFIED = "verified", _("Verified")
        EXPIRING = "expiring", _("Expiring soon")
        EXPIRED = "expired", _("Expired or revoked")

    # The states in which Shopee accepts the shop's tokens: sync runs and the outbox sends.
    AUTHORIZED_STATES = (State.VERIFIED, State.EXPIRING)

    # Blank until the first verification: Shopee tells us the id.
    shop_id = models.CharField(_("Shopee shop ID"), max_length=20, unique=True, null=True, blank=True)
    account = models.CharField(_("Account"), max_length=64, blank=True)
    name = models.CharField(_("Shop name"), max_length=255)
    region = models.CharField(_("Region"), max_length=8, default="TW")
    customer = models.CharField(_("Customer"), max_length=255, blank=True)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Salesperson"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shops",
    )

    state = models.CharField(
        _("Verification"), max_length=16, choices=State.choices, default=State.UNVERIFIED
    )
    state_reason = models.CharField(_("Reason"), max_length=500, blank=True)
    state_reason_said = models.CharField(_("Shopee's words"), max_length=500, blank=True)
    state_changed_at = models.DateTimeField(_("State changed"), default=timezone.now)
    verified_at = models.DateTimeField(_("Verified at"), null=True, blank=True)
    authorization_expires_at = models.DateTimeField(_("Authorization expires"), null=True, blank=True)

    access_token = EncryptedTextField(blank=True, default="")
    refresh_token = EncryptedTextField(blank=True, default="")
    access_token_expires_at = models.DateTimeField(_("Access token expires at"), null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(_("Refresh token expires at"), null=True, blank=True)
    tokens_refreshed_at = models.DateTimeField(_("Tokens refreshed at"), null=True, blank=True)

    # -- chat: which transport, and the Seller Centre login (聊聊登入認證) ------------------------
    class ChatTransport(models.TextChoices):
        BY_REGION = "", _("By region")
        SELLER_CENTRE = "sellercentre", _("Seller Centre login")
        OPEN_PLATFORM = "open_platform", _("Shopee Open Platform")

    class ChatState(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        PENDING = "pending", _("Waiting for the link")
        VERIFIED = "verified", _("Verified")

    # Blank: by region (TW: Seller Centre, whose chat the Open Platform does not serve; others:
    # the Open Platform). chat.transport reads it through `chat_transport_kind`.
    chat_transport = models.CharField(
        _("Chat transport"), max_length=16, choices=ChatTransport.choices, blank=True, default=""
    )
    chat_state = models.CharField(
        _("Chat login"), max_length=12, choices=ChatState.choices, default=ChatState.UNVERIFIED
    )
    # A stable code (shopee.sellercentre LoginError.reason, "session_lost", …) or Shopee's words.
    chat_state_reason = models.CharField(max_length=500, blank=True)
    chat_state_changed_at = models.DateTimeField(_("Chat login changed at"), null=True, blank=True)
    chat_verified_at = models.DateTimeField(_("Chat login verified at"), null=True, blank=True)
    chat_login_name = models.CharField(_("Seller Centre login name"), max_length=128, blank=True)
    # Kept (encrypted, never shown) so a lapsed session is renewed silently, as the seed's server does.
    chat_keep_password = models.BooleanField(_("Keep the password for silent re-login"), default=True)
    chat_password = EncryptedTextField(blank=True, default="")
    chat_device_id = models.CharField(max_length=64, blank=True)
    # JSON of shopee.sellercentre PendingLogin (between the two clicks) / SellerCentreSession.
    chat_pending = EncryptedTextField(blank=True, default="")
    chat_pending_at = models.DateTimeField(_("Verification link sent at"), null=True, blank=True)
    chat_session = EncryptedTextField(blank=True, default="")
    chat_session_at = models.DateTimeField(_("Chat session opened at"), null=True, blank=True)

    send_rate_per_second = models.FloatField(
        _("Messages per second"), default=5.0, help_text=_("Outgoing chat messages per second for this shop")
    )
    auto_notice_enabled = models.BooleanField(
        _("Send a shipping notice on conversion to shipment"), default=False
    )
    auto_notice_template = models.TextField(
        _("Shipping notice"), blank=True, default="親愛的客戶您好:\n您的訂單:[訂單單號] 已出貨\n感謝您的購買~"
    )

    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("shop account")
        verbose_name_plural = _("shop accounts")
        permissions = [("view_all_shops", _("Can see and act on every shop"))]

    def __str__(self) -> str:
        return "/".join(part for part in (self.shop_id, self.account, self.name) if part)

    TOKEN_FIELDS = (
        "access_token",
        "refresh_token",
        "access_token_expires_at",
        "refresh_token_expires_at",
        "tokens_refreshed_at",
    )

    def tokens_set(self, pair) -> None:
        """Take Shopee's new TokenPair (not saved: the caller saves TOKEN_FIELDS in its transaction)."""
        now = timezone.now()
        self.access_token = pair.access_token
        self.refresh_token = pair.refresh_token
        self.access_token_expires_at = now + timedelta(seconds=pair.expire_in)
        self.refresh_token_expires_at = now + REFRESH_TOKEN_LIFETIME
        self.tokens_refreshed_at = now

    @classmethod
    def chat_ready_q(cls, prefix: str = "") -> models.Q:
        """Shops whose chat transport may be used (`can_send` as a query); `prefix` e.g. "shop__"."""

        def q(**kwargs) -> models.Q:
            return models.Q(**{prefix + key: value for key, value in kwargs.items()})

        seller_centre = cls.seller_centre_q(prefix)
        return (seller_centre & q(chat_state=cls.ChatState.VERIFIED)) | (
            ~seller_centre & q(state__in=cls.AUTHORIZED_STATES)
        )

    @classmethod
    def seller_centre_q(cls, prefix: str = "") -> models.Q:
        """Shops whose chat goes through the Seller Centre login (`uses_seller_centre` as a query)."""
        return models.Q(**{f"{prefix}chat_transport": cls.ChatTransport.SELLER_CENTRE}) | models.Q(
            **{f"{prefix}chat_transport": "", f"{prefix}region": "TW"}
        )

    @property
    def chat_transport_kind(self) -> str:
        """The chat transport in use: the one chosen, else by region."""
        if self.chat_transport:
            return self.chat_transport
        return self.ChatTransport.SELLER_CENTRE if self.region == "TW" else self.ChatTransport.OPEN_PLATFORM

    @property
    def uses_seller_centre(self) -> bool:
        return self.chat_transport_kind == self.ChatTransport.SELLER_CENTRE

    @property
    def api_authorized(self) -> bool:
        """The Open Platform authorization (蝦皮API授權: orders, logistics) is in force."""
        return self.state in self.AUTHORIZED_STATES

    @property
    def can_send(self) -> bool:
        """The shop's chat transport may be used: its chat is pulled and the outbox sends."""
        if self.uses_seller_centre:
            return self.chat_state == self.ChatState.VERIFIED
        return self.state in self.AUTHORIZED_STATES

    @property
    def chat_state_reason_text(self) -> str:
        from accounts.chat_words import chat_reason_words

        return chat_reason_words(self.chat_state_reason)

    @property
    def chat_link_sent(self) -> bool:
        """A login waits for the seller to tap the link on the phone (step 2 of 3)."""
        return bool(self.chat_pending)

    @property
    def chat_password_kept(self) -> bool:
        """A lapsed Seller Centre session is renewed silently with the kept password."""
        return self.chat_keep_password and bool(self.chat_password)

    @property
    def chat_session_renewed_at(self):
        """When the session was last renewed by the server itself, if after the last verification."""
        renewed, verified = self.chat_session_at, self.chat_verified_at
        return renewed if renewed and verified and renewed > verified else None

    @property
    def chat_last_used_at(self):
        """The last successful chat pull: the session's last proven use (Shopee publishes no
        session lifetime, so this is what is known to work). Reads the prefetched `syncs`."""
        found = {sync.kind: sync for sync in self.syncs.all()}.get(ShopSync.Kind.CHAT)
        return found.last_success_at if found else None

    @property
    def authorization_days_left(self) -> int | None:
        """Whole days until Shopee's authorization ends (0 on its last day)."""
        if self.authorization_expires_at is None:
            return None
        return max(0, (self.authorization_expires_at - timezone.now()).days)

    @property
    def sync_states(self) -> list[tuple[str, ShopSync | None]]:
        """Each pull (chat, orders) with its state, None before its first run. Reads the
        prefetched `syncs` when the page prefetched them (accounts.selectors.with_syncs)."""
        found = {sync.kind: sync for sync in self.syncs.all()}
        return [(label, found.get(kind)) for kind, label in ShopSync.Kind.choices]

    @property
    def sync_errors(self) -> list[ShopSync]:
        """The pulls whose last run failed, while it matters: a shop that lost its authorization
        is not synced, and its state reason already says why."""
        if not self.can_send:
            return []
        return [sync for _label, sync in self.sync_states if sync is not None and sync.last_error]

    @property
    def state_reason_text(self) -> str:
        """The reason in the reader's language; Shopee's error is introduced in it."""
        if not self.state_reason:
            return ""
        if self.state_reason in REASON_WORDS:
            return gettext(REASON_WORDS[self.state_reason])
        words = reason_words(self.state_reason, self.state_reason_said).words
        return gettext("Shopee refused this shop's authorization: %(error)s") % {"error": words}

    @property
    def state_reason_detail(self) -> str:
        """Shopee's own words behind `state_reason_text` (a tooltip: staff quote it to Shopee)."""
        return self.state_reason_said


class ShopSync(models.Model):
    """Where one pull of one shop from Shopee stands (its chat, its orders), kept the same way
    for each: one run at a time (a lease that a killed worker's run loses when it lapses), how
    far the pull got (its cursor), and how the last run went."""

    class Kind(models.TextChoices):
        CHAT = "chat", _("Chat")
        ORDERS = "orders", _("Orders")

    shop = models.ForeignKey(Shop, verbose_name=_("Shop"), on_delete=models.CASCADE, related_name="syncs")
    kind = models.CharField(_("Pull"), max_length=8, choices=Kind.choices)
    # The pull's own position, moved only with the data it covers. Chat: every conversation whose
    # last message is at or before this point (Shopee's ns) is stored. Orders: every order
    # updated before this point (unix seconds) is stored.
    cursor = models.BigIntegerField(_("Cursor"), default=0)
    lease_token = models.CharField(_("Lease token"), max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(_("Lease expires at"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("Last started at"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("Last pull"), null=True, blank=True)
    last_full_at = models.DateTimeField(_("Last full reconciliation"), null=True, blank=True)
    last_api_calls = models.PositiveIntegerField(_("API calls of the last pull"), default=0)
    # The last run's error: a language-neutral code (Shopee's error string, or the kind of
    # failure when Shopee said nothing) and the words behind it; empty after a success.
    last_error_code = models.CharField(_("Last error code"), max_length=60, blank=True)
    last_error = models.CharField(_("Last error"), max_length=500, blank=True)
    last_error_at = models.DateTimeField(_("Last error at"), null=True, blank=True)
    # Chat rows of Seller Centre shops: Shopee's cheap signal (user/sync), asked every few seconds
    # while staff who see the shop are about (chat.live). Not before `signal_due_at` (the claim,
    # one asker per shop per interval whatever the number of processes; `signal_token` says
    # whose), the unread count the last pull covers (None: a pull is owed), consecutive failures.
    signal_due_at = models.DateTimeField(_("Signal due at"), null=True, blank=True)
    signal_token = models.CharField(_("Signal claim"), max_length=16, blank=True)
    signal_at = models.DateTimeField(_("Signal last asked"), null=True, blank=True)
    signal_unread = models.IntegerField(_("Unread count the last pull covers"), null=True, blank=True)
    signal_failures = models.PositiveSmallIntegerField(_("Signal failures in a row"), default=0)

    class Meta:
        ordering = ["shop", "kind"]
        constraints = [models.UniqueConstraint(fields=["shop", "kind"], name="one_sync_per_shop_and_kind")]
        verbose_name = _("sync status")
        verbose_name_plural = _("sync status")

    def __str__(self) -> str:
        return f"{self.shop} {self.get_kind_display()}"

    @property
    def lag_seconds(self) -> int | None:
        """Seconds since the last successful pull (None: never pulled)."""
        if self.last_success_at is None:
            return None
        return int((timezone.now() - self.last_success_at).total_seconds())

    @property
    def error_text(self) -> str:
        """The last error as staff read it, marked with what failed: "[聊聊] 蝦皮內部發生錯誤…"."""
        if not self.last_error:
            return ""
        words = reason_words(self.last_error_code, self.last_error).words
        return f"[{self.get_kind_display()}] {words}"

    @property
    def error_detail(self) -> str:
        """Shopee's or the network's own words behind `error_text` (a tooltip), if they differ."""
        return reason_words(self.last_error_code, self.last_error).raw if self.last_error else ""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.channels import ChannelKind
from orders.scopes import PENDING_SHIPMENT, Scope

# Shopee's order statuses in the words staff use (SHOPEE_API.md §3.4).
STATUS_LABELS = {
    "UNPAID": _("Unpaid"),
    "PENDING": _("Pending"),
    "READY_TO_SHIP": _("To ship"),
    "PROCESSED": _("Shipment arranged"),
    "RETRY_SHIP": _("Retry shipment"),
    "SHIPPED": _("Shipped"),
    "TO_CONFIRM_RECEIVE": _("Awaiting receipt"),
    "COMPLETED": _("Completed"),
    "IN_CANCEL": _("Cancelling"),
    "CANCELLED": _("Cancelled"),
    "TO_RETURN": _("Return or refund"),
    "INVOICE_PENDING": _("Invoice pending"),
}
# The buyer or Shopee cancelled the order (orders.signals.orders_cancelled).
CANCELLED_STATUSES = frozenset({"IN_CANCEL", "CANCELLED"})


class Order(models.Model):
    """A Shopee order as last pulled from the platform (buyer fields may be masked on Taiwan orders)."""

    shop = models.ForeignKey(
        "accounts.Shop", verbose_name=_("Shop"), on_delete=models.CASCADE, related_name="orders"
    )
    order_sn = models.CharField(_("Order number"), max_length=32)
    # Shopee's status as its code; the choices name it in the reader's words (the admin's list and filter).
    status = models.CharField(_("Status"), max_length=32, choices=list(STATUS_LABELS.items()))
    buyer_user_id = models.CharField(_("Buyer ID"), max_length=32, blank=True)
    buyer_username = models.CharField(_("Buyer"), max_length=255, blank=True)
    total_amount = models.DecimalField(
        _("Checkout amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("Currency"), max_length=3, default="TWD")
    shipping_carrier = models.CharField(_("Logistics"), max_length=64, blank=True)
    logistics_channel_id = models.CharField(_("Logistics channel ID"), max_length=16, blank=True)
    channel_kind = models.CharField(
        _("Delivery"), max_length=8, choices=ChannelKind.choices, default=ChannelKind.UNKNOWN
    )
    package_number = models.CharField(_("Package number"), max_length=64, blank=True)
    tracking_number = models.CharField(_("Tracking number"), max_length=64, blank=True)
    items = models.JSONField(_("Items"), default=list, blank=True)
    message_to_seller = models.TextField(_("Buyer's message to the seller"), blank=True)
    note = models.TextField(_("Seller's note"), blank=True)
    created_on_shopee = models.DateTimeField(_("Created"))
    updated_on_shopee = models.DateTimeField(_("Updated on Shopee"), null=True, blank=True)
    pay_time = models.DateTimeField(_("Paid at"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("Fetched at"), auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "order_sn"], name="uniq_order")]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["shop", "buyer_user_id"], name="order_shop_buyer"),
            # The order table pages newest first by walking these, whatever the shops (a staff
            # member's few of them go in as a list): the columns its filters, scopes and sort by
            # amount read are included, so counting and sorting need no table reads once vacuumed.
            # The pending-shipment scopes (four of the six) read the small partial one. Searching
            # uses trigram indexes on PostgreSQL (migration 0005).
            models.Index(fields=["shop", "-created_on_shopee", "-id"], name="order_shop_recent_id"),
            models.Index(
                fields=["-created_on_shopee", "-id"],
                include=["shop", "status", "channel_kind", "tracking_number", "total_amount"],
                name="order_recent",
            ),
            models.Index(
                fields=["-created_on_shopee", "-id"],
                include=["shop", "status", "channel_kind", "tracking_number", "total_amount"],
                condition=models.Q(status__in=PENDING_SHIPMENT),
                name="order_pending_created",
            ),
        ]

    def __str__(self) -> str:
        return self.order_sn

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def product_names(self) -> str:
        return "、".join(item.get("item_name", "") for item in self.items)


class OrderDownload(models.Model):
    """One shop's on-demand order download (蝦皮訂單API匯出): a job that outlives the page.

    Staff who ask for the same shop, range, scope and "only not imported" while it is active share
    it (`key`, unique among active jobs). The order numbers are listed once and kept, `done`
    counts the ones stored, and the counts move in the same transaction as the orders they count:
    a worker killed mid-way leaves a job the sweeper hands to another worker, which carries on
    from `done` without pulling or counting anything twice."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

    key = models.CharField(_("Key"), max_length=120)
    shop = models.ForeignKey(
        "accounts.Shop", on_delete=models.CASCADE, related_name="order_downloads", verbose_name=_("Shop")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_from = models.DateField(_("Created from"))
    created_to = models.DateField(_("Created to"))
    scope = models.CharField(_("Scope"), max_length=20, choices=Scope.choices, default=Scope.ALL)
    only_not_imported = models.BooleanField(_("Only orders not imported"), default=False)

    state = models.CharField(_("State"), max_length=10, choices=State.choices, default=State.QUEUED)
    cancel_requested = models.BooleanField(_("Cancel requested"), default=False)
    listed = models.BooleanField(_("Order numbers listed"), default=False)
    order_sns = models.JSONField(_("Order numbers"), default=list, blank=True)
    total = models.PositiveIntegerField(_("Total"), default=0)
    done = models.PositiveIntegerField(_("Done"), default=0)
    current_order_sn = models.CharField(_("Current order number"), max_length=32, blank=True)
    new = models.PositiveIntegerField(_("New"), default=0)
    updated = models.PositiveIntegerField(_("Updated"), default=0)
    unchanged = models.PositiveIntegerField(_("Unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("Skipped"), default=0)  # already imported, when only not imported
    failures = models.JSONField(_("Failures"), default=list, blank=True)  # [{"order_sn", "reason"}]
    error = models.CharField(_("Error"), max_length=500, blank=True)
    lease_until = models.DateTimeField(_("Lease until"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("Attempts"), default=0)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order download")
        verbose_name_plural = _("order downloads")
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(state__in=["queued", "running"]),
                name="uniq_active_download",
            )
        ]
        indexes = [models.Index(fields=["shop", "-created_at"], name="download_shop_recent")]

    def __str__(self) -> str:
        return f"{self.shop} {self.created_from}–{self.created_to} {self.scope}"

    @property
    def active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def current_order_display(self) -> str:
        """The seed writes the order number with its date apart: 200415/BVCQARP."""
        sn = self.current_order_sn
        return f"{sn[:6]}/{sn[6:]}" if len(sn) > 6 else sn


class OrderSelection(models.Model):
    """The orders a staff member has selected on the order table, kept on the server so the
    selection survives paging and reloads; actions (import, notices, Excel) apply to it.

    A 全選 (or 選已匯入, or a helper that chooses by a filter) is kept as its rule, not its orders:
    the table's filter, the helper, and the newest order then, so a million orders selected are
    one row and an order arriving later never joins. Orders ticked or unticked one by one are
    `OrderSelectionTick` rows on top of the rule (see orders.selection)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("User")
    )
    # The table's filter (OrderFilter's fields) of the last 全選; None when no rule is kept.
    filters = models.JSONField(_("Filter"), null=True, blank=True)
    helper = models.CharField(_("Helper"), max_length=40, blank=True)  # "" 全選, "imported", a helper's key
    newest_order = models.BigIntegerField(_("Newest order then"), null=True, blank=True)
    shops = models.JSONField(
        _("Shops then"), default=list, blank=True
    )  # pks the user saw: no shop joins later
    count = models.PositiveIntegerField(_("Orders then"), default=0)  # the rule's, as the table said
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order selection")
        verbose_name_plural = _("order selections")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.count}"


class OrderSelectionTick(models.Model):
    """One order ticked (selected) or unticked (left out of the rule) by hand."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("User")
    )
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+", verbose_name=_("Order"))
    selected = models.BooleanField(_("Selected"))

    class Meta:
        verbose_name = _("ticked order")
        verbose_name_plural = _("ticked orders")
        constraints = [models.UniqueConstraint(fields=["user", "order"], name="order_selection_tick_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.order_id} {'+' if self.selected else '-'}"


class OrderExport(models.Model):
    """A large Excel export, written by a worker; the page polls it and then offers the file."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("User")
    )
    order_pks = models.JSONField(_("Orders"), default=list, blank=True)
    filename = models.CharField(_("File name"), max_length=200)
    state = models.CharField(_("State"), max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(_("Total"), default=0)
    done = models.PositiveIntegerField(_("Done"), default=0)
    error = models.CharField(_("Error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Excel export")
        verbose_name_plural = _("Excel exports")

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

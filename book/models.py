"""The order book (F7): the company's own record of the Shopee orders it handles, and its stock.

The tables were created by the orders app and keep their names (`db_table`): the models moved to
this app with every row (migrations book 0001 and orders 0008).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.models import Order


class Product(models.Model):
    """A product the company stocks, matched to order lines by SKU.

    `on_hand` is what is on the shelf; `reserved` what imported, not yet shipped orders hold.
    Both change only under a row lock (book.stock)."""

    sku = models.CharField(_("SKU"), max_length=100, unique=True)
    name = models.CharField(_("Product name"), max_length=255, blank=True)
    on_hand = models.IntegerField(_("On hand"), default=0)
    reserved = models.IntegerField(_("Reserved"), default=0)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        db_table = "orders_product"
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.sku} {self.name}".strip()

    @property
    def available(self) -> int:
        """What a new import may still reserve (negative after a forced import)."""
        return self.on_hand - self.reserved


class BookOrder(models.Model):
    """A Shopee order imported into the order book (one per order: importing is idempotent)."""

    class State(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        SHIPPED = "shipped", _("Shipped")
        CANCELLED = "cancelled", _("Cancelled")
        # Cancelled on Shopee after shipment (a store parcel never picked up, 未取貨): it comes back.
        RETURNING = "returning", _("Cancelled after shipment, parcel returning")
        RETURNED = "returned", _("Returned to stock")

    # The goods left the shelf (stock deducted), whatever happened to the parcel since.
    LEFT_STATES = frozenset({State.SHIPPED, State.RETURNING, State.RETURNED})

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="book_entry", verbose_name=_("order")
    )
    state = models.CharField(_("State"), max_length=16, choices=State.choices, default=State.IMPORTED)
    imported_at = models.DateTimeField(_("Imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Imported by"),
        null=True,
        blank=True,  # null: imported automatically (自動匯入)
        on_delete=models.SET_NULL,
        related_name="+",
    )
    forced = models.BooleanField(_("Forced import"), default=False)
    # Hash of the Shopee lines imported: a re-import (強制匯入) is needed when it changes.
    content_hash = models.CharField(_("Fingerprint of the imported lines"), max_length=64, blank=True)
    # The lines hold a reservation on their products.
    stock_reserved = models.BooleanField(_("Stock reserved"), default=False)
    sender = models.CharField(_("Sender"), max_length=100, blank=True)
    tracking_number = models.CharField(_("Tracking number"), max_length=64, blank=True)
    shipped_at = models.DateTimeField(_("Converted to shipment at"), null=True, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Converted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("Cancelled at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("Restocked at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Restocked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    document_printed_at = models.DateTimeField(_("Shipping document generated"), null=True, blank=True)
    updated_at = models.DateTimeField(_("Updated at"), auto_now=True)

    class Meta:
        db_table = "orders_bookorder"
        ordering = ["-imported_at"]
        verbose_name = _("imported order")
        verbose_name_plural = _("imported orders")
        indexes = [models.Index(fields=["state", "-imported_at"], name="book_state_recent")]

    def __str__(self) -> str:
        return str(self.order_id)


class BookOrderLine(models.Model):
    """One line of an imported order as Shopee had it; `product` is null for an unknown SKU."""

    book_order = models.ForeignKey(
        BookOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("imported order")
    )
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    name = models.CharField(_("Product name"), max_length=255, blank=True)
    quantity = models.IntegerField(_("Quantity"))
    price = models.DecimalField(_("Price"), max_digits=12, decimal_places=2, null=True, blank=True)
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="book_lines",
        verbose_name=_("product"),
    )

    class Meta:
        db_table = "orders_bookorderline"
        ordering = ["id"]
        verbose_name = _("imported order line")
        verbose_name_plural = _("imported order lines")

    def __str__(self) -> str:
        return f"{self.sku} × {self.quantity}"


class BookShopSettings(models.Model):
    """Per-shop order-book switches (kept here so the accounts app's Shop stays as it is)."""

    shop = models.OneToOneField(
        "accounts.Shop", on_delete=models.CASCADE, related_name="book_settings", verbose_name=_("Shop")
    )
    auto_import = models.BooleanField(_("Import new orders automatically"), default=False)
    # 自動匯入's last run, and its last run that imported anything (most runs find nothing new),
    # shown beside its switch: staff see that it works and what it took.
    auto_import_ran_at = models.DateTimeField(_("Automatic import last ran at"), null=True, blank=True)
    auto_import_left = models.PositiveIntegerField(
        _("Orders the last automatic import left for staff"), default=0
    )
    auto_import_imported_at = models.DateTimeField(
        _("Automatic import last imported orders at"), null=True, blank=True
    )
    auto_import_imported = models.PositiveIntegerField(
        _("Orders the automatic import last imported"), default=0
    )
    auto_import_order_sns = models.JSONField(
        _("Order numbers the automatic import last imported"), default=list, blank=True
    )

    class Meta:
        db_table = "orders_bookshopsettings"
        verbose_name = _("order book shop setting")
        verbose_name_plural = _("order book shop settings")

    def __str__(self) -> str:
        return str(self.shop)


class BookUserSettings(models.Model):
    """What the conversion form remembers per user: the sender (寄件人) and the blank-tracking switch."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="book_settings",
        verbose_name=_("user"),
    )
    sender = models.CharField(_("Sender"), max_length=100, blank=True)
    allow_blank_tracking = models.BooleanField(
        _("Allow home-delivery shipment with a blank tracking number"), default=False
    )

    class Meta:
        db_table = "orders_bookusersettings"
        verbose_name = _("order book user setting")
        verbose_name_plural = _("order book user settings")

    def __str__(self) -> str:
        return str(self.user)


class BookAction(models.Model):
    """One run of an order-book action on a selection: its per-order results and, for shipping
    documents, the file to print. Long runs go to a Celery task and report progress here."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("Import orders")
        FORCE_IMPORT = "force_import", _("Force import")
        SUPPLEMENT = "supplement", _("Fill in store-pickup tracking numbers")
        CONVERT = "convert", _("Convert to shipment")
        DOCUMENTS = "documents", _("Shipping documents")
        RESTOCK = "restock", _("Restock returned parcels")

    kind = models.CharField(_("Action"), max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Run by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    order_pks = models.JSONField(_("Orders"), default=list)
    options = models.JSONField(_("Options"), default=dict, blank=True)
    total = models.IntegerField(_("Total"), default=0)
    done = models.IntegerField(_("Done"), default=0)
    finished_at = models.DateTimeField(_("Finished at"), null=True, blank=True)
    results = models.JSONField(_("Results"), default=list, blank=True)  # Outcome.as_json() per order
    document = models.BinaryField(_("Shipping document file"), null=True, blank=True)
    # The Content-Type of `document`.
    document_type = models.CharField(_("Document type"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        db_table = "orders_bookaction"
        ordering = ["-created_at"]
        verbose_name = _("order book action")
        verbose_name_plural = _("order book actions")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

from django.db import models
from django.utils.translation import gettext_lazy as _

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


class Order(models.Model):
    """A Shopee order as last pulled from the platform (buyer fields may be masked on Taiwan orders)."""

    shop = models.ForeignKey("accounts.Shop", on_delete=models.CASCADE, related_name="orders")
    order_sn = models.CharField(_("Order number"), max_length=32)
    status = models.CharField(_("Status"), max_length=32)
    buyer_user_id = models.CharField(max_length=32, blank=True)
    buyer_username = models.CharField(_("Buyer"), max_length=255, blank=True)
    total_amount = models.DecimalField(
        _("Checkout amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(max_length=3, default="TWD")
    shipping_carrier = models.CharField(_("Logistics"), max_length=64, blank=True)
    logistics_channel_id = models.CharField(max_length=16, blank=True)
    package_number = models.CharField(max_length=64, blank=True)
    tracking_number = models.CharField(_("Tracking number"), max_length=64, blank=True)
    items = models.JSONField(default=list, blank=True)
    message_to_seller = models.TextField(blank=True)
    note = models.TextField(blank=True)
    created_on_shopee = models.DateTimeField(_("Created"))
    updated_on_shopee = models.DateTimeField(null=True, blank=True)
    pay_time = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "order_sn"], name="uniq_order")]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["shop", "buyer_user_id"], name="order_shop_buyer"),
            models.Index(fields=["shop", "-created_on_shopee"], name="order_shop_recent"),
        ]

    def __str__(self) -> str:
        return self.order_sn

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def product_names(self) -> str:
        return "、".join(item.get("item_name", "") for item in self.items)

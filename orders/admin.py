from django.contrib import admin

from accounts.admin_scope import ShopScopedAdmin
from orders.models import Order


@admin.register(Order)
class OrderAdmin(ShopScopedAdmin):
    """Orders of the shops the staff member may see."""

    list_display = (
        "order_sn",
        "shop",
        "status",
        "buyer_username",
        "shipping_carrier",
        "tracking_number",
        "total_amount",
        "created_on_shopee",
    )
    list_filter = ("status", "shipping_carrier", "shop")
    search_fields = ("order_sn", "tracking_number", "buyer_username")
    list_select_related = ("shop",)
    date_hierarchy = "created_on_shopee"
    readonly_fields = ("fetched_at",)

"""The order book in the admin. Imported orders and the per-shop switches belong to a shop: each
staff member sees those of the shops they may see (accounts.admin_scope), listed, opened by id,
in their history and in the shop filter alike. Products are the company's, shared by every shop."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_scope import ShopScopedAdmin
from book.models import BookOrder, BookOrderLine, BookShopSettings, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Editable: SKU, name and on-hand quantity. `reserved` belongs to the imports, so read-only."""

    list_display = ("sku", "name", "on_hand", "reserved", "available", "updated_at")
    search_fields = ("sku", "name")
    readonly_fields = ("reserved", "created_at", "updated_at")
    fields = ("sku", "name", "on_hand", "reserved", "created_at", "updated_at")

    @admin.display(description=_("Available"))
    def available(self, product: Product) -> int:
        return product.available


class BookOrderLineInline(admin.TabularInline):
    model = BookOrderLine
    extra = 0
    can_delete = False
    fields = ("sku", "name", "quantity", "price", "product")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BookOrder)
class BookOrderAdmin(ShopScopedAdmin):
    """Read-mostly: imports, conversion and cancellation change these through the order book's
    rules (stock moves with them); only the sender may be corrected here."""

    shop_field = "order__shop"
    list_display = ("order", "shop", "state", "imported_at", "imported_by", "tracking_number", "shipped_at")
    list_filter = ("state", "forced", "order__shop")
    search_fields = ("order__order_sn", "tracking_number")
    list_select_related = ("order", "order__shop", "imported_by")
    date_hierarchy = "imported_at"
    inlines = [BookOrderLineInline]
    readonly_fields = (
        "order",
        "state",
        "imported_at",
        "imported_by",
        "forced",
        "content_hash",
        "stock_reserved",
        "tracking_number",
        "shipped_at",
        "shipped_by",
        "cancelled_at",
        "returned_at",
        "returned_by",
        "document_printed_at",
        "updated_at",
    )

    @admin.display(description=_("Shop"))
    def shop(self, entry: BookOrder):
        return entry.order.shop

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BookShopSettings)
class BookShopSettingsAdmin(ShopScopedAdmin):
    list_display = ("shop", "auto_import")
    list_filter = ("auto_import", "shop")

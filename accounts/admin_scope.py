"""Admin pages of rows that belong to a shop show each staff member the rows of the shops they may
see (accounts.selectors.shops_visible_to), as the product's pages and the shop admin do: a
salesperson with view permission on conversations still sees only their own shops' buyers."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q

from accounts.selectors import sees_all_shops, shops_visible_to


class ShopScopedAdmin(admin.ModelAdmin):
    """Rows whose `shop_field` (a lookup to accounts.Shop) is a shop the user may see."""

    shop_field = "shop"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if sees_all_shops(request.user):
            return rows
        return rows.filter(self.shop_scope(request))

    def shop_scope(self, request) -> Q:
        return Q(**{f"{self.shop_field}__in": shops_visible_to(request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == self.shop_field:
            kwargs["queryset"] = shops_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_filter(self, request):
        # The shop filter offers the shops among the rows shown, not every shop's name.
        return [
            (name, admin.RelatedOnlyFieldListFilter) if name == self.shop_field else name
            for name in super().get_list_filter(request)
        ]

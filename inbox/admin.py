"""Quick replies in the admin: kept here, beside the composer that offers them, because a saved
reply is checked as the outbox will check it (the inbox stands above both chat and the outbox)."""

from django.contrib import admin
from django.db.models import Q

from accounts.admin_scope import ShopScopedAdmin
from accounts.selectors import sees_all_shops
from chat.models import QuickReply
from inbox.forms import QuickReplyForm


@admin.register(QuickReply)
class QuickReplyAdmin(ShopScopedAdmin):
    """A salesperson keeps their own shops' quick replies and uses the shared ones (no shop);
    only staff who see every shop change the shared ones."""

    form = QuickReplyForm
    list_display = ("title", "shop", "position", "text")
    list_editable = ("position",)
    list_filter = ("shop",)
    search_fields = ("title", "text")
    list_select_related = ("shop",)
    fields = ("title", "text", "shop", "position")

    def shop_scope(self, request) -> Q:
        return super().shop_scope(request) | Q(shop__isnull=True)

    def has_change_permission(self, request, obj=None) -> bool:
        shared = obj is not None and obj.shop_id is None
        return super().has_change_permission(request, obj) and not (
            shared and not sees_all_shops(request.user)
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        shared = obj is not None and obj.shop_id is None
        return super().has_delete_permission(request, obj) and not (
            shared and not sees_all_shops(request.user)
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "shop" in form.base_fields and not sees_all_shops(request.user):
            form.base_fields["shop"].required = True  # a shared reply is not theirs to add
        return form

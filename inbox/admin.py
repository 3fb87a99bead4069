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
    only staff who see every shop change the shared ones. Every staff member may keep them (the
    inbox's 新增 link leads here), without a permission of the admin's: the rows are scoped."""

    form = QuickReplyForm
    list_display = ("title", "shop", "position", "text")
    list_editable = ("position",)
    list_filter = ("shop",)
    search_fields = ("title", "text")
    list_select_related = ("shop",)
    fields = ("title", "text", "shop", "position")

    def shop_scope(self, request) -> Q:
        return super().shop_scope(request) | Q(shop__isnull=True)

    def has_module_permission(self, request) -> bool:
        return _staff(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _staff(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return _staff(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = _staff(request) or super().has_change_permission(request, obj)
        return allowed and _theirs(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = _staff(request) or super().has_delete_permission(request, obj)
        return allowed and _theirs(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "shop" in form.base_fields and not sees_all_shops(request.user):
            form.base_fields["shop"].required = True  # a shared reply is not theirs to add
        return form


def _staff(request) -> bool:
    return request.user.is_active and request.user.is_staff


def _theirs(request, reply: QuickReply | None) -> bool:
    """A shared reply (no shop) is changed only by staff who see every shop."""
    return reply is None or reply.shop_id is not None or sees_all_shops(request.user)

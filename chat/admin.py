from django.contrib import admin
from django.db.models import Q

from accounts.admin_scope import ShopScopedAdmin
from accounts.selectors import sees_all_shops, shops_visible_to
from chat.forms import QuickReplyForm
from chat.models import Conversation, Message, PushReceipt, QuickReply


class FromShopeeAdmin(ShopScopedAdmin):
    """Rows pulled from Shopee (or kept about it): looked at and deleted here, never written;
    each staff member sees those of the shops they may see."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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


@admin.register(Conversation)
class ConversationAdmin(FromShopeeAdmin):
    list_display = ("buyer_name", "shop", "last_message_at", "unread_count", "last_message_from_buyer")
    list_filter = ("shop",)
    search_fields = ("buyer_name", "buyer_id", "conversation_id")
    list_select_related = ("shop",)


@admin.register(Message)
class MessageAdmin(FromShopeeAdmin):
    list_display = ("message_id", "shop", "from_buyer", "message_type", "text", "created_at")
    list_filter = ("from_buyer", "message_type")
    search_fields = ("message_id", "text")
    list_select_related = ("shop",)
    raw_id_fields = ("conversation",)


@admin.register(PushReceipt)
class PushReceiptAdmin(FromShopeeAdmin):
    list_display = ("received_at", "code", "shopee_shop_id", "via", "processed_at", "error")
    list_filter = ("code", "via")
    search_fields = ("shopee_shop_id",)

    def shop_scope(self, request) -> Q:
        # Receipts name the shop by Shopee's id; partner-level ones (no shop) only for those seeing all.
        shop_ids = shops_visible_to(request.user).exclude(shop_id=None).values("shop_id")
        return Q(shopee_shop_id__in=shop_ids)

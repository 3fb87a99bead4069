from django.contrib import admin
from django.db.models import Q

from accounts.admin_scope import ShopScopedAdmin
from accounts.selectors import shops_visible_to
from chat.models import Conversation, Message, PushReceipt


class FromShopeeAdmin(ShopScopedAdmin):
    """Rows pulled from Shopee (or kept about it): looked at and deleted here, never written;
    each staff member sees those of the shops they may see."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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

from django.contrib import admin
from django.db.models import Q

from accounts.admin_scope import ShopScopedAdmin
from accounts.selectors import shops_visible_to
from chat.models import ChatShopSettings, Conversation, Message, Note, PushReceipt, Tag


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


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    """The company's tags (also kept on the inbox's 管理標籤 page)."""

    list_display = ("name", "colour")
    search_fields = ("name",)


@admin.register(ChatShopSettings)
class ChatShopSettingsAdmin(ShopScopedAdmin):
    """Per shop: new conversations handed out in turn to the staff about."""

    list_display = ("shop", "auto_assign", "last_assignee")
    list_filter = ("auto_assign",)
    list_select_related = ("shop", "last_assignee")


@admin.register(Note)
class NoteAdmin(FromShopeeAdmin):
    """Internal notes, looked at here; they are written in the inbox (audited there)."""

    shop_field = "conversation__shop"
    list_display = ("conversation", "author", "created_at", "text")
    search_fields = ("text",)
    list_select_related = ("conversation__shop", "author")
    raw_id_fields = ("conversation",)

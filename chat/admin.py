from django.contrib import admin

from chat.forms import QuickReplyForm
from chat.models import Conversation, Message, PushReceipt, QuickReply


class FromShopeeAdmin(admin.ModelAdmin):
    """Rows pulled from Shopee (or kept about it): looked at and deleted here, never written."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QuickReply)
class QuickReplyAdmin(admin.ModelAdmin):
    form = QuickReplyForm
    list_display = ("title", "shop", "position", "text")
    list_editable = ("position",)
    list_filter = ("shop",)
    search_fields = ("title", "text")
    list_select_related = ("shop",)
    fields = ("title", "text", "shop", "position")


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

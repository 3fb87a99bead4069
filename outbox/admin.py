"""The outbox in the admin: looked at, never written here. Staff retry failed messages on 通知,
where the outbox's rules apply."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.selectors import shops_visible_to
from outbox.models import OutgoingMessage


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "shop", "buyer_id", "origin", "state", "attempts", "problem", "sent_at")
    list_filter = ("state", "origin")
    search_fields = ("buyer_id", "order_sn", "text", "shopee_message_id")
    list_select_related = ("shop",)
    raw_id_fields = ("conversation", "queued_by")

    @admin.display(description=_("Last error"))
    def problem(self, message: OutgoingMessage) -> str:
        return message.error_text

    def get_queryset(self, request):
        return super().get_queryset(request).filter(shop__in=shops_visible_to(request.user))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

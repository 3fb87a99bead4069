"""The admin site for account verification: states, filters, and two actions that ask Shopee now.
Tokens never appear here."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.models import Shop, ShopSync
from accounts.selectors import shops_visible_to
from accounts.shopee_words import shopee_error_said
from audit.services import audit_shop_changed
from shopee.errors import AuthError, ShopeeError


class ShopSyncInline(admin.TabularInline):
    """How the shop's pulls from Shopee stand: written by the syncs, only looked at here."""

    model = ShopSync
    extra = 0
    can_delete = False
    fields = ["kind", "last_success_at", "last_full_at", "last_api_calls", "last_error", "last_error_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = [
        "shop_id",
        "account",
        "name",
        "customer",
        "salesperson",
        "state",
        "reason",
        "authorization_expires_at",
        "access_token_expires_at",
    ]
    list_display_links = ["shop_id", "account", "name"]
    list_filter = ["state", "region", "salesperson"]
    search_fields = ["shop_id", "account", "name", "customer"]
    list_select_related = ["salesperson"]
    exclude = ["access_token", "refresh_token", "state_reason"]
    readonly_fields = [
        "shop_id",
        "state",
        "reason",
        "state_changed_at",
        "verified_at",
        "authorization_expires_at",
        "access_token_expires_at",
        "refresh_token_expires_at",
        "tokens_refreshed_at",
    ]
    inlines = [ShopSyncInline]
    actions = ["check_authorization_now", "refresh_tokens_now"]

    def get_queryset(self, request):
        return shops_visible_to(request.user)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.changed_data or not change:
            audit_shop_changed(actor=request.user, shop=obj, fields=form.changed_data, added=not change)

    @admin.display(description=_("Reason"))
    def reason(self, shop: Shop) -> str:
        return shop.state_reason_text

    @admin.action(description=_("Check authorization now"))
    def check_authorization_now(self, request, queryset):
        try:
            result = services.shop_authorizations_check(shop_pks=list(queryset.values_list("pk", flat=True)))
        except ShopeeError as exc:
            self.message_user(
                request,
                _("Shopee could not be asked: %(error)s") % {"error": shopee_error_said(str(exc))},
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            _(
                "Checked %(checked)d verified shops: %(expiring)d expiring soon, %(lost)d no longer authorized."
            )
            % {"checked": result.checked, "expiring": result.expiring, "lost": result.lost},
            messages.WARNING if result.lost else messages.SUCCESS,
        )

    @admin.action(description=_("Refresh tokens now"))
    def refresh_tokens_now(self, request, queryset):
        refreshed = 0
        for shop in queryset.filter(state__in=Shop.AUTHORIZED_STATES):
            try:
                services.shop_tokens_refresh(shop_pk=shop.pk, force=True)
                refreshed += 1
            except AuthError as exc:
                self.message_user(
                    request,
                    _("%(shop)s lost its authorization: %(error)s")
                    % {"shop": shop, "error": shopee_error_said(str(exc))},
                    messages.ERROR,
                )
            except ShopeeError as exc:
                self.message_user(
                    request,
                    _("%(shop)s: Shopee could not be asked: %(error)s")
                    % {"shop": shop, "error": shopee_error_said(str(exc))},
                    messages.WARNING,
                )
        self.message_user(
            request,
            ngettext(
                "Refreshed the tokens of %(count)d shop.",
                "Refreshed the tokens of %(count)d shops.",
                refreshed,
            )
            % {"count": refreshed},
        )

"""The admin site for account verification: states, filters, and two actions that ask Shopee now.

Secrets never appear here, not even read-only: the Open Platform tokens, the Seller Centre
password, session (cookies, chat token), pending login and trusted device id. The fields are
listed, never excluded, so a secret added to the model stays out by default; the password can only
be set anew or forgotten, the session only forgotten."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import chatlogin, services, tokens
from accounts.models import Shop, ShopSync
from accounts.selectors import sees_all_shops, shops_visible_to
from accounts.shopee_words import shopee_error_said
from audit.services import audit_shop_changed
from shopee.errors import AuthError, ShopeeError


class ShopSyncInline(admin.TabularInline):
    """How the shop's pulls from Shopee stand: written by the syncs, only looked at here."""

    model = ShopSync
    extra = 0
    can_delete = False
    fields = ["kind", "last_success_at", "last_full_at", "last_api_calls", "error", "last_error_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("Last error"))
    def error(self, sync: ShopSync) -> str:
        return sync.error_text


class ShopAdminForm(forms.ModelForm):
    """The shop's own fields, and write-only controls for the chat login's secrets."""

    chat_password_new = forms.CharField(
        label=_("New Seller Centre password"),
        required=False,
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown. Leave empty to keep the stored one."),
    )
    chat_password_forget = forms.BooleanField(label=_("Forget the kept password"), required=False)
    chat_session_forget = forms.BooleanField(
        label=_("Forget the chat session"),
        required=False,
        help_text=_("The shop's chat stops until its chat login is verified again."),
    )

    class Meta:
        model = Shop
        fields = [
            "name",
            "account",
            "region",
            "customer",
            "salesperson",
            "chat_transport",
            "chat_login_name",
            "send_rate_per_second",
            "auto_notice_enabled",
            "auto_notice_template",
        ]

    def clean(self):
        data = super().clean()
        if data.get("chat_password_new") and data.get("chat_password_forget"):
            raise forms.ValidationError(_("Either set a new password or forget the kept one, not both."))
        return data


SECRET_CONTROLS = ["chat_password_new", "chat_password_forget", "chat_session_forget"]
# What the change page shows of each verification (read-only but the first two of the chat's).
API_FIELDS = [
    "state",
    "reason",
    "state_changed_at",
    "verified_at",
    "authorization_expires_at",
    "access_token_expires_at",
    "refresh_token_expires_at",
    "tokens_refreshed_at",
]
CHAT_FIELDS = [
    "chat_transport",
    "chat_login_name",
    "chat_state",
    "chat_reason",
    "chat_state_changed_at",
    "chat_verified_at",
    "chat_session_at",
    "chat_password_kept",
]


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    form = ShopAdminForm
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
    list_filter = ["state", "region", ("salesperson", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["shop_id", "account", "name", "customer"]
    list_select_related = ["salesperson"]
    readonly_fields = ["shop_id", *API_FIELDS, *CHAT_FIELDS[2:]]
    inlines = [ShopSyncInline]
    actions = ["check_authorization_now", "refresh_tokens_now"]

    def get_fieldsets(self, request, obj=None):
        chat = CHAT_FIELDS + (
            SECRET_CONTROLS if obj is not None and self.has_change_permission(request, obj) else []
        )
        return [
            (None, {"fields": ["shop_id", "name", "account", "region", "customer", "salesperson"]}),
            (_("Shopee API authorization"), {"fields": API_FIELDS}),
            (_("Chat login verification"), {"fields": chat}),
            (
                _("Messages to buyers"),
                {"fields": ["send_rate_per_second", "auto_notice_enabled", "auto_notice_template"]},
            ),
        ]

    def get_queryset(self, request):
        return shops_visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "salesperson" and not sees_all_shops(request.user):
            # A salesperson keeps their shops: handing one away would hide it from them.
            kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        data = form.cleaned_data
        if data.get("chat_password_new"):
            chatlogin.chat_password_set(shop=obj, password=data["chat_password_new"])
        if data.get("chat_password_forget"):
            chatlogin.chat_password_forget(shop=obj)
        if data.get("chat_session_forget"):
            chatlogin.chat_session_forget(shop=obj)
        if form.changed_data or not change:
            audit_shop_changed(actor=request.user, shop=obj, fields=form.changed_data, added=not change)

    @admin.display(description=_("Reason"))
    def reason(self, shop: Shop) -> str:
        return shop.state_reason_text

    @admin.display(description=_("Chat login reason"))
    def chat_reason(self, shop: Shop) -> str:
        return shop.chat_state_reason_text

    @admin.display(description=_("Password kept for silent re-login"), boolean=True)
    def chat_password_kept(self, shop: Shop) -> bool:
        return shop.chat_password_kept

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
                tokens.shop_tokens_refresh(shop_pk=shop.pk, force=True)
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

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.models import Shop
from accounts.people import display_name
from accounts.selectors import sees_all_shops


class ShopForm(forms.ModelForm):
    """Shop account details staff keep themselves; the Shopee id and the tokens come from Shopee."""

    class Meta:
        model = Shop
        fields = ["name", "account", "customer", "salesperson", "chat_transport"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        salesperson = self.fields["salesperson"]
        salesperson.label_from_instance = display_name
        if sees_all_shops(user):
            salesperson.queryset = get_user_model().objects.filter(is_staff=True, is_active=True)
        else:
            # A salesperson keeps their shops: handing one away would hide it from them.
            salesperson.queryset = get_user_model().objects.filter(pk=user.pk)
            salesperson.required = True
            salesperson.initial = user.pk


class ChatLoginForm(forms.Form):
    """Step 1 of 聊聊登入認證: the shop's Seller Centre login."""

    login_name = forms.CharField(label=_("Seller Centre login name"), max_length=128)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(render_value=False), max_length=256
    )
    keep_password = forms.BooleanField(
        label=_("Keep the password (encrypted) so the server can log in again by itself"),
        required=False,
        initial=True,
    )

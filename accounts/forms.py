from django import forms
from django.contrib.auth import get_user_model

from accounts.models import Shop
from accounts.selectors import sees_all_shops


class ShopForm(forms.ModelForm):
    """Shop account details staff keep themselves; the Shopee id and the tokens come from Shopee."""

    class Meta:
        model = Shop
        fields = ["name", "account", "customer", "salesperson"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        salesperson = self.fields["salesperson"]
        salesperson.label_from_instance = lambda u: u.get_full_name() or u.username
        if sees_all_shops(user):
            salesperson.queryset = get_user_model().objects.filter(is_staff=True, is_active=True)
        else:
            # A salesperson keeps their shops: handing one away would hide it from them.
            salesperson.queryset = get_user_model().objects.filter(pk=user.pk)
            salesperson.required = True
            salesperson.initial = user.pk

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import STATUS_LABELS
from orders.scopes import Scope
from orders.selectors import SORTS, OrderFilter

# Dates a filter may name: Shopee did not exist before, and a day after 9999-12-31 does not exist
# at all (the list's "up to the end of that day" would fail).
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)


class DateRangeForm(forms.Form):
    """A filter form with a from/to date pair (named in `date_range`) that must be in order."""

    date_range: tuple[str, str]

    def clean(self):
        data = super().clean()
        for name in self.date_range:
            day = data.get(name)
            if day and not EARLIEST_DATE <= day <= LATEST_DATE:
                self.add_error(
                    name,
                    _("Pick a date between %(first)s and %(last)s.")
                    % {"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
                )
        start, end = (data.get(name) for name in self.date_range)
        if start and end and start > end and not self.errors:
            self.add_error(self.date_range[1], _("The end date is before the start date."))
        return data


class OrderFilterForm(DateRangeForm):
    date_range = ("created_from", "created_to")
    shop = forms.TypedChoiceField(label=_("Account"), required=False, coerce=int, empty_value=None)
    created_from = forms.DateField(
        label=_("Created from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    created_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    carrier = forms.ChoiceField(label=_("Logistics"), required=False)
    scope = forms.ChoiceField(
        label=_("Read scope"), required=False, choices=[("", _("Any scope")), *Scope.choices]
    )
    only_not_imported = forms.BooleanField(label=_("Only orders not yet imported"), required=False)
    sort = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Order, tracking number or buyer")}),
    )

    def __init__(self, *args, shops, statuses: list[str], carriers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].choices = [("", _("All accounts")), *((shop.pk, str(shop)) for shop in shops)]
        self.fields["status"].choices = [
            ("", _("All statuses")),
            *((s, STATUS_LABELS.get(s, s)) for s in statuses),
        ]
        self.fields["carrier"].choices = [("", _("All carriers")), *((c, c) for c in carriers)]

    def filters(self) -> OrderFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return OrderFilter(
            shop_pk=data.get("shop"),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            status=data.get("status") or "",
            carrier=data.get("carrier") or "",
            search=data.get("q") or "",
            scope=data.get("scope") or "",
            only_not_imported=bool(data.get("only_not_imported")),
            sort=data.get("sort") if data.get("sort", "").lstrip("-") in SORTS else "",
        )


class DownloadForm(DateRangeForm):
    """蝦皮訂單API匯出: account (all / one), created-date range, read scope, only not imported."""

    date_range = ("created_from", "created_to")
    shop = forms.TypedChoiceField(label=_("Account"), required=False, coerce=int, empty_value=None)
    created_from = forms.DateField(
        label=_("Created from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    created_to = forms.DateField(
        label=_("to"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    scope = forms.ChoiceField(label=_("Read scope"), choices=Scope.choices, initial=Scope.ALL)
    only_not_imported = forms.BooleanField(label=_("Only orders not yet imported"), required=False)

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.shops = {shop.pk: shop for shop in shops}
        self.fields["shop"].choices = [
            ("", _("All accounts")),
            *((pk, str(s)) for pk, s in self.shops.items()),
        ]

    def chosen_shops(self) -> list:
        pk = self.cleaned_data.get("shop")
        return [self.shops[pk]] if pk else list(self.shops.values())


class ImportOneForm(forms.Form):
    """匯入[訂單編號]: fetch one order by its number."""

    order_sn = forms.RegexField(
        label=_("Order number"),
        regex=r"^\s*[0-9A-Za-z]{6,32}\s*$",
        widget=forms.TextInput(attrs={"placeholder": _("Shopee order number"), "autocomplete": "off"}),
        error_messages={"invalid": _("An order number is 6 to 32 letters and digits.")},
    )
    shop = forms.TypedChoiceField(label=_("Account"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.shops = {shop.pk: shop for shop in shops}
        self.fields["shop"].choices = [
            ("", _("All accounts")),
            *((pk, str(s)) for pk, s in self.shops.items()),
        ]

    def clean_order_sn(self) -> str:
        return self.cleaned_data["order_sn"].strip().upper()

    def chosen_shops(self) -> list:
        pk = self.cleaned_data.get("shop")
        return [self.shops[pk]] if pk else list(self.shops.values())

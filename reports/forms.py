from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.people import display_name
from orders.forms import DateRangeForm

MAX_DAYS = 366
DEFAULT_DAYS = 30


class ReportForm(DateRangeForm):
    date_range = ("start", "end")
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    grain = forms.ChoiceField(
        label=_("By"),
        required=False,
        choices=[("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
    )
    shop = forms.TypedChoiceField(label=_("Account"), required=False, coerce=int, empty_value=None)
    person = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)

    def __init__(self, data=None, *, shops, people, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["shop"].choices = [("", _("All accounts")), *((shop.pk, str(shop)) for shop in shops)]
        self.fields["person"].choices = [
            ("", _("Everyone")),
            *((person.pk, display_name(person)) for person in people),
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The end date is before the start date."))
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(_("Choose at most a year."))
        data["start"], data["end"], data["grain"] = start, end, data.get("grain") or "day"
        return data

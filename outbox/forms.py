from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.selectors import shops_visible_to
from outbox.models import OutgoingMessage


class OutgoingFilterForm(forms.Form):
    """The filters above the list of outgoing messages (GET; every field optional)."""

    search = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Order number, buyer or words"), "type": "search"}),
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All states")), *OutgoingMessage.State.choices]
    )
    shop = forms.ModelChoiceField(label=_("Shop"), required=False, queryset=None, empty_label=_("All shops"))
    origin = forms.ChoiceField(
        label=_("Origin"), required=False, choices=[("", _("All origins")), *OutgoingMessage.Origin.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops_visible_to(user)

    def chosen(self) -> dict:
        """The filters as outgoing_filtered takes them; an invalid one (a shop the user may not
        see, a made-up state) is left out and its field shows why."""
        self.is_valid()  # a bound form keeps its valid fields in cleaned_data
        data = getattr(self, "cleaned_data", {})
        return {
            "state": data.get("state", ""),
            "shop": data.get("shop"),
            "origin": data.get("origin", ""),
            "search": data.get("search", "").strip(),
        }

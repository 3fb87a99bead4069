from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.selectors import shops_visible_to
from chat.models import OutgoingMessage


class OutgoingFilterForm(forms.Form):
    """The filters above the list of outgoing messages (GET; every field optional)."""

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

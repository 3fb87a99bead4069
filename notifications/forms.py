"""Forms of the notice pages: the batch's text (checked as the outbox checks it), named
templates, a shop's automatic notice."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from outbox.services import OutboxRefused, template_check


def _checked_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        template_check(text)
    except OutboxRefused as exc:
        raise forms.ValidationError(exc.reason) from exc
    return text


class ComposeForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}), max_length=2000)
    combine = forms.BooleanField(label=_("One message per buyer for their orders"), required=False)

    def clean_text(self):
        return _checked_text(self.cleaned_data["text"])


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=100)
    shop = forms.ModelChoiceField(label=_("Shop"), queryset=None, required=False, empty_label=_("Every shop"))
    text = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops

    def clean_text(self):
        return _checked_text(self.cleaned_data["text"])


class ShopNoticeForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Send shipping notices automatically on conversion to shipment"), required=False
    )
    text = forms.CharField(
        label=_("Shipping notice"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    review = forms.BooleanField(label=_("Hold automatic notices for review"), required=False)

    def clean(self):
        data = super().clean()
        text = data.get("text", "")
        if data.get("enabled") and not text.strip():
            self.add_error("text", _("A shop that sends shipping notices needs their text."))
        elif text:
            try:
                data["text"] = _checked_text(text)
            except forms.ValidationError as exc:
                self.add_error("text", exc)
        return data


class TemplateEditForm(TemplateForm):
    """A saved template's name, shop and text, edited on its own page."""

    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}), max_length=2000)

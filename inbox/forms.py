from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from chat.models import Conversation, QuickReply, Tag
from chat.selectors import ANY_STATUS, Assigned, InboxFilter, default_range
from chat.team import NOTE_MAX_CHARS
from orders.forms import DateRangeForm
from outbox.pictures import Picture, too_large_words
from outbox.services import MAX_TEXT_CHARS, template_check

SEARCH_MAX = 100
SEEN_AT_MAX = 253402300799999  # milliseconds: the last of year 9999
STALE_PAGE = _("This page is out of date: reload it, then send again.")


class InboxFilterForm(DateRangeForm):
    date_range = ("last_from", "last_to")
    last_from = forms.DateField(
        label=_("Last chat from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    shop = forms.TypedChoiceField(label=_("Account"), required=False, coerce=int, empty_value=None)
    unread = forms.BooleanField(label=_("Unread only"), required=False)
    unreplied = forms.BooleanField(label=_("Not replied"), required=False)
    assigned = forms.ChoiceField(
        label=_("Whose"),
        required=False,
        choices=[
            (Assigned.ANY, _("All")),
            (Assigned.MINE, _("Mine")),
            (Assigned.UNASSIGNED, _("Unassigned")),
        ],
        widget=forms.RadioSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[*Conversation.Status.choices, (ANY_STATUS, _("Any status"))],
    )
    tag = forms.TypedChoiceField(label=_("Tag"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=SEARCH_MAX,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Buyer or message text")}),
    )

    def __init__(self, data=None, *, shops, tags=(), viewer_pk: int | None = None, **kwargs):
        start, end = default_range()
        defaults = {"last_from": start, "last_to": end, "status": Conversation.Status.OPEN, "assigned": ""}
        if data is not None:  # a field left out means its default: show that, as the list uses it
            data = {k: str(v) for k, v in defaults.items()} | {
                name: value for name, value in data.items() if value
            }
        super().__init__(data, initial=defaults, **kwargs)
        self.viewer_pk = viewer_pk
        self.fields["shop"].choices = [("", _("All accounts")), *((shop.pk, str(shop)) for shop in shops)]
        self.fields["tag"].choices = [("", _("Any tag")), *((tag.pk, tag.name) for tag in tags)]

    def filters(self) -> InboxFilter:
        """What the user asked for; the defaults (last 7 days, every shop) for anything missing or invalid."""
        start, end = default_range()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return InboxFilter(
            last_from=data.get("last_from") or start,
            last_to=data.get("last_to") or end,
            shop_pk=data.get("shop"),
            unread=bool(data.get("unread")),
            unreplied=bool(data.get("unreplied")),
            search=(data.get("q") or "").strip(),
            viewer_pk=self.viewer_pk,
            assigned=data.get("assigned") or Assigned.ANY,
            status=data.get("status") or Conversation.Status.OPEN,
            tag_pk=data.get("tag"),
        )


def new_idempotency_key() -> str:
    return f"reply:{uuid.uuid4().hex}"


class ReplyForm(forms.Form):
    """[傳送訊息]: a text, a picture, or both. The outbox judges them (length, placeholders, the
    picture's type and size, shop state) and says why not; a picture over the size limit is
    refused here before it is read."""

    text = forms.CharField(
        label=_("Message"),
        required=False,
        strip=True,
        max_length=5000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("Type a reply… (Enter sends, Shift+Enter new line)")}
        ),
        error_messages={"required": _("Type a message first.")},
    )
    image = forms.FileField(label=_("Picture"), required=False)
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    # When the sender last saw the conversation (opened it, or sent): a colleague's answer since
    # then is asked about before this one is queued, unless `confirm` says they know.
    seen_at = forms.IntegerField(
        min_value=0,
        max_value=SEEN_AT_MAX,
        required=False,
        widget=forms.HiddenInput,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), STALE_PAGE),
    )
    confirm = forms.BooleanField(required=False)
    limit = MAX_TEXT_CHARS  # shown as a counter; the outbox enforces it

    @classmethod
    def blank(cls) -> ReplyForm:
        return cls(initial={"idempotency_key": new_idempotency_key(), "seen_at": int(time.time() * 1000)})

    def seen(self) -> datetime | None:
        """When the sender last saw the conversation (the form is valid); None from a form without it."""
        seen_at = self.cleaned_data.get("seen_at")
        return datetime.fromtimestamp(seen_at / 1000, tz=UTC) if seen_at is not None else None

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and (too_large := too_large_words(image.size)):
            raise forms.ValidationError(too_large)
        return image

    def clean(self):
        data = super().clean()
        if not data.get("text") and not data.get("image") and "image" not in self.errors:
            self.add_error("text", self.fields["text"].error_messages["required"])
        return data

    def picture(self) -> Picture | None:
        """The attached picture, read (the form is valid)."""
        image = self.cleaned_data.get("image")
        return Picture(data=image.read(), name=image.name) if image else None


class AlertsForm(forms.Form):
    on = forms.TypedChoiceField(choices=[("0", "0"), ("1", "1")], coerce=lambda value: value == "1")


class CardForm(forms.Form):
    """A card from the buyer's orders beside the conversation: the order's, or one product's."""

    order = forms.IntegerField(min_value=1)
    item = forms.RegexField(regex=r"^[0-9]{1,20}$", required=False)
    key = forms.RegexField(regex=r"^card:[0-9a-f]{32}:[a-z0-9:]{1,40}$")


class QuickReplyForm(forms.ModelForm):
    """A saved reply is checked as the outbox will check it, bar the placeholders it fills later."""

    class Meta:
        model = QuickReply
        fields = ("title", "text", "shop", "position")

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        template_check(text)  # an OutboxRefused is a ValidationError: shown next to the field
        return text


# -- the team's actions on a conversation (F14) ---------------------------------------------------


class AssignForm(forms.Form):
    """我來回覆 (`me`), a colleague's id, or nothing (released)."""

    to = forms.RegexField(regex=r"^(me|[0-9]{1,18})?$", required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Conversation.Status.choices)
    until = forms.DateTimeField(
        label=_("Until"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("Only colleagues see this; the buyer never does")}
        ),
        error_messages={"required": _("Write the note first.")},
    )


class TagPickForm(forms.Form):
    tag = forms.IntegerField(min_value=1)
    on = forms.BooleanField(required=False)


class TagForm(forms.ModelForm):
    """A company-wide tag: its name and colour (#rrggbb)."""

    colour = forms.RegexField(
        label=_("Colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": _("A colour like #d97706.")},
    )

    class Meta:
        model = Tag
        fields = ("name", "colour")

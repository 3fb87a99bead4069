"""The inbox (F4): the conversation list, one conversation, the composer and its pending replies,
and [聊聊] on an order. Views parse, check permission (`conversation_for`, `outgoing_for`: 404 for
another salesperson's shop) and call one service: chat's for reading a conversation, the outbox's
for queueing, retrying and cancelling a reply (audited there). The inbox stands above both chat and
the outbox (docs/DESIGN.md, "Layers"); its URLs stay under /chat/.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chat import selectors
from chat.models import Conversation
from chat.services import chat_live_quicken, conversation_mark_read, inbox_alerts_set
from inbox.forms import AlertsForm, CardForm, InboxFilterForm, NoteForm, ReplyForm, StatusForm
from inbox.presence import colleagues_in, presence_beat, presence_leave
from inbox.rows import list_rows
from inbox.templatetags.inbox import deadline_context
from orders.selectors import order_for
from outbox.models import OutgoingMessage
from outbox.placeholders import conversation_values, render_known
from outbox.selectors import conversation_of, other_answer_since, outgoing_for, pending_key, pending_of
from outbox.services import OutboxRefused, outbox_cancel, outbox_card_queue, outbox_reply_queue, outbox_retry

LIST_TARGET = "conversation-list"


# -- the page and its list ---------------------------------------------------------------------


class _Inbox:
    """The filters of one request, shared by the page and its fragments."""

    def __init__(self, request):
        self.user = request.user
        self.shops = selectors.visible_shops(request.user)
        self.shop_pks = [shop.pk for shop in self.shops]
        self.form = InboxFilterForm(
            _filter_data(request.GET) or None,
            shops=self.shops,
            tags=selectors.tags_all(),
            viewer_pk=request.user.pk,
        )
        self.filters = self.form.filters()
        self.valid = not self.form.is_bound or self.form.is_valid()
        self.query = urlencode({k: v for k, v in _filter_data(request.GET).items() if v})

    def context(self, **extra) -> dict:
        page, changed = extra.get("page"), extra.pop("rows", None)
        conversations = page.rows if page is not None else changed or []
        by_due = self.filters.due_soon or self.filters.by_time_left
        return {
            "rows": list_rows(conversations, viewer_pk=self.user.pk, filter_query=self.query, by_due=by_due),
            "form": self.form,
            "filter_query": self.query,
            "shops": self.shops,
            "shops_syncing": any(shop.can_send for shop in self.shops),
            **extra,
        }

    def first_page(self) -> dict:
        """The list's first page; none while the filters are invalid (the form says why)."""
        alerts_on = selectors.alerts_on(self.user)
        if not self.valid:
            return self.context(page=None, alerts_on=alerts_on)
        since = selectors.change_horizon()  # before the read: what commits after it is asked for
        page = selectors.conversations_for_inbox(shop_pks=self.shop_pks, filters=self.filters)
        return self.context(page=page, since=since, alerts_on=alerts_on)


@require_GET
def inbox(request):
    """The inbox; `?c=<pk>` opens a conversation. An htmx filter change gets just the list."""
    view = _Inbox(request)
    if request.htmx and request.htmx.target == LIST_TARGET:
        return render(request, "inbox/_list.html", view.first_page())
    pane = {"pane": None}
    if (pk := _id_param(request.GET.get("c"))) is not None:
        conversation = selectors.conversation_for(request.user, pk)
        pane = _pane_context(conversation, user=request.user)
    return render(request, "inbox/index.html", view.first_page() | pane)


@require_GET
def list_more(request):
    """The next page of the list (infinite scroll)."""
    view = _Inbox(request)
    cursor = selectors.ListCursor.parse(request.GET.get("after"))
    if cursor is None:
        return HttpResponseBadRequest("after: not a list position")
    if not view.valid:
        return HttpResponse(status=204)
    page = selectors.conversations_for_inbox(shop_pks=view.shop_pks, filters=view.filters, after=cursor)
    return render(request, "inbox/_list_rows.html", view.context(page=page))


@require_GET
def list_changes(request):
    """Polled every second: rows that changed since the list last looked, or 204 when none did
    (answered after one index probe while no conversation changed at all)."""
    since = _id_param(request.GET.get("since"), default=-1)
    if since is None:
        return HttpResponseBadRequest("since: not a position")
    if since >= 0 and not selectors.any_conversation_changed(since=since):
        return HttpResponse(status=204)
    view = _Inbox(request)
    if not view.valid:
        return HttpResponse(status=204)
    if since < 0:
        since = selectors.change_horizon()
    rows, next_since = selectors.conversations_changed(
        shop_pks=view.shop_pks, filters=view.filters, since=since
    )
    left = selectors.conversations_left(shop_pks=view.shop_pks, filters=view.filters, since=since)
    if not rows and not left:
        return HttpResponse(status=204)
    return render(request, "inbox/_list_changes.html", view.context(rows=rows, left=left, since=next_since))


@require_GET
def deadlines(request):
    """The header's count of my conversations near or past Shopee's 12-hour deadline, polled by
    every page; its rows name the conversations near the deadline, for an alert when one crosses."""
    return render(request, "inbox/_deadlines.html", deadline_context(request.user))


# -- one conversation --------------------------------------------------------------------------


def _pane_context(conversation, form: ReplyForm | None = None, *, user, **extra) -> dict:
    pane = selectors.conversation_pane(conversation=conversation)
    pending = pending_of(conversation)
    values = conversation_values(conversation, pane.orders[0] if pane.orders else None)
    return {
        "pane": pane,
        "pending": pending,
        "pending_key": pending_key(pending),
        # Each with its placeholders filled from this buyer, and those this buyer has no value for.
        "quick_replies": [(reply, *render_known(reply.text, values)) for reply in pane.quick_replies],
        "reply_form": form or ReplyForm.blank(),
        "team": selectors.team_side(conversation=conversation, viewer=user),
        "note_form": NoteForm(),
        "status_form": StatusForm(),
        **extra,
    }


@require_GET
def conversation(request, pk: int):
    conversation = selectors.conversation_for(request.user, pk)
    if request.htmx:
        return render(request, "inbox/_pane.html", _pane_context(conversation, user=request.user))
    view = _Inbox(request)
    return render(
        request, "inbox/index.html", view.first_page() | _pane_context(conversation, user=request.user)
    )


@require_POST
def conversation_read(request, pk: int):
    conversation = selectors.conversation_for(request.user, pk)
    conversation_mark_read(conversation=conversation, user=request.user)
    response = HttpResponse(status=204)
    response["HX-Trigger"] = json.dumps({"chat:read": {"pk": conversation.pk}})
    return response


@require_GET
def conversation_older(request, pk: int):
    conversation = selectors.conversation_for(request.user, pk)
    before_pk = _id_param(request.GET.get("before"), default=0)
    if before_pk is None:
        return HttpResponseBadRequest("before: not a message id")
    messages, has_older = selectors.messages_older(conversation=conversation, before_pk=before_pk)
    return render(
        request,
        "inbox/_older.html",
        {
            "conversation": conversation,
            "messages": messages,
            "has_older": has_older,
            "order_cards": selectors.order_cards(conversation, messages),
        },
    )


@require_GET
def conversation_updates(request, pk: int):
    """Polled every ~2 s by the open conversation: new messages and the pending block when
    either changed, else 204."""
    conversation = selectors.conversation_for(request.user, pk)
    after_pk = _id_param(request.GET.get("after"), default=0)
    if after_pk is None:
        return HttpResponseBadRequest("after: not a message id")
    messages = selectors.messages_after(conversation=conversation, after_pk=after_pk)
    pending = pending_of(conversation)
    key = pending_key(pending)
    if not messages and key == request.GET.get("seen"):
        return HttpResponse(status=204)
    last_pk = selectors.newest_pk(messages, default=after_pk)
    return render(
        request,
        "inbox/_updates.html",
        {
            "conversation": conversation,
            "messages": messages,
            "pending": pending,
            "pending_key": key,
            "last_pk": last_pk,
            "order_cards": selectors.order_cards(conversation, messages),
            "buyer_wrote": any(m.from_buyer for m in messages),
        },
    )


@require_POST
def conversation_presence(request, pk: int):
    """The open pane's beat every 2 s (and at once when its user starts typing): who else has the
    conversation open and who is typing. `leave` says the pane was closed."""
    conversation = selectors.conversation_for(request.user, pk)
    if request.POST.get("leave"):
        presence_leave(conversation_pk=conversation.pk, user=request.user)
        return HttpResponse(status=204)
    presence_beat(
        conversation_pk=conversation.pk, user=request.user, typing=request.POST.get("typing") == "1"
    )
    colleagues = colleagues_in(conversation_pk=conversation.pk, user=request.user)
    return render(request, "inbox/_presence.html", {"conversation": conversation, "colleagues": colleagues})


@require_POST
def reply_send(request, pk: int):
    """[傳送訊息]: queue the reply in the outbox; it shows at once in red until delivered. When
    someone else answered the buyer since the sender last saw the conversation, nothing is queued:
    the sender is asked first (仍要傳送 sends it with `confirm`)."""
    conversation = selectors.conversation_for(request.user, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid() and (other := _answered_meanwhile(request, conversation, form)):
        return _ask_first(request, conversation, form, other)
    if form.is_valid():
        picture = form.picture()
        try:
            outbox_reply_queue(
                conversation=conversation,
                text=form.cleaned_data["text"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                user=request.user,
                picture=picture,
            )
        except OutboxRefused as refused:
            form.add_error("image" if picture else "text", str(refused.reason))
        else:
            form = ReplyForm.blank()
            chat_live_quicken(shop_pk=conversation.shop_id)  # the buyer is likely to answer soon
    if not request.htmx:
        return redirect(f"{reverse('inbox:inbox')}?c={conversation.pk}")
    return render(
        request,
        "inbox/_composer_sent.html",
        {"conversation": conversation, "reply_form": form, "pending": pending_of(conversation)},
    )


def _answered_meanwhile(request, conversation, form: ReplyForm):
    seen = form.seen()
    if form.cleaned_data["confirm"] or seen is None:
        return None
    return other_answer_since(conversation, user=request.user, since=seen)


def _ask_first(request, conversation, form: ReplyForm, other):
    """The question before a second answer, in the composer (its text and picture stay)."""
    if not request.htmx:
        view = _Inbox(request)
        return render(
            request,
            "inbox/index.html",
            view.first_page() | _pane_context(conversation, form, user=request.user, other=other),
        )
    response = render(request, "inbox/_other_answer.html", {"other": other})
    response["HX-Retarget"] = "#composer-question"
    response["HX-Reswap"] = "innerHTML"
    return response


@require_POST
def alerts_switch(request):
    """桌面通知 on or off for the signed-in person (the browser's permission is asked first)."""
    form = AlertsForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("on: 0 or 1")
    inbox_alerts_set(user=request.user, on=form.cleaned_data["on"])
    if not request.htmx:
        return redirect("inbox:inbox")
    return render(request, "inbox/_alerts.html", {"alerts_on": form.cleaned_data["on"]})


@require_POST
def card_send(request, pk: int):
    """A card to the buyer from the orders beside the conversation: one click on an order sends
    its card, on one of its products that product's (through the outbox, audited there). Answers
    the order's card buttons again, saying what happened, and the pending block."""
    conversation = selectors.conversation_for(request.user, pk)
    form = CardForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("order, item, key: not a card")
    order = order_for(request.user, form.cleaned_data["order"])
    done, refused = "", ""
    try:
        outbox_card_queue(
            conversation=conversation,
            order=order,
            item_id=form.cleaned_data["item"] or "",
            idempotency_key=form.cleaned_data["key"],
            user=request.user,
        )
        done = _("Card queued: it shows below the conversation until Shopee has it.")
    except OutboxRefused as exc:
        refused = exc.reason
    return render(
        request,
        "inbox/_cards_sent.html",
        {
            "conversation": conversation,
            "order": order,
            "done": done,
            "refused": refused,
            "pending": pending_of(conversation),
        },
    )


@require_POST
def outgoing_retry(request, pk: int):
    """[重新傳送] on a failed reply in the pending block (audited by the outbox)."""
    message = outgoing_for(request.user, pk)
    outbox_retry(message=message, user=request.user)
    return _pending_block(request, message)


@require_POST
def outgoing_cancel(request, pk: int):
    """[取消] on a held or failed reply in the pending block: it is never sent (audited by the outbox)."""
    message = outgoing_for(request.user, pk)
    outbox_cancel(messages=OutgoingMessage.objects.filter(pk=message.pk), user=request.user)
    return _pending_block(request, message)


def _pending_block(request, message: OutgoingMessage):
    """The pending block of the conversation the message shows in, as it reads now."""
    conversation = conversation_of(message)
    pending = pending_of(conversation) if conversation else []
    return render(request, "inbox/_pending.html", {"conversation": conversation, "pending": pending})


# -- helpers -------------------------------------------------------------------------------------

FILTER_FIELDS = (
    "last_from",
    "last_to",
    "shop",
    "unread",
    "unreplied",
    "assigned",
    "status",
    "tag",
    "due",
    "order",
    "q",
)


def _filter_data(query) -> dict[str, str]:
    return {name: query.get(name, "") for name in FILTER_FIELDS if name in query}


ID_MAX = 2**63 - 1  # a database id (bigint)


def _id_param(value: str | None, *, default: int | None = None) -> int | None:
    """A row id from the query string: `default` when absent, None when it is no id at all
    (only ASCII digits: int() would also take "١٢" and str.isdigit() "²")."""
    if not value:
        return default
    if value.isascii() and value.isdigit() and int(value) <= ID_MAX:
        return int(value)
    return None


# -- [聊聊] on an order ------------------------------------------------------------------------


@require_GET
def order_conversation(request, pk: int):
    """The order's buyer's conversation in the inbox, or back to the order with the reason."""
    order = order_for(request.user, pk)
    back = f"{reverse('orders:list')}?{urlencode({'q': order.order_sn})}"
    if not order.buyer_user_id:
        messages.warning(
            request,
            _(
                "Shopee hides the buyer of order %(order_sn)s (seller-arranged delivery), so there is "
                "no chat to open."
            )
            % {"order_sn": order.order_sn},
        )
        return redirect(back)
    conversation = Conversation.objects.filter(shop=order.shop, buyer_id=order.buyer_user_id).first()
    if conversation is None:
        messages.warning(
            request,
            _("The buyer of order %(order_sn)s has not chatted with %(shop)s yet: there is no conversation.")
            % {"order_sn": order.order_sn, "shop": order.shop},
        )
        return redirect(back)
    return redirect(f"{reverse('inbox:inbox')}?{urlencode({'c': conversation.pk})}")

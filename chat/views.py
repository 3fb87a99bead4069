"""The inbox (F4) and Shopee's push endpoint. Views parse, check permission, call one service."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from audit.models import AuditEvent
from audit.services import audit_record, audit_reply_sent
from chat import selectors
from chat.forms import InboxFilterForm, ReplyForm
from chat.models import OutgoingMessage, PushReceipt
from chat.outbox import OutboxRefused, outbox_queue, outbox_retry
from chat.push import push_accept
from chat.sync import conversation_mark_read
from shopee.client import parse_push
from shopee.signing import verify_push
from tmschat import metrics

LIST_TARGET = "conversation-list"


# -- the page and its list ---------------------------------------------------------------------


class _Inbox:
    """The filters of one request, shared by the page and its fragments."""

    def __init__(self, request):
        self.shops = selectors.visible_shops(request.user)
        self.shop_pks = [shop.pk for shop in self.shops]
        self.form = InboxFilterForm(_filter_data(request.GET) or None, shops=self.shops)
        self.filters = self.form.filters()
        self.valid = not self.form.is_bound or self.form.is_valid()
        self.query = urlencode({k: v for k, v in _filter_data(request.GET).items() if v})

    def context(self, **extra) -> dict:
        return {
            "form": self.form,
            "filter_query": self.query,
            "shops": self.shops,
            "shops_syncing": any(shop.can_send for shop in self.shops),
            **extra,
        }

    def first_page(self) -> dict:
        """The list's first page; none while the filters are invalid (the form says why)."""
        if not self.valid:
            return self.context(page=None)
        page = selectors.conversations_for_inbox(shop_pks=self.shop_pks, filters=self.filters)
        return self.context(page=page, since=_stamp(datetime.now(UTC)))


@require_GET
def inbox(request):
    """The inbox; `?c=<pk>` opens a conversation. An htmx filter change gets just the list."""
    view = _Inbox(request)
    if request.htmx and request.htmx.target == LIST_TARGET:
        return render(request, "chat/_list.html", view.first_page())
    pane = {"pane": None}
    if request.GET.get("c", "").isdigit():
        conversation = selectors.conversation_for(user=request.user, pk=int(request.GET["c"]))
        pane = _pane_context(conversation)
    return render(request, "chat/index.html", view.first_page() | pane)


@require_GET
def list_more(request):
    """The next page of the list (infinite scroll)."""
    view = _Inbox(request)
    cursor = selectors.ListCursor.parse(request.GET.get("after"))
    if not view.valid or cursor is None:
        return HttpResponse(status=204)
    page = selectors.conversations_for_inbox(shop_pks=view.shop_pks, filters=view.filters, after=cursor)
    return render(request, "chat/_list_rows.html", view.context(page=page))


@require_GET
def list_changes(request):
    """Polled: rows that changed since the list last looked, or 204 when none did."""
    view = _Inbox(request)
    if not view.valid:
        return HttpResponse(status=204)
    since = _parse_stamp(request.GET.get("since"))
    rows, next_since = selectors.conversations_changed(
        shop_pks=view.shop_pks, filters=view.filters, since=since
    )
    if not rows:
        return HttpResponse(status=204)
    return render(request, "chat/_list_changes.html", view.context(rows=rows, since=_stamp(next_since)))


# -- one conversation --------------------------------------------------------------------------


def _pane_context(conversation, form: ReplyForm | None = None) -> dict:
    return {
        "pane": selectors.conversation_pane(conversation=conversation),
        "reply_form": form or ReplyForm.blank(),
    }


@require_GET
def conversation(request, pk: int):
    conversation = selectors.conversation_for(user=request.user, pk=pk)
    if request.htmx:
        return render(request, "chat/_pane.html", _pane_context(conversation))
    view = _Inbox(request)
    return render(request, "chat/index.html", view.first_page() | _pane_context(conversation))


@require_POST
def conversation_read(request, pk: int):
    conversation = selectors.conversation_for(user=request.user, pk=pk)
    conversation_mark_read(conversation=conversation)
    response = HttpResponse(status=204)
    response["HX-Trigger"] = json.dumps({"chat:read": {"pk": conversation.pk}})
    return response


@require_GET
def conversation_older(request, pk: int):
    conversation = selectors.conversation_for(user=request.user, pk=pk)
    before = request.GET.get("before", "")
    messages, has_older = selectors.messages_older(
        conversation=conversation, before_pk=int(before) if before.isdigit() else 0
    )
    return render(
        request,
        "chat/_older.html",
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
    conversation = selectors.conversation_for(user=request.user, pk=pk)
    after = request.GET.get("after", "")
    after_pk = int(after) if after.isdigit() else 0
    messages = selectors.messages_after(conversation=conversation, after_pk=after_pk)
    pending = selectors.pending_of(conversation)
    key = selectors.pending_key(pending)
    if not messages and key == request.GET.get("seen"):
        return HttpResponse(status=204)
    last_pk = selectors.newest_pk(messages, default=after_pk)
    return render(
        request,
        "chat/_updates.html",
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
def reply_send(request, pk: int):
    """[傳送訊息]: queue the reply in the outbox; it shows at once in red until delivered."""
    conversation = selectors.conversation_for(user=request.user, pk=pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        key = form.cleaned_data["idempotency_key"]
        try:
            with transaction.atomic():
                repeated = OutgoingMessage.objects.filter(idempotency_key=key).exists()  # a double click
                message = outbox_queue(
                    shop=conversation.shop,
                    buyer_id=conversation.buyer_id,
                    text=form.cleaned_data["text"],
                    origin=OutgoingMessage.Origin.REPLY,
                    queued_by=request.user,
                    conversation=conversation,
                    idempotency_key=key,
                )
                if not repeated:
                    audit_reply_sent(actor=request.user, message=message)
        except OutboxRefused as refused:
            form.add_error("text", str(refused.reason))
        else:
            form = ReplyForm.blank()
    if not request.htmx:
        return redirect(f"{reverse('chat:inbox')}?c={conversation.pk}")
    return render(
        request,
        "chat/_composer_sent.html",
        {"conversation": conversation, "reply_form": form, "pending": selectors.pending_of(conversation)},
    )


@require_POST
def outgoing_retry(request, pk: int):
    message = selectors.outgoing_for(user=request.user, pk=pk)
    with transaction.atomic():
        outbox_retry(message=message, user=request.user)
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.MESSAGES_RETRIED,
            shop=message.shop,
            target=f"buyer {message.buyer_id}",
            message_id=message.pk,
        )
    conversation = selectors.conversation_of(message)
    pending = selectors.pending_of(conversation) if conversation else []
    return render(request, "chat/_pending.html", {"conversation": conversation, "pending": pending})


# -- Shopee's push endpoint --------------------------------------------------------------------


@csrf_exempt
@login_not_required
@require_POST
def shopee_push(request):
    """Shopee's pushes: 401 without a valid signature, 400 for a body that is no push, else
    200 with an empty body as fast as possible (Shopee waits 2-3 s, then retries)."""
    raw = request.body
    if not verify_push(
        settings.SHOPEE_PUSH_KEY, settings.SHOPEE_PUSH_URL, raw, request.headers.get("Authorization")
    ):
        metrics.counter_add("push_signature_failures")
        return HttpResponse(status=401)
    try:
        push = parse_push(raw)
    except (ValueError, TypeError):
        return HttpResponse(status=400)
    if not isinstance(push.data, dict):
        return HttpResponse(status=400)
    if push.code:  # code 0 is the check Shopee sends when the callback URL is set
        push_accept(push=push, via=PushReceipt.Via.LIVE)
    return HttpResponse(b"")


# -- helpers -------------------------------------------------------------------------------------

FILTER_FIELDS = ("last_from", "last_to", "shop", "unread", "unreplied", "q")


def _filter_data(query) -> dict[str, str]:
    return {name: query.get(name, "") for name in FILTER_FIELDS if name in query}


def _stamp(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


def _parse_stamp(value: str | None) -> datetime:
    try:
        return datetime.fromtimestamp(float(value or ""), UTC)
    except ValueError:
        return datetime.now(UTC)

"""通知: every message to a buyer and what became of it, with a retry for failed ones."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from outbox.forms import OutgoingFilterForm
from outbox.models import OutgoingMessage
from outbox.queue import outbox_retry, outbox_retry_failed
from outbox.selectors import (
    delivery_state,
    held_by_shop,
    outgoing_counts,
    outgoing_filtered,
    outgoing_for,
)

PAGE_SIZE = 50


@require_GET
def index(request):
    form = OutgoingFilterForm(request.GET or None, user=request.user)
    chosen = form.chosen()
    page = Paginator(outgoing_filtered(request.user, **chosen), PAGE_SIZE).get_page(request.GET.get("page"))
    # The counts follow every filter but the state, so each one says what its state filter would show.
    unstated = outgoing_filtered(request.user, **{**chosen, "state": ""})
    counts = outgoing_counts(unstated)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "outbox/index.html",
        {
            "form": form,
            "page": page,
            "counts": [(value, label, counts[value]) for value, label in OutgoingMessage.State.choices],
            "failed": counts[OutgoingMessage.State.FAILED],
            "on_the_way": counts[OutgoingMessage.State.QUEUED] + counts[OutgoingMessage.State.SENDING],
            "state": chosen["state"],
            "query": query.urlencode(),
            "states_query": _without(query, "state"),
            "delivery": delivery_state(),
            "held_shops": held_by_shop(unstated),
        },
    )


def _without(query, key: str) -> str:
    query = query.copy()
    query.pop(key, None)
    return query.urlencode()


@require_POST
def retry(request, pk: int):
    message = outgoing_for(request.user, pk)
    if message.state != OutgoingMessage.State.FAILED:
        messages.info(request, _("This message has not failed; nothing to retry."))
    else:
        message = outbox_retry(message=message, user=request.user)
        if message.state == OutgoingMessage.State.HELD:
            messages.warning(request, _("The shop is not verified: the message waits until it is."))
        else:
            messages.success(request, _("The message is queued again."))
    return _back(request)


@require_POST
def retry_failed(request):
    """[全部重新傳送]: every failed message the current filters show (all pages)."""
    filters = QueryDict(request.POST.get("filters", ""))
    form = OutgoingFilterForm(filters, user=request.user)
    chosen = {**form.chosen(), "state": OutgoingMessage.State.FAILED}
    retried = outbox_retry_failed(messages=outgoing_filtered(request.user, **chosen), user=request.user)
    queued = ngettext(
        "%(count)d failed message is queued again.",
        "%(count)d failed messages are queued again.",
        retried.queued,
    )
    held = ngettext(
        "%(count)d message waits until its shop is verified.",
        "%(count)d messages wait until their shop is verified.",
        retried.held,
    )
    if retried.queued:
        messages.success(request, queued % {"count": retried.queued})
    if retried.held:
        messages.warning(request, held % {"count": retried.held})
    if not (retried.queued or retried.held):
        messages.info(request, _("No failed messages to retry."))
    return _back(request)


def _back(request):
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect(reverse("outbox:list"))

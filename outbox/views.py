"""通知: every message to a buyer and what became of it, with a retry for failed ones and a
cancel for held and failed ones (one, or all the current filters show)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from outbox.forms import OutgoingFilterForm
from outbox.models import OutgoingMessage
from outbox.pictures import PictureMissing, picture_read
from outbox.selectors import (
    delivery_state,
    held_by_shop,
    outgoing_counts,
    outgoing_filtered,
    outgoing_for,
)
from outbox.services import outbox_cancel, outbox_retry, outbox_retry_failed
from outbox.states import CANCELLABLE

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
            "cancellable": _cancellable_count(counts, chosen["state"]),
            "on_the_way": counts[OutgoingMessage.State.QUEUED] + counts[OutgoingMessage.State.SENDING],
            "state": chosen["state"],
            "query": query.urlencode(),
            "states_query": _without(query, "state"),
            "delivery": delivery_state(request.user),
            "held_shops": held_by_shop(unstated),
        },
    )


def _cancellable_count(counts: dict[str, int], state: str) -> int:
    """How many messages [全部取消] would cancel: the held and failed ones the filters show."""
    return sum(counts[value] for value in CANCELLABLE if not state or state == value)


def _without(query, key: str) -> str:
    query = query.copy()
    query.pop(key, None)
    return query.urlencode()


@require_POST
def retry(request, pk: int):
    retried = outbox_retry(message=outgoing_for(request.user, pk), user=request.user)
    if retried.held:
        messages.warning(request, _("The shop is not verified: the message waits until it is."))
    elif retried.queued:
        messages.success(request, _("The message is queued again."))
    else:
        messages.info(request, _("This message has not failed; nothing to retry."))
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


@require_POST
def cancel(request, pk: int):
    message = outgoing_for(request.user, pk)
    if outbox_cancel(messages=OutgoingMessage.objects.filter(pk=message.pk), user=request.user):
        messages.success(request, _("The message is cancelled: it will not be sent."))
    else:
        messages.info(request, _("Only held or failed messages can be cancelled; this one is not."))
    return _back(request)


@require_POST
def cancel_all(request):
    """[全部取消]: every held or failed message the current filters show (all pages)."""
    filters = QueryDict(request.POST.get("filters", ""))
    chosen = OutgoingFilterForm(filters, user=request.user).chosen()
    state = chosen.pop("state")
    states = [value for value in CANCELLABLE if not state or state == value]
    chosen_messages = outgoing_filtered(request.user, **chosen).filter(Q(state__in=states))
    cancelled = len(outbox_cancel(messages=chosen_messages, user=request.user))
    if cancelled:
        done = ngettext(
            "%(count)d message is cancelled: it will not be sent.",
            "%(count)d messages are cancelled: they will not be sent.",
            cancelled,
        )
        messages.success(request, done % {"count": cancelled})
    else:
        messages.info(request, _("No held or failed messages to cancel."))
    return _back(request)


def _back(request):
    back = request.POST.get("next", "")
    # Only a path of this site: a bare word would be taken for a view name by redirect().
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(back)
    return redirect(reverse("outbox:list"))


@require_GET
def picture(request, pk: int):
    """The picture of an image message staff sent (the pending bubble's and 通知's thumbnail),
    for those who may see its shop."""
    message = outgoing_for(request.user, pk)
    if not message.attachment:
        raise Http404("no picture")
    try:
        data, content_type = picture_read(message.attachment)
    except PictureMissing:
        raise Http404("the picture is no longer stored") from None
    return HttpResponse(data, content_type=content_type)

"""通知: every message to a buyer and what became of it, with a retry for failed ones."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chat.models import OutgoingMessage
from chat.outbox import outbox_retry
from notifications.forms import OutgoingFilterForm
from notifications.selectors import get_outgoing_for, outgoing_counts, outgoing_filtered

PAGE_SIZE = 50


@require_GET
def index(request):
    form = OutgoingFilterForm(request.GET or None, user=request.user)
    chosen = form.cleaned_data if form.is_valid() else {}
    shop, origin = chosen.get("shop"), chosen.get("origin", "")
    state = chosen.get("state", "")
    page = Paginator(
        outgoing_filtered(request.user, state=state, shop=shop, origin=origin), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    # The counts follow the shop and origin filters, so each one says what its state filter would show.
    counts = outgoing_counts(outgoing_filtered(request.user, shop=shop, origin=origin))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/index.html",
        {
            "form": form,
            "page": page,
            "counts": [(value, label, counts[value]) for value, label in OutgoingMessage.State.choices],
            "state": state,
            "query": query.urlencode(),
            "states_query": _without(query, "state"),
        },
    )


def _without(query, key: str) -> str:
    query = query.copy()
    query.pop(key, None)
    return query.urlencode()


@require_POST
def retry(request, pk: int):
    message = get_outgoing_for(request.user, pk)
    if message.state != OutgoingMessage.State.FAILED:
        messages.info(request, _("This message has not failed; nothing to retry."))
    else:
        message = outbox_retry(message=message, user=request.user)
        if message.state == OutgoingMessage.State.HELD:
            messages.warning(request, _("The shop is not verified: the message waits until it is."))
        else:
            messages.success(request, _("The message is queued again."))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("notifications:list")

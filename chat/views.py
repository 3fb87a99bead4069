"""Shopee's push endpoint (the inbox's pages are the inbox app's). It checks, then hands the push
to chat.push: the view parses, checks and calls one service."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from chat.models import PushReceipt
from chat.push import push_accept, push_refusal
from shopee.client import parse_push
from shopee.signing import verify_push
from telemetry import counters

log = logging.getLogger(__name__)


@csrf_exempt
@login_not_required
@require_POST
@sensitive_variables()  # the push key is a local in the frames below: never on an error page
def shopee_push(request):
    """Shopee's pushes: 401 without a valid signature, 400 for a body that is no push or one
    stamped outside the live window (a replay), else 200 with an empty body as fast as possible
    (Shopee waits 2-3 s, then retries)."""
    raw = request.body
    if not verify_push(
        settings.SHOPEE_PUSH_KEY, settings.SHOPEE_PUSH_URL, raw, request.headers.get("Authorization")
    ):
        counters.counter_add("push_signature_failures")
        return HttpResponse(status=401)
    try:
        push = parse_push(raw)
    except (ValueError, TypeError):
        return HttpResponse(status=400)
    if not isinstance(push.data, dict):
        return HttpResponse(status=400)
    if push.code:  # code 0 is the check Shopee sends when the callback URL is set
        if refusal := push_refusal(push):
            log.warning("push refused: %s (code %s, shop %s)", refusal, push.code, push.shop_id)
            return HttpResponse(status=400)
        push_accept(push=push, via=PushReceipt.Via.LIVE)
    return HttpResponse(b"")

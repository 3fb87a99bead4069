"""Delivering (F5): due messages go to Shopee, shop by shop in turns, each at its own rate.

A drain (the Celery task outbox.tasks.outbox_deliver_due) claims a batch per shop
(outbox.claim), calls Shopee outside any transaction, and records each answer (outbox.record;
the sent ones of a batch together, see Unrecorded).
It ends when nothing is due or its time budget is spent; then, if something falls due before
the next sweep, it schedules a kick for that moment (outbox.kick).

The database is the truth, the broker a hint: the sweeper (outbox.services.outbox_sweep, on the
beat every few seconds) kicks delivery whenever something is due, so a lost task or a restarted
Redis loses nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Shop
from chat.transport import SEND, SENDS, TW_REGION_CODE, ChatTransport, transport_for
from outbox.claim import Claim, claim_due
from outbox.doubt import find_delivered
from outbox.kick import kick_later, outbox_kick
from outbox.models import OutgoingMessage
from outbox.pacing import sent_today_of, shop_pace
from outbox.pictures import PictureMissing, picture_read
from outbox.rate import send_rate
from outbox.record import (
    Delivered,
    DeliveryOutcome,
    call_begins,
    give_back,
    record_auth_error,
    record_final,
    record_rate_limited,
    record_retry,
    record_sent,
    record_upload,
    release_claim,
)
from outbox.states import PENDING, Problem, State, known_conversation_id, outbox_due
from shopee.errors import AuthError, PlatformRule, RateLimited, ShopeeError, Transient

log = logging.getLogger(__name__)

RECORD_WITHIN_SECONDS = 0.2  # a sent message waits at most this long for its batch-mates' record


def outbox_deliver_due(*, budget_seconds: float | None = None) -> int:
    """Deliver due messages until none is left or the time budget is spent, shop by shop in
    turns, each shop at most at its own rate. Returns how many were sent."""
    budget = budget_seconds if budget_seconds is not None else settings.OUTBOX_DRAIN_SECONDS
    deadline = time.monotonic() + budget
    sent = 0
    while True:
        progressed, waits, sent_now = _deliver_round(deadline)
        sent += sent_now
        if not progressed:
            _kick_when_due(waits)
            return sent
        if time.monotonic() > deadline:
            outbox_kick()  # work is left: another task carries on, so this one ends within its limits
            return sent


def _deliver_round(deadline: float) -> tuple[bool, list[float], int]:
    """One turn for every shop with due messages: up to a batch each, as its rate allows.
    Returns whether anything was claimed, the waits of shops out of tokens, and how many were sent."""
    batch = settings.OUTBOX_CLAIM_BATCH
    rate = send_rate()
    progressed, waits, sent = False, [], 0
    # One probe per shop on the partial index outbox_pending, however long its queue.
    due = OutgoingMessage.objects.filter(
        outbox_due(timezone.now()), shop_id=OuterRef("pk"), state__in=PENDING
    )
    shops = (
        Shop.objects.filter(Exists(due))
        .order_by("pk")
        .only("pk", "send_rate_per_second", "chat_transport", "region")
    )
    paces = {shop: shop_pace(shop) for shop in shops}
    # One count for every shop with a daily cap, rather than one per shop in every round.
    sent_today = sent_today_of(shop.pk for shop, pace in paces.items() if pace.daily_cap is not None)
    for shop, pace in paces.items():
        shop_pk, want = shop.pk, batch
        if pace.daily_cap is not None:
            left = pace.daily_cap - sent_today.get(shop_pk, 0)
            if left <= 0:
                waits.append(60.0)  # the cap is spent until tomorrow (Asia/Taipei)
                continue
            want = min(want, left)
        grant = rate.take(shop_pk, rate=pace.per_second, want=want)
        if not grant.granted:
            waits.append(grant.wait)
            continue
        claims = claim_due(shop_pk=shop_pk, limit=grant.granted)
        if len(claims) < grant.granted:
            rate.give_back(shop_pk, count=grant.granted - len(claims))
        # One transport for the shop's batch: its session (renewed once, if refused) and tokens
        # serve every message, rather than each message opening and renewing its own.
        transport = transport_for(claims[0].message.shop) if claims else None
        delivered = Unrecorded()
        try:
            for n, claim in enumerate(claims):
                if time.monotonic() >= deadline:
                    give_back(claims[n:])  # the next task takes them
                    break
                started = time.monotonic()
                outcome = _deliver(claim, transport, delivered)
                sent += outcome is DeliveryOutcome.SENT
                if outcome is DeliveryOutcome.SHOP_STOPPED:
                    give_back(claims[n + 1 :])  # other shops get their turn before these are tried
                    break
                delivered.record_if_waiting(next_call=time.monotonic() - started)
        finally:
            delivered.record()
        progressed = progressed or bool(claims)
        if time.monotonic() > deadline:
            break
    return progressed, waits, sent


class Unrecorded:
    """Messages of the batch Shopee has, recorded together (outbox.record.record_sent): at the
    end of the batch, or before a call after which the first would have waited longer than
    RECORD_WITHIN_SECONDS (a call is expected to take as long as the last one did), so that a
    slow Shopee never leaves staff looking at a sent reply as "sending" for long. Until recorded, a row
    stays `sending` with its call begun: a worker dying meanwhile leaves it in doubt, and the
    in-doubt check finds it on Shopee rather than sending it again."""

    def __init__(self) -> None:
        self.waiting: list[Delivered] = []
        self.since = 0.0

    def add(self, claim: Claim, raw: Mapping[str, Any], *, sent_at: datetime | None) -> DeliveryOutcome:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append(Delivered(claim, raw, sent_at))
        return DeliveryOutcome.SENT

    def record_if_waiting(self, *, next_call: float) -> None:
        if self.waiting and time.monotonic() - self.since + next_call >= RECORD_WITHIN_SECONDS:
            self.record()

    def record(self) -> None:
        waiting, self.waiting = self.waiting, []
        record_sent(waiting)


def _kick_when_due(waits: list[float]) -> None:
    """Before stopping: if something falls due before the next sweep, schedule a kick for it."""
    upcoming = (
        OutgoingMessage.objects.filter(state=State.QUEUED, next_attempt_at__gt=timezone.now())
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if upcoming is not None:
        waits.append((upcoming - timezone.now()).total_seconds())
    if waits:
        kick_later(max(0.05, min(waits)))


def _deliver(claim: Claim, transport: ChatTransport, delivered: Unrecorded) -> DeliveryOutcome:
    """Send one claimed message through its shop's transport and record what happened."""
    message = claim.message
    doubt = claim.doubt_since
    sending = False
    capability = SENDS.get(message.message_type, SEND)
    if not transport.can(capability):  # a TW shop on the Open Platform, a card the face has not: final
        code = TW_REGION_CODE if not transport.can(SEND) else Problem.NOT_SENDABLE
        record_final(claim, code, str(transport.why_not.get(capability, "")))
        return DeliveryOutcome.NOT_SENT
    try:
        transport.open()
        if doubt is not None:
            found = find_delivered(transport, message, since=doubt)
            if found is not None:
                log.info("outbox message %s was delivered before: %s", message.pk, found.get("message_id"))
                return delivered.add(claim, found, sent_at=None)
            doubt = None  # no earlier attempt arrived
        if message.lease_expiries >= settings.OUTBOX_POISON_LEASE_EXPIRIES:  # it keeps killing workers
            record_final(claim, Problem.POISON, message.last_error)
            return DeliveryOutcome.NOT_SENT
        calls = 2 if needs_upload(message) else 1  # an image's upload, then its send
        if claim.lease_ends - time.monotonic() < calls * settings.SHOPEE_TIMEOUT_SECONDS + 1:
            release_claim(claim, doubt)  # too little lease left to finish the calls safely
            return DeliveryOutcome.NOT_SENT
        if not call_begins(claim):  # cancelled or taken over since it was claimed: not ours to send
            return DeliveryOutcome.NOT_SENT
        sending = True
        if not _upload_once(claim, transport):  # the claim was lost meanwhile: not ours to send
            return DeliveryOutcome.NOT_SENT
        sent = transport.send(
            to_id=message.buyer_id,
            message_type=message.message_type,
            content=message.shopee_content(),
            order_sn=message.order_sn or None,
            conversation_id=known_conversation_id(message),
            request_id=message.idempotency_key,
        )
    except RateLimited as exc:
        record_rate_limited(claim, exc, doubt)
        return DeliveryOutcome.SHOP_STOPPED
    except AuthError as exc:
        record_auth_error(claim, exc, doubt, transport=transport)
        return DeliveryOutcome.SHOP_STOPPED
    except PlatformRule as exc:
        record_final(claim, exc.code.rsplit(".", 1)[-1], exc.message)
        return DeliveryOutcome.NOT_SENT
    except Transient as exc:
        # A timeout may come after Shopee stored the message: the attempt is in doubt.
        record_retry(claim, str(exc), doubt=message.claimed_at if sending else doubt)
        return DeliveryOutcome.SHOP_STOPPED
    except PictureMissing:
        record_final(claim, Problem.PICTURE_MISSING, message.attachment)
        return DeliveryOutcome.NOT_SENT
    except ShopeeError as exc:  # BadRequest: Shopee says no, and will say it again
        # With Shopee's code ("error_param: …"): pages say it in our words and show it as said.
        record_final(claim, Problem.REFUSED, str(exc))
        return DeliveryOutcome.NOT_SENT
    except Exception as exc:  # a bug of ours must not stop the queue; the row retries, bounded
        log.exception("outbox message %s: unexpected error", message.pk)
        record_retry(claim, type(exc).__name__, doubt=message.claimed_at if sending else doubt)
        return DeliveryOutcome.NOT_SENT
    return delivered.add(claim, sent, sent_at=timezone.now())


def needs_upload(message: OutgoingMessage) -> bool:
    return message.message_type == "image" and not message.upload


def _upload_once(claim: Claim, transport: ChatTransport) -> bool:
    """An image's picture goes to Shopee once per row: uploaded here only if no earlier attempt
    recorded an upload, and its answer recorded at once (outbox.record.record_upload), before the
    send, so a retry or an in-doubt check reuses it. A worker dying between Shopee's answer and that
    record leaves one upload no message uses. False: the claim is no longer this worker's."""
    message = claim.message
    if not needs_upload(message):
        return True
    data, content_type = picture_read(message.attachment)
    extension = content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
    upload = transport.upload_image(
        data=data,
        filename=f"picture-{message.pk}.{extension}",
        content_type=content_type,
        conversation_id=known_conversation_id(message),
    )
    return record_upload(claim, upload)

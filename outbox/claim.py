"""Claiming: a worker takes the due head of each conversation's queue for one shop and leases it.

select_for_update with skip_locked keeps two workers off the same rows (SQLite serialises
through IMMEDIATE transactions instead). A row still `sending` after its lease ran out was left
by a worker that died in the call: that attempt is in doubt (`doubt_since`, see outbox.doubt).
Taking such a row over counts a lease expiry, not an attempt: attempts (and the backoff they set)
follow Shopee's answers only; a message that keeps killing its workers fails as poison
(`OUTBOX_POISON_LEASE_EXPIRIES`, outbox.delivery). Only a claim whose call had begun
(`call_started_at`, set by outbox.record.call_begins) counts so: the rest of a dead worker's
batch never reached Shopee, is not in doubt, and goes again as it was.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, PositiveIntegerField, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat.models import Conversation
from outbox.models import OutgoingMessage
from outbox.states import AHEAD, PENDING, State, outbox_due

COUNT = PositiveIntegerField()


def lease_seconds() -> float:
    # A claim must outlive its calls to Shopee (an image's upload and its send, each up to the
    # timeout), or an in-doubt read could race them.
    return max(settings.OUTBOX_LEASE_SECONDS, 3 * settings.SHOPEE_TIMEOUT_SECONDS + 1)


@dataclass
class Claim:
    message: OutgoingMessage
    token: str
    doubt_since: datetime | None  # an earlier attempt may have arrived after this moment
    lease_ends: float  # time.monotonic() at which the lease runs out


def claim_due(*, shop_pk: int, limit: int) -> list[Claim]:
    """Take up to `limit` due messages of the shop, each the head of its conversation's queue."""
    now = timezone.now()
    # The lease is counted from here on both clocks: a claim that waited for the database
    # (SQLite's write lock) must not believe it has more lease than the row says.
    started = time.monotonic()
    earlier_pending = OutgoingMessage.objects.filter(
        shop_id=OuterRef("shop_id"),
        buyer_id=OuterRef("buyer_id"),
        id__lt=OuterRef("id"),
        state__in=AHEAD,
    )
    # A reply or notice without a conversation row of its own goes to the buyer's conversation
    # if we know it (read here, not per message at send time).
    conversation_of_buyer = Conversation.objects.filter(
        shop_id=OuterRef("shop_id"), buyer_id=OuterRef("buyer_id")
    ).values("conversation_id")[:1]
    lease = lease_seconds()
    token = secrets.token_hex(8)
    due = (
        # state__in matches the partial index outbox_pending: the scan starts at the shop's first
        # pending row (not at the sent history) and stops after `limit` due heads.
        OutgoingMessage.objects.filter(outbox_due(now), shop_id=shop_pk, state__in=PENDING)
        .exclude(Exists(earlier_pending))
        .annotate(buyer_conversation_id=Subquery(conversation_of_buyer))
        .select_related("shop", "conversation")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("id")
    )
    with transaction.atomic():
        # Interactive replies first (a reply typed during a large batch does not wait behind it),
        # then the rest in queue order; two short queries, each stopping at `limit` rows.
        messages = list(due.filter(origin=OutgoingMessage.Origin.REPLY)[:limit])
        if len(messages) < limit:
            messages += list(due.exclude(origin=OutgoingMessage.Origin.REPLY)[: limit - len(messages)])
        claims, expired, untried = [], [], []
        for message in messages:
            # A row still `sending` was left by a worker that died. Its death is no answer of
            # Shopee's: the attempt is not counted again. If the call had begun, the attempt is in
            # doubt and the expiry counts towards poison; if not (a batch-mate of the message in
            # that call), nothing happened to this one.
            if message.state == State.SENDING and message.call_started_at is None:
                untried.append(message.pk)
            elif message.state == State.SENDING:
                expired.append(message.pk)
                message.lease_expiries += 1
                if message.doubt_since is None:
                    message.doubt_since = message.claimed_at
            else:
                message.attempts += 1
            message.call_started_at = None
            message.state = State.SENDING
            message.claim_token = token
            message.claimed_at = now
            message.lease_expires_at = now + timedelta(seconds=lease)
            claims.append(Claim(message, token, message.doubt_since, started + lease))
        if messages:
            OutgoingMessage.objects.filter(pk__in=[message.pk for message in messages]).update(
                state=State.SENDING,
                claim_token=token,
                claimed_at=now,
                lease_expires_at=now + timedelta(seconds=lease),
                call_started_at=None,
                # Fresh: an attempt; taken over after a call began: a lease expiry; else neither.
                attempts=Case(
                    When(pk__in=expired + untried, then=F("attempts")),
                    default=F("attempts") + 1,
                    output_field=COUNT,
                ),
                lease_expiries=Case(
                    When(pk__in=expired, then=F("lease_expiries") + 1),
                    default=F("lease_expiries"),
                    output_field=COUNT,
                ),
                # Taken over after a call began: in doubt since that call's claim (the old value).
                doubt_since=Case(
                    When(pk__in=expired, then=Coalesce("doubt_since", "claimed_at")),
                    default=F("doubt_since"),
                ),
            )
    return claims

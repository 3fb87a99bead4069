"""Recording: what became of one claimed message, written only while the claim is still ours.

A claim whose lease ran out may have been taken over by another worker; its results are then
dropped (`settle` writes nothing). A sent message is stored as the chat Message it became in
the same transaction, so the inbox shows it once, whether the pull or the outbox sees it first;
a batch's sent messages are recorded together (`record_sent`), in a fixed number of statements.
"""

from __future__ import annotations

import enum
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Shop
from chat.services import chat_messages_store
from chat.transport import ChatTransport
from db.rows import rows_update
from outbox.claim import Claim
from outbox.models import OutgoingMessage
from outbox.rate import send_rate
from outbox.services import outbox_hold_shop
from outbox.states import Problem, State
from shopee.errors import AuthError, RateLimited

log = logging.getLogger(__name__)


def max_attempts() -> int:
    return settings.OUTBOX_MAX_ATTEMPTS


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter after the `attempts`-th failed attempt."""
    base = settings.OUTBOX_BACKOFF_BASE_SECONDS
    ceiling = settings.OUTBOX_BACKOFF_MAX_SECONDS
    return min(ceiling, base * 2 ** max(0, attempts - 1)) * random.uniform(0.5, 1.5)


class DeliveryOutcome(enum.Enum):
    """What one claimed message's delivery came to, as the drain needs to know it."""

    SENT = "sent"
    NOT_SENT = "not sent"  # failed, retried later, or given back
    # Shopee cannot take more of this shop's messages now (unreachable, slow down, not verified):
    # the rest of its batch is given back untried rather than each meeting the same answer.
    SHOP_STOPPED = "shop stopped"


def settle(claim: Claim, **fields: Any) -> int:
    """End the claim with `fields` written, if the row is still this claim's (a claim whose
    lease ran out may have been taken over by another worker). Returns 1 if written."""
    mine = OutgoingMessage.objects.filter(pk=claim.message.pk, state=State.SENDING, claim_token=claim.token)
    return mine.update(claim_token="", lease_expires_at=None, **fields)


def call_begins(claim: Claim) -> bool:
    """Just before the call to Shopee: whether the row is still this claim's (a claim that lost its
    row, its lease having run out and another worker taken it, or staff having cancelled it since,
    must not send), marking in the same statement that its call begins (outbox.claim counts a
    worker's death as the message's only from here on)."""
    # The one statement each message costs (the rest is per batch): written out, it spares the
    # ORM's building of it, half of its CPU (bench/outbox_throughput.py).
    with connection.cursor() as cursor:
        cursor.execute(_CALL_BEGINS, [timezone.now(), claim.message.pk, State.SENDING, claim.token])
        return cursor.rowcount == 1


_CALL_BEGINS = (
    f"UPDATE {OutgoingMessage._meta.db_table} SET call_started_at = %s"  # noqa: S608 - the model's table
    " WHERE id = %s AND state = %s AND claim_token = %s"
)


def record_upload(claim: Claim, upload: Mapping[str, Any]) -> bool:
    """An image's picture is on Shopee: its answer goes on the row at once, in its own
    transaction, while the claim is still ours (False when it is not: the row is not ours to send).
    From then on every attempt of the row, and its in-doubt check, uses this upload."""
    mine = OutgoingMessage.objects.filter(pk=claim.message.pk, state=State.SENDING, claim_token=claim.token)
    with transaction.atomic():
        recorded = mine.update(upload=dict(upload)) == 1
    if recorded:
        claim.message.upload = dict(upload)
    return recorded


@dataclass
class Delivered:
    """A message Shopee has (its answer, or found by the in-doubt check), not recorded yet."""

    claim: Claim
    raw: Mapping[str, Any]
    sent_at: datetime | None  # None: when Shopee says it was created (found by the in-doubt check)


def record_sent(delivered: list[Delivered]) -> None:
    """Messages of one shop Shopee has: each stored as the chat Message it became and its row
    marked sent, all in one transaction with a fixed number of statements (a batch's worth costs
    about what one did). A row no longer this worker's (its lease ran out) is left to the worker
    that took it over: its in-doubt check finds the message on Shopee."""
    if not delivered:
        return
    shop = delivered[0].claim.message.shop
    raws = [_as_ours(d.claim.message, d.raw) for d in delivered]
    with transaction.atomic():
        stored = chat_messages_store(shop=shop, raws=raws).messages
        recorded = rows_update(
            OutgoingMessage.objects.filter(
                state=State.SENDING, claim_token__in={d.claim.token for d in delivered}
            ),
            {
                d.claim.message.pk: {
                    "shopee_message_id": message.message_id,
                    "conversation_id": message.conversation_id,
                    "sent_at": d.sent_at or datetime.fromtimestamp(int(raw["created_timestamp"]), UTC),
                }
                for d, raw, message in zip(delivered, raws, stored, strict=True)
            },
            state=State.SENT,
            claim_token="",
            lease_expires_at=None,
            doubt_since=None,
            error_code="",
            last_error="",
        )
    if recorded < len(delivered):
        log.warning(
            "outbox: %d messages were sent but their claims had been taken over", len(delivered) - recorded
        )


def _as_ours(message: OutgoingMessage, raw: Mapping[str, Any]) -> dict[str, Any]:
    # send_message's answer does not say who sent it; chat_messages_store needs to know it was us.
    return {
        **raw,
        "from_shop_id": message.shop.shop_id,
        "to_id": message.buyer_id,
        "created_timestamp": raw.get("created_timestamp") or int(time.time()),
        "source_content": raw.get("source_content")
        or ({"order_sn": message.order_sn} if message.order_sn else {}),
    }


def record_final(claim: Claim, code: str, detail: str) -> None:
    settle(claim, state=State.FAILED, error_code=code, last_error=str(detail)[:500], doubt_since=None)


def record_retry(claim: Claim, detail: str, *, doubt: datetime | None) -> None:
    """Back off and try again; after the last attempt, fail with a retry action for staff."""
    attempts = claim.message.attempts
    settle(
        claim,
        state=State.FAILED if attempts >= max_attempts() else State.QUEUED,
        error_code=Problem.UNREACHABLE,
        last_error=detail[:500],
        next_attempt_at=timezone.now() + timedelta(seconds=backoff_seconds(attempts)),
        doubt_since=doubt,
    )


def give_back(claims: list[Claim]) -> None:
    """Return claimed messages untried: no attempt spent, due again at once, and their send
    tokens back to the shop's bucket (nothing went to Shopee for them)."""
    if not claims:
        return
    returned = OutgoingMessage.objects.filter(
        pk__in=[claim.message.pk for claim in claims], state=State.SENDING, claim_token=claims[0].token
    ).update(
        state=State.QUEUED,
        attempts=F("attempts") - 1,
        next_attempt_at=timezone.now(),
        claim_token="",
        lease_expires_at=None,
    )
    # Kept, the tokens of a batch stopped after its first call would pace the shop's next first
    # attempts at a fraction of its rate: after an outage, untried messages waited for nothing.
    if returned:
        send_rate().give_back(claims[0].message.shop_id, count=returned)


def release_claim(claim: Claim, doubt: datetime | None) -> None:
    """Give the message back untried: the attempt is not spent."""
    settle(
        claim,
        state=State.QUEUED,
        attempts=claim.message.attempts - 1,
        next_attempt_at=timezone.now(),
        doubt_since=doubt,
    )


def record_rate_limited(claim: Claim, exc: RateLimited, doubt: datetime | None) -> None:
    """Shopee said "slow down": the shop pauses, the message waits, no attempt is spent."""
    message = claim.message
    send_rate().pause(message.shop_id, seconds=exc.retry_after)
    settle(
        claim,
        state=State.QUEUED,
        attempts=message.attempts - 1,
        error_code=Problem.RATE_LIMITED,
        last_error="",
        next_attempt_at=timezone.now() + timedelta(seconds=exc.retry_after),
        doubt_since=doubt,
    )


def record_auth_error(
    claim: Claim, exc: AuthError, doubt: datetime | None, *, transport: ChatTransport
) -> None:
    """Shopee refused the shop's tokens or chat session: the transport takes the shop out of the
    verified state, and the shop's messages wait (held) for re-verification."""
    message = claim.message
    shop = message.shop
    transport.session_lost(exc)
    with transaction.atomic():
        # Still verified: the tokens were renewed meanwhile, so the message simply goes again.
        still_verified = Shop.objects.filter(Shop.chat_ready_q(), pk=shop.pk).exists()
        settle(
            claim,
            state=State.QUEUED if still_verified else State.HELD,
            attempts=message.attempts - 1,
            error_code="" if still_verified else Problem.SHOP_NOT_VERIFIED,
            last_error="" if still_verified else str(exc)[:500],
            next_attempt_at=timezone.now(),
            doubt_since=doubt,
        )
        if not still_verified:
            outbox_hold_shop(shop=shop, detail=str(exc))

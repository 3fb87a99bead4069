"""The outbox (F5): every message to a buyer is queued, claimed, sent and recorded here.

Queue: `outbox_queue` writes a row in the caller's transaction and kicks delivery on commit.
Claim: a worker takes the due head of each conversation's queue (select_for_update with
skip_locked; SQLite serialises through IMMEDIATE transactions instead), sets a lease, commits.
Deliver: Shopee is called outside any transaction. Record: the result is written only if the
row is still this worker's claim, together with the chat Message it became.

The database is the truth, the broker a hint: `outbox_sweep` (beat, every few seconds) kicks
delivery whenever something is due, so a lost task or a restarted Redis loses nothing.

Never twice: a row whose attempt may have reached Shopee unrecorded (its worker died in the
call, or the call timed out) carries `doubt_since`; before sending it again the worker reads
the conversation on Shopee and, if the message is there, records it instead of resending.
The lease is always longer than Shopee's timeout, so that read never races the first call.
"""

from __future__ import annotations

import enum
import logging
import math
import random
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Shop
from accounts.services import shop_api, shop_auth_failed
from chat.models import Conversation, OutgoingMessage
from chat.ratelimit import send_rate
from chat.sync import chat_message_store
from notifications.placeholders import PLACEHOLDERS, placeholders_in, unknown_placeholders
from shopee.client import ShopClient
from shopee.errors import AuthError, BadRequest, PlatformRule, RateLimited, ShopeeError, Transient

log = logging.getLogger(__name__)

State = OutgoingMessage.State
Problem = OutgoingMessage.Problem

MAX_TEXT_CHARS = 600  # Shopee's limit for a text message
CLOCK_SKEW = timedelta(seconds=10)  # allowed between our clock and Shopee's in the in-doubt search
IN_DOUBT_PAGES = 4  # newest message pages read when looking for an in-doubt message
KICK_KEY = "tmschat:outbox:kick-at"  # + the quarter second a scheduled kick runs at


def lease_seconds() -> float:
    # A claim must outlive Shopee's timeout, or an in-doubt read could race the first call.
    return max(settings.OUTBOX_LEASE_SECONDS, 2 * settings.SHOPEE_TIMEOUT_SECONDS + 1)


def max_attempts() -> int:
    return settings.OUTBOX_MAX_ATTEMPTS


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter after the `attempts`-th failed attempt."""
    base = settings.OUTBOX_BACKOFF_BASE_SECONDS
    ceiling = settings.OUTBOX_BACKOFF_MAX_SECONDS
    return min(ceiling, base * 2 ** max(0, attempts - 1)) * random.uniform(0.5, 1.5)


# -- queueing -----------------------------------------------------------------------------------


class OutboxRefused(ValidationError):
    """The message was not queued; `reason` says why in the user's language."""

    @property
    def reason(self) -> str:
        return self.messages[0]


def _check(*, buyer_id: str, text: str, message_type: str, content: Mapping[str, Any] | None) -> None:
    if not buyer_id:
        raise OutboxRefused(_("Shopee does not reveal this buyer, so they cannot be reached by chat."))
    if message_type != "text":
        if not content:
            raise OutboxRefused(_("The message has no content."))
        return
    if not text.strip():
        raise OutboxRefused(_("The message is empty."))
    template_check(text)
    left = placeholders_in(text)
    if left:
        raise OutboxRefused(
            _("Placeholder %(names)s was not filled in: it needs an order."),
            params={"names": "、".join(left)},
        )


def template_check(text: str) -> None:
    """What Shopee and our placeholders allow of a text, before any placeholder is filled in
    (saved quick replies are checked with it too)."""
    if len(text) > MAX_TEXT_CHARS:
        raise OutboxRefused(
            _("The message has %(count)d characters; Shopee allows at most %(limit)d."),
            params={"count": len(text), "limit": MAX_TEXT_CHARS},
        )
    unknown = unknown_placeholders(text)
    if unknown:
        raise OutboxRefused(
            _(
                "Unknown placeholder %(unknown)s. Known placeholders: %(known)s. For brackets as text, use 【】."
            ),
            params={"unknown": "、".join(unknown), "known": "、".join(PLACEHOLDERS)},
        )


def outbox_queue(
    *,
    shop: Shop,
    buyer_id: str,
    text: str,
    origin: str,
    queued_by=None,
    conversation: Conversation | None = None,
    order_sn: str = "",
    idempotency_key: str,
    message_type: str = "text",
    content: Mapping[str, Any] | None = None,
) -> OutgoingMessage:
    """Queue one message to a buyer, inside the caller's transaction; delivery starts on commit.

    The same `idempotency_key` returns the row queued first (a double-clicked form sends once).
    Raises OutboxRefused, queueing nothing, when the message cannot go as written. A shop that
    is not verified gets the row `held` ("shop not verified"); it goes once the shop is verified.
    """
    existing = OutgoingMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    if origin not in OutgoingMessage.Origin.values:
        raise ValueError(f"unknown origin {origin!r}")
    buyer_id = str(buyer_id)
    # A form's textarea posts line breaks as CRLF; the composer counts (and the buyer reads) one.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _check(buyer_id=buyer_id, text=text, message_type=message_type, content=content)
    held = not shop.can_send
    message = OutgoingMessage(
        shop=shop,
        conversation=conversation,
        buyer_id=buyer_id,
        order_sn=order_sn,
        message_type=message_type,
        text=text,
        content=dict(content or {}),
        origin=origin,
        queued_by=queued_by,
        idempotency_key=idempotency_key,
        state=State.HELD if held else State.QUEUED,
        error_code=Problem.SHOP_NOT_VERIFIED if held else "",
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # The same form arrived twice at once: the other request's row wins.
        return OutgoingMessage.objects.get(idempotency_key=idempotency_key)
    if not held:
        _kick_on_commit()
    return message


def outbox_retry(*, message: OutgoingMessage, user=None) -> OutgoingMessage:
    """A failed message gets a fresh set of attempts (held instead if its shop is not verified)."""
    outbox_retry_failed(messages=OutgoingMessage.objects.filter(pk=message.pk), user=user)
    return OutgoingMessage.objects.select_related("shop", "conversation").get(pk=message.pk)


@dataclass(frozen=True)
class Retried:
    queued: int
    held: int  # their shop is not verified: they go once it is


def outbox_retry_failed(*, messages: QuerySet[OutgoingMessage], user=None) -> Retried:
    """Every failed message among `messages` gets a fresh set of attempts; those of shops not
    verified are held until they are."""
    fresh = {"attempts": 0, "last_error": "", "next_attempt_at": timezone.now()}
    failed = OutgoingMessage.objects.filter(pk__in=messages.order_by().values("pk"), state=State.FAILED)
    with transaction.atomic():
        held = failed.exclude(shop__state__in=Shop.AUTHORIZED_STATES).update(
            state=State.HELD, error_code=Problem.SHOP_NOT_VERIFIED, **fresh
        )
        queued = failed.update(state=State.QUEUED, error_code="", **fresh)
        if queued:
            _kick_on_commit()
    log.info("outbox: %d failed messages queued again, %d held, by %s", queued, held, user)
    return Retried(queued=queued, held=held)


def outbox_release_held(*, shop: Shop) -> int:
    """After re-verification: the shop's held messages are queued again (in their old order)."""
    with transaction.atomic():
        if not Shop.objects.get(pk=shop.pk).can_send:
            return 0
        return _release(OutgoingMessage.objects.filter(shop=shop))


def _release(messages) -> int:
    released = messages.filter(state=State.HELD).update(
        state=State.QUEUED, error_code="", last_error="", next_attempt_at=timezone.now()
    )
    if released:
        _kick_on_commit()
    return released


def _hold_shop(shop: Shop, detail: str) -> None:
    OutgoingMessage.objects.filter(shop=shop, state=State.QUEUED).update(
        state=State.HELD, error_code=Problem.SHOP_NOT_VERIFIED, last_error=detail[:500]
    )


# -- kicking ------------------------------------------------------------------------------------


def outbox_kick(countdown: float = 0.0) -> None:
    """Ask a worker to deliver what is due (now, or after `countdown` seconds)."""
    from chat.tasks import outbox_deliver_due

    outbox_deliver_due.apply_async(countdown=countdown, expires=countdown + sweep_seconds())


def sweep_seconds() -> float:
    return settings.OUTBOX_SWEEP_SECONDS


def parallel_drains() -> int:
    """How many drains one commit or one sweep starts: enough to use several worker processes."""
    return settings.OUTBOX_SWEEP_KICKS


def _kick_on_commit() -> None:
    """Kick delivery when the caller's transaction commits, a few times per transaction at most:
    a batch of 1,000 notices needs a few drains, not 1,000 broker messages."""
    connection = transaction.get_connection()
    open_savepoints = set(connection.savepoint_ids)
    # A kick registered in a savepoint still open around us is run whenever this row is committed.
    registered = sum(
        1
        for savepoints, func, _robust in connection.run_on_commit
        if func is outbox_kick and savepoints <= open_savepoints
    )
    if registered < parallel_drains():
        transaction.on_commit(outbox_kick)


KICK_SLOT_SECONDS = 0.25


def _kick_later(seconds: float) -> None:
    """Schedule a kick for when something falls due: one per quarter second, however many
    drains end wanting one at that moment."""
    if current_app.conf.task_always_eager or seconds > sweep_seconds():
        return  # the sweeper comes sooner (and an eager kick would run here and now)
    slot = math.ceil((time.time() + seconds) / KICK_SLOT_SECONDS)
    if cache.add(f"{KICK_KEY}:{slot}", 1, timeout=int(seconds) + 2):
        outbox_kick(countdown=max(0.0, slot * KICK_SLOT_SECONDS - time.time()))


def outbox_due(now: datetime) -> Q:
    """Messages a worker should take up at `now`: queued and due, or still `sending` after their
    lease ran out (their worker died)."""
    return Q(state=State.QUEUED, next_attempt_at__lte=now) | Q(state=State.SENDING, lease_expires_at__lt=now)


def outbox_sweep() -> int:
    """Beat: release the held messages of shops verified again, and kick delivery if anything is due.
    Returns how many kicks were sent."""
    with transaction.atomic():
        _release(OutgoingMessage.objects.filter(shop__state__in=Shop.AUTHORIZED_STATES))
    due = OutgoingMessage.objects.filter(outbox_due(timezone.now()))[: parallel_drains()].count()
    for _n in range(due):
        outbox_kick()
    return due


# -- claiming -----------------------------------------------------------------------------------


@dataclass
class Claim:
    message: OutgoingMessage
    token: str
    doubt_since: datetime | None  # an earlier attempt may have arrived after this moment
    lease_ends: float  # time.monotonic() at which the lease runs out


def _claim(*, shop_pk: int, limit: int) -> list[Claim]:
    """Take up to `limit` due messages of the shop, each the head of its conversation's queue."""
    now = timezone.now()
    # The lease is counted from here on both clocks: a claim that waited for the database
    # (SQLite's write lock) must not believe it has more lease than the row says.
    started = time.monotonic()
    earlier_pending = OutgoingMessage.objects.filter(
        shop_id=OuterRef("shop_id"),
        buyer_id=OuterRef("buyer_id"),
        id__lt=OuterRef("id"),
        state__in=(State.QUEUED, State.SENDING, State.HELD),
    )
    lease = lease_seconds()
    token = secrets.token_hex(8)
    with transaction.atomic():
        messages = list(
            OutgoingMessage.objects.filter(outbox_due(now), shop_id=shop_pk)
            .exclude(Exists(earlier_pending))
            .select_related("shop", "conversation")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")[:limit]
        )
        claims = []
        for message in messages:
            # A row still `sending` was left by a worker that died: that attempt is in doubt.
            if message.state == State.SENDING and message.doubt_since is None:
                message.doubt_since = message.claimed_at
                OutgoingMessage.objects.filter(pk=message.pk).update(doubt_since=message.doubt_since)
            message.state = State.SENDING
            message.claim_token = token
            message.claimed_at = now
            message.lease_expires_at = now + timedelta(seconds=lease)
            message.attempts += 1
            claims.append(Claim(message, token, message.doubt_since, started + lease))
        OutgoingMessage.objects.filter(pk__in=[message.pk for message in messages]).update(
            state=State.SENDING,
            claim_token=token,
            claimed_at=now,
            lease_expires_at=now + timedelta(seconds=lease),
            attempts=F("attempts") + 1,
        )
    return claims


# -- delivering ---------------------------------------------------------------------------------


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
    shops = (
        OutgoingMessage.objects.filter(outbox_due(timezone.now()))
        .values_list("shop_id", "shop__send_rate_per_second")
        .distinct()
    )
    for shop_pk, per_second in shops:
        grant = rate.take(shop_pk, rate=per_second, want=batch)
        if not grant.granted:
            waits.append(grant.wait)
            continue
        claims = _claim(shop_pk=shop_pk, limit=grant.granted)
        if len(claims) < grant.granted:
            rate.give_back(shop_pk, count=grant.granted - len(claims))
        for n, claim in enumerate(claims):
            if time.monotonic() >= deadline:
                _give_back(claims[n:])  # the next task takes them
                break
            outcome = _deliver(claim)
            sent += outcome is Outcome.SENT
            if outcome is Outcome.SHOP_STOPPED:
                _give_back(claims[n + 1 :])  # other shops get their turn before these are tried
                break
        progressed = progressed or bool(claims)
        if time.monotonic() > deadline:
            break
    return progressed, waits, sent


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
        _kick_later(max(0.05, min(waits)))


def _content(message: OutgoingMessage) -> dict[str, Any]:
    return {"text": message.text} if message.message_type == "text" else dict(message.content)


class Outcome(enum.Enum):
    SENT = "sent"
    NOT_SENT = "not sent"  # failed, retried later, or given back
    # Shopee cannot take more of this shop's messages now (unreachable, slow down, not verified):
    # the rest of its batch is given back untried rather than each meeting the same answer.
    SHOP_STOPPED = "shop stopped"


def _deliver(claim: Claim) -> Outcome:
    """Send one claimed message and record what happened."""
    message = claim.message
    doubt = claim.doubt_since
    sending = False
    try:
        api = shop_api(message.shop)
        if doubt is not None:
            found = _find_delivered(api, message, since=doubt)
            if found is not None:
                log.info("outbox message %s was delivered before: %s", message.pk, found.get("message_id"))
                return _record_sent(claim, found, sent_at=None)
            doubt = None  # no earlier attempt arrived
        if message.attempts > max_attempts():  # workers died in every attempt
            _record_final(claim, Problem.UNREACHABLE, message.last_error)
            return Outcome.NOT_SENT
        if claim.lease_ends - time.monotonic() < settings.SHOPEE_TIMEOUT_SECONDS + 1:
            _release_claim(claim, doubt)  # too little lease left to finish the call safely
            return Outcome.NOT_SENT
        sending = True
        sent = api.send_message(
            to_id=message.buyer_id,
            message_type=message.message_type,
            content=_content(message),
            order_sn=message.order_sn or None,
        )
    except RateLimited as exc:
        _record_rate_limited(claim, exc, doubt)
        return Outcome.SHOP_STOPPED
    except AuthError as exc:
        _record_auth_error(claim, exc, doubt)
        return Outcome.SHOP_STOPPED
    except PlatformRule as exc:
        _record_final(claim, exc.code.rsplit(".", 1)[-1], exc.message)
        return Outcome.NOT_SENT
    except Transient as exc:
        # A timeout may come after Shopee stored the message: the attempt is in doubt.
        _record_retry(claim, str(exc), doubt=message.claimed_at if sending else doubt)
        return Outcome.SHOP_STOPPED
    except ShopeeError as exc:  # BadRequest: Shopee says no, and will say it again
        _record_final(claim, Problem.REFUSED, exc.message)
        return Outcome.NOT_SENT
    except Exception as exc:  # a bug of ours must not stop the queue; the row retries, bounded
        log.exception("outbox message %s: unexpected error", message.pk)
        _record_retry(claim, type(exc).__name__, doubt=message.claimed_at if sending else doubt)
        return Outcome.NOT_SENT
    return _record_sent(claim, sent, sent_at=timezone.now())


def _find_delivered(api: ShopClient, message: OutgoingMessage, *, since: datetime) -> dict[str, Any] | None:
    """The message on Shopee that an earlier attempt delivered, if any: ours, same content, sent
    after `since`, and not recorded for another row."""
    oldest = int((since - CLOCK_SKEW).timestamp())
    matches: list[dict[str, Any]] = []
    try:
        conversation_id = _conversation_id(api, message, oldest=oldest)
        if conversation_id is None:
            return None  # no conversation with this buyer: a first message that never arrived
        offset = None
        for _page in range(IN_DOUBT_PAGES):
            page = api.get_messages(conversation_id, offset=offset)
            recent = [raw for raw in page.messages if int(raw.get("created_timestamp") or 0) >= oldest]
            matches += [raw for raw in recent if _same_message(raw, message)]
            if len(recent) < len(page.messages) or not page.next_offset:
                break
            offset = page.next_offset
    except BadRequest:  # Shopee does not know the conversation: nothing of ours arrived in it
        return None
    taken = set(
        OutgoingMessage.objects.filter(
            shop=message.shop, shopee_message_id__in=[str(m["message_id"]) for m in matches]
        ).values_list("shopee_message_id", flat=True)
    )
    free = [m for m in matches if str(m["message_id"]) not in taken]
    return free[-1] if free else None  # newest first: the last is the earliest


def _same_message(raw: Mapping[str, Any], message: OutgoingMessage) -> bool:
    """Sent by us to this buyer with the same content."""
    content = raw.get("content") or {}
    expected = _content(message)
    same = content.get("text") == expected["text"] if message.message_type == "text" else content == expected
    return (
        same and raw.get("message_type") == message.message_type and str(raw.get("to_id")) == message.buyer_id
    )


def _conversation_id(api: ShopClient, message: OutgoingMessage, *, oldest: int) -> str | None:
    if message.conversation is not None:
        return message.conversation.conversation_id
    known = (
        Conversation.objects.filter(shop=message.shop, buyer_id=message.buyer_id)
        .values_list("conversation_id", flat=True)
        .first()
    )
    if known:
        return known
    # A first message to this buyer: if it arrived, the conversation moved since `oldest`.
    cursor = None
    for _page in range(IN_DOUBT_PAGES):
        page = api.get_conversation_list(direction="older", type="all", next_timestamp_nano=cursor)
        for entry in page.conversations:
            if str(entry.get("to_id")) == message.buyer_id:
                return str(entry["conversation_id"])
        cursor = page.next_timestamp_nano
        if not page.more or not cursor or int(cursor) < oldest * 1_000_000_000:
            return None
    return None


# -- recording ----------------------------------------------------------------------------------


def _settle(claim: Claim, **fields: Any) -> int:
    """End the claim with `fields` written, if the row is still this claim's (a claim whose
    lease ran out may have been taken over by another worker). Returns 1 if written."""
    mine = OutgoingMessage.objects.filter(pk=claim.message.pk, state=State.SENDING, claim_token=claim.token)
    return mine.update(claim_token="", lease_expires_at=None, **fields)


def _record_sent(claim: Claim, raw: Mapping[str, Any], *, sent_at: datetime | None) -> Outcome:
    message = claim.message
    shop = message.shop
    # send_message's answer does not say who sent it; chat_message_store needs to know it was us.
    raw = {
        **raw,
        "from_shop_id": shop.shop_id,
        "to_id": message.buyer_id,
        "created_timestamp": raw.get("created_timestamp") or int(time.time()),
        "source_content": raw.get("source_content")
        or ({"order_sn": message.order_sn} if message.order_sn else {}),
    }
    if sent_at is None:
        sent_at = datetime.fromtimestamp(int(raw["created_timestamp"]), UTC)
    with transaction.atomic():
        stored, _new = chat_message_store(shop=shop, raw=raw)
        recorded = _settle(
            claim,
            state=State.SENT,
            shopee_message_id=stored.message_id,
            conversation_id=stored.conversation_id,
            sent_at=sent_at,
            doubt_since=None,
            error_code="",
            last_error="",
        )
    if not recorded:
        log.warning("outbox message %s was sent but its claim had been taken over", message.pk)
    return Outcome.SENT


def _record_final(claim: Claim, code: str, detail: str) -> None:
    _settle(claim, state=State.FAILED, error_code=code, last_error=str(detail)[:500], doubt_since=None)


def _record_retry(claim: Claim, detail: str, *, doubt: datetime | None) -> None:
    """Back off and try again; after the last attempt, fail with a retry action for staff."""
    attempts = claim.message.attempts
    _settle(
        claim,
        state=State.FAILED if attempts >= max_attempts() else State.QUEUED,
        error_code=Problem.UNREACHABLE,
        last_error=detail[:500],
        next_attempt_at=timezone.now() + timedelta(seconds=backoff_seconds(attempts)),
        doubt_since=doubt,
    )


def _give_back(claims: list[Claim]) -> None:
    """Return claimed messages untried: no attempt spent, due again at once."""
    if not claims:
        return
    OutgoingMessage.objects.filter(
        pk__in=[claim.message.pk for claim in claims], state=State.SENDING, claim_token=claims[0].token
    ).update(
        state=State.QUEUED,
        attempts=F("attempts") - 1,
        next_attempt_at=timezone.now(),
        claim_token="",
        lease_expires_at=None,
    )


def _release_claim(claim: Claim, doubt: datetime | None) -> None:
    """Give the message back untried: the attempt is not spent."""
    _settle(
        claim,
        state=State.QUEUED,
        attempts=claim.message.attempts - 1,
        next_attempt_at=timezone.now(),
        doubt_since=doubt,
    )


def _record_rate_limited(claim: Claim, exc: RateLimited, doubt: datetime | None) -> None:
    """Shopee said "slow down": the shop pauses, the message waits, no attempt is spent."""
    message = claim.message
    send_rate().pause(message.shop_id, seconds=exc.retry_after)
    _settle(
        claim,
        state=State.QUEUED,
        attempts=message.attempts - 1,
        error_code=Problem.RATE_LIMITED,
        last_error="",
        next_attempt_at=timezone.now() + timedelta(seconds=exc.retry_after),
        doubt_since=doubt,
    )


def _record_auth_error(claim: Claim, exc: AuthError, doubt: datetime | None) -> None:
    """Shopee refused the shop's tokens: the shop's messages wait (held) for re-verification."""
    message = claim.message
    shop = message.shop
    shop_auth_failed(shop=shop, reason=str(exc))
    with transaction.atomic():
        # Still verified: the tokens were renewed meanwhile, so the message simply goes again.
        still_verified = Shop.objects.filter(pk=shop.pk, state__in=Shop.AUTHORIZED_STATES).exists()
        _settle(
            claim,
            state=State.QUEUED if still_verified else State.HELD,
            attempts=message.attempts - 1,
            error_code="" if still_verified else Problem.SHOP_NOT_VERIFIED,
            last_error="" if still_verified else str(exc)[:500],
            next_attempt_at=timezone.now(),
            doubt_since=doubt,
        )
        if not still_verified:
            _hold_shop(shop, str(exc))

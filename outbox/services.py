"""The outbox's writes (F5): every message to a buyer enters, goes again or is cancelled here.

`outbox_queue` writes a row in the caller's transaction and kicks delivery on commit (outbox.kick).
A message that cannot go as written is refused (`OutboxRefused`, with the reason in words) and
nothing is queued. A shop that is not verified gets its messages `held`; they are released when
the shop is verified again (`outbox_release_held`, and the sweeper as a safety net).
Failed messages go again only when staff retry them (`outbox_retry`, `outbox_retry_failed`);
held and failed ones that should not go at all are cancelled (`outbox_cancel`, with who and when).
What staff do here is audited here, in the same transaction: a reply (`outbox_reply_queue`), a
retry and a cancel, so every page that offers them makes one call. Delivery is the workers'
business (outbox.delivery); the states it shares with this module are in outbox.states.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Shop
from audit.models import AuditEvent
from audit.services import audit_record, audit_reply_sent
from chat.models import Conversation
from chat.transport import send_refusal
from db.once import create_once
from orders.models import Order
from outbox.kick import kick_on_commit, outbox_kick, parallel_drains
from outbox.models import OutgoingMessage
from outbox.pictures import Picture, picture_problem, picture_store
from outbox.placeholders import PLACEHOLDERS, placeholders_in, unknown_placeholders
from outbox.states import CANCELLABLE, Problem, State, outbox_due

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 600  # Shopee's limit for a text message


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
    message, _created = _queue_one(
        shop=shop,
        buyer_id=buyer_id,
        text=text,
        origin=origin,
        queued_by=queued_by,
        conversation=conversation,
        order_sn=order_sn,
        idempotency_key=idempotency_key,
        message_type=message_type,
        content=content,
    )
    return message


def outbox_reply_queue(
    *,
    conversation: Conversation,
    text: str,
    idempotency_key: str,
    user,
    picture: Picture | None = None,
) -> OutgoingMessage:
    """[傳送訊息] in the inbox: one reply to the conversation's buyer, queued and audited in one
    transaction; with a picture, the picture first and the text (if any) after it, as two
    messages. The form's key makes a double click one message (each) and one audit row; a refused
    text or picture (OutboxRefused) leaves neither, and no stored picture. Returns the first row."""
    queued = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if picture is not None and text.strip():  # the text judged before the picture is kept
        _check(buyer_id=conversation.buyer_id, text=text, message_type="text", content=None)
    with transaction.atomic():
        if picture is not None:
            queued.append(_picture_queue(conversation, picture, key=f"{idempotency_key}:picture", user=user))
        if picture is None or text.strip():
            queued.append(_reply_row(conversation, user=user, key=idempotency_key, text=text))
        for message, created in queued:
            if created:
                audit_reply_sent(actor=user, message=message)
    return queued[0][0]


def _picture_queue(
    conversation: Conversation, picture: Picture, *, key: str, user
) -> tuple[OutgoingMessage, bool]:
    """An image message: Shopee's limits checked before anything is kept, then the picture kept as
    a file the row names (its upload to Shopee is the delivery's, once per row)."""
    existing = OutgoingMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    if refusal := send_refusal(conversation.shop, "image"):
        raise OutboxRefused(gettext(refusal))
    if problem := picture_problem(picture):
        raise OutboxRefused(problem)
    return _reply_row(
        conversation,
        user=user,
        key=key,
        message_type="image",
        content={"name": picture.name[:100], "bytes": len(picture.data)},
        attachment=picture_store(picture),
    )


def _reply_row(conversation: Conversation, *, user, key: str, **message: Any) -> tuple[OutgoingMessage, bool]:
    """A reply of staff in the conversation (text, picture or card: `message` says which)."""
    return _queue_one(
        shop=conversation.shop,
        buyer_id=conversation.buyer_id,
        origin=OutgoingMessage.Origin.REPLY,
        queued_by=user,
        conversation=conversation,
        idempotency_key=key,
        **{"text": ""} | message,
    )


def outbox_card_queue(
    *, conversation: Conversation, order: Order, item_id: str = "", idempotency_key: str, user
) -> OutgoingMessage:
    """A card to the conversation's buyer from their orders beside the conversation: the order's
    card, or with `item_id` the card of one of its products. It carries the order (Shopee's first
    message to a buyer must), goes through the outbox like any reply and is audited as one. Refused
    (OutboxRefused) when the shop's chat cannot send that kind of card, or the order or product is
    not this buyer's."""
    kind = "item" if item_id else "order"
    if order.shop_id != conversation.shop_id or order.buyer_user_id != conversation.buyer_id:
        raise OutboxRefused(_("Order %(order_sn)s is not this buyer's."), params={"order_sn": order.order_sn})
    if refusal := send_refusal(conversation.shop, kind):
        raise OutboxRefused(gettext(refusal))
    content: dict[str, Any] = {"order_sn": order.order_sn}
    if kind == "item":
        item = next((i for i in order.items if str(i.get("item_id") or "") == item_id), None)
        if item is None or not item_id.isdigit():
            raise OutboxRefused(
                _("Order %(order_sn)s has no such product."), params={"order_sn": order.order_sn}
            )
        content = {"item_id": item_id, "name": str(item.get("item_name") or "")}
    with transaction.atomic():
        message, created = _reply_row(
            conversation,
            user=user,
            key=idempotency_key,
            order_sn=order.order_sn,
            message_type=kind,
            content=content,
        )
        if created:
            audit_reply_sent(actor=user, message=message)
    return message


def _queue_one(
    *,
    shop: Shop,
    buyer_id: str,
    text: str,
    origin: str,
    queued_by,
    conversation: Conversation | None,
    idempotency_key: str,
    order_sn: str = "",
    message_type: str = "text",
    content: Mapping[str, Any] | None = None,
    attachment: str = "",
) -> tuple[OutgoingMessage, bool]:
    """outbox_queue's row, and whether this call wrote it (False: the key was queued before, or
    the same form arrived twice at once and the other request's row stands)."""

    def write() -> OutgoingMessage:
        if origin not in OutgoingMessage.Origin.values:
            raise ValueError(f"unknown origin {origin!r}")
        # A form's textarea posts line breaks as CRLF; the composer counts (and the buyer reads) one.
        written = text.replace("\r\n", "\n").replace("\r", "\n")
        _check(buyer_id=str(buyer_id), text=written, message_type=message_type, content=content)
        held = not shop.can_send
        message = OutgoingMessage.objects.create(
            shop=shop,
            conversation=conversation,
            buyer_id=str(buyer_id),
            order_sn=order_sn,
            message_type=message_type,
            text=written,
            content=dict(content or {}),
            attachment=attachment,
            origin=origin,
            queued_by=queued_by,
            idempotency_key=idempotency_key,
            state=State.HELD if held else State.QUEUED,
            error_code=Problem.SHOP_NOT_VERIFIED if held else "",
        )
        if not held:
            kick_on_commit()
        return message

    return create_once(OutgoingMessage.objects.filter(idempotency_key=idempotency_key), write)


@dataclass(frozen=True)
class Draft:
    """One message of a bulk queueing (outbox_queue_many)."""

    shop: Shop
    buyer_id: str
    text: str
    idempotency_key: str
    order_sn: str = ""


def outbox_queue_many(*, drafts: list[Draft], origin: str, queued_by=None) -> dict[str, int]:
    """Queue many messages at once (a batch notice), inside the caller's transaction, in a few
    queries whatever their number. Each is checked as outbox_queue checks one; the first that
    cannot go raises OutboxRefused and nothing is queued. Keys queued before keep their first row
    (a batch sent twice sends once). Returns the rows' pks by idempotency key."""
    if origin not in OutgoingMessage.Origin.values:
        raise ValueError(f"unknown origin {origin!r}")
    texts, states = [], []
    for draft in drafts:
        text = draft.text.replace("\r\n", "\n").replace("\r", "\n")
        _check(buyer_id=str(draft.buyer_id), text=text, message_type="text", content=None)
        texts.append(text)
        states.append(State.QUEUED if draft.shop.can_send else State.HELD)
    keys = [draft.idempotency_key for draft in drafts]
    if connection.vendor == "postgresql":
        found = _insert_many_pg(drafts, texts, states, origin=origin, queued_by=queued_by)
    else:
        rows = [
            OutgoingMessage(
                shop=draft.shop,
                buyer_id=str(draft.buyer_id),
                order_sn=draft.order_sn,
                text=text,
                origin=origin,
                queued_by=queued_by,
                idempotency_key=draft.idempotency_key,
                state=state,
                error_code=Problem.SHOP_NOT_VERIFIED if state == State.HELD else "",
            )
            for draft, text, state in zip(drafts, texts, states, strict=True)
        ]
        OutgoingMessage.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        found = {}
    # Keys queued before (a batch confirmed twice): their first rows stand.
    earlier = [key for key in keys if key not in found]
    for start in range(0, len(earlier), 5000):
        found.update(
            OutgoingMessage.objects.filter(idempotency_key__in=earlier[start : start + 5000]).values_list(
                "idempotency_key", "pk"
            )
        )
    if State.QUEUED in states:
        kick_on_commit()
    return found


def _insert_many_pg(drafts: list[Draft], texts: list[str], states: list[str], *, origin: str, queued_by):
    """One INSERT … SELECT FROM unnest(arrays) on PostgreSQL: no model object per message. Rows
    get their ids in the drafts' order (each conversation's order); keys queued before are left
    alone. Returns the new rows' pks by key."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO outbox_outgoingmessage (shop_id, buyer_id, order_sn, text, idempotency_key, state,
                error_code, message_type, content, attachment, upload, origin, queued_by_id, attempts,
                lease_expiries, next_attempt_at, last_error, claim_token, shopee_message_id, created_at)
            SELECT s, b, o, t, k, st, CASE WHEN st = %(held)s THEN %(not_verified)s ELSE '' END, 'text',
                '{}'::jsonb, '', '{}'::jsonb, %(origin)s::varchar, %(user)s::bigint, 0, 0, %(now)s::timestamptz,
                '', '', '', %(now)s::timestamptz
            FROM unnest(%(shops)s::bigint[], %(buyers)s::varchar[], %(orders)s::varchar[], %(texts)s::text[],
                %(keys)s::varchar[], %(states)s::varchar[]) WITH ORDINALITY AS u(s, b, o, t, k, st, n)
            ORDER BY n
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING idempotency_key, id
            """,
            {
                "held": State.HELD.value,
                "not_verified": Problem.SHOP_NOT_VERIFIED.value,
                "origin": origin,
                "user": queued_by.pk if queued_by is not None else None,
                "now": now,
                "shops": [draft.shop.pk for draft in drafts],
                "buyers": [str(draft.buyer_id) for draft in drafts],
                "orders": [draft.order_sn for draft in drafts],
                "texts": texts,
                "keys": [draft.idempotency_key for draft in drafts],
                "states": [str(state) for state in states],
            },
        )
        return dict(cursor.fetchall())


@dataclass(frozen=True)
class Retried:
    queued: int
    held: int  # their shop is not verified: they go once it is


def outbox_retry(*, message: OutgoingMessage, user) -> Retried:
    """A failed message gets a fresh set of attempts (held instead if its shop is not verified);
    nothing happens to a message that has not failed."""
    return outbox_retry_failed(messages=OutgoingMessage.objects.filter(pk=message.pk), user=user)


def outbox_retry_failed(*, messages: QuerySet[OutgoingMessage], user) -> Retried:
    """Every failed message among `messages` gets a fresh set of attempts; those of shops not
    verified are held until they are. Audited once per shop: who retried which messages."""
    fresh = {"attempts": 0, "lease_expiries": 0, "last_error": "", "next_attempt_at": timezone.now()}
    with transaction.atomic():
        chosen = list(
            OutgoingMessage.objects.filter(pk__in=messages.order_by().values("pk"), state=State.FAILED)
            .select_for_update(of=("self",))
            .order_by("id")
            .values_list("pk", "shop_id", "buyer_id")
        )
        failed = OutgoingMessage.objects.filter(pk__in=[pk for pk, _shop, _buyer in chosen])
        held = failed.exclude(Shop.chat_ready_q("shop__")).update(
            state=State.HELD, error_code=Problem.SHOP_NOT_VERIFIED, **fresh
        )
        queued = failed.filter(state=State.FAILED).update(state=State.QUEUED, error_code="", **fresh)
        if queued:
            kick_on_commit()
        _audit_per_shop(action=AuditEvent.Action.MESSAGES_RETRIED, rows=chosen, user=user)
    log.info("outbox: %d failed messages queued again, %d held, by %s", queued, held, user)
    return Retried(queued=queued, held=held)


def outbox_cancel(*, messages: QuerySet[OutgoingMessage], user) -> list[OutgoingMessage]:
    """Cancel every held or failed message among `messages`, recording who and when; returns
    those cancelled. A cancelled message is never sent: held and failed rows have no live claim
    (a claim ends by writing one of them), so no worker holds one; a worker whose lease ran out
    checks its claim before it calls Shopee (outbox.record.call_begins). Messages queued or
    being sent are left alone: they may be at Shopee already. Audited once per shop."""
    with transaction.atomic():
        chosen = list(
            OutgoingMessage.objects.filter(pk__in=messages.order_by().values("pk"), state__in=CANCELLABLE)
            .select_related("shop")
            .select_for_update(of=("self",))
            .order_by("id")
        )
        now = timezone.now()
        OutgoingMessage.objects.filter(pk__in=[m.pk for m in chosen], state__in=CANCELLABLE).update(
            state=State.CANCELLED, cancelled_by=user, cancelled_at=now, next_attempt_at=now
        )
        for message in chosen:
            message.state, message.cancelled_by, message.cancelled_at = State.CANCELLED, user, now
        _audit_per_shop(
            action=AuditEvent.Action.MESSAGES_CANCELLED,
            rows=[(m.pk, m.shop_id, m.buyer_id) for m in chosen],
            user=user,
        )
    log.info("outbox: %d messages cancelled by %s", len(chosen), user)
    return chosen


def _audit_per_shop(*, action: str, rows: list[tuple[int, int, str]], user) -> None:
    """One audit event per shop: who did `action` to which messages (pk, shop pk, buyer id rows;
    ids only, never a message's text)."""
    by_shop: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, shop_pk, buyer_id in rows:
        by_shop[shop_pk].append((pk, buyer_id))
    shops = Shop.objects.in_bulk(list(by_shop))
    for shop_pk, shop_rows in by_shop.items():
        buyers = sorted({buyer_id for _pk, buyer_id in shop_rows})
        audit_record(
            actor=user,
            action=action,
            shop=shops[shop_pk],
            target=f"buyer {buyers[0]}" if len(buyers) == 1 else f"{len(buyers)} buyers",
            count=len(shop_rows),
            message_ids=[pk for pk, _buyer_id in shop_rows],
        )


def outbox_release_held(*, shop_pk: int) -> int:
    """After re-verification: the shop's held messages are queued again (in their old order)."""
    with transaction.atomic():
        if not Shop.objects.get(pk=shop_pk).can_send:
            return 0
        return _release(OutgoingMessage.objects.filter(shop_id=shop_pk))


def _release(messages: QuerySet[OutgoingMessage]) -> int:
    released = messages.filter(state=State.HELD).update(
        state=State.QUEUED, error_code="", last_error="", next_attempt_at=timezone.now()
    )
    if released:
        kick_on_commit()
    return released


def outbox_hold_shop(*, shop: Shop, detail: str) -> int:
    """Shopee refused the shop (tokens or chat session): its queued messages wait, held, until it
    is verified again. Returns how many."""
    return OutgoingMessage.objects.filter(shop=shop, state=State.QUEUED).update(
        state=State.HELD, error_code=Problem.SHOP_NOT_VERIFIED, last_error=detail[:500]
    )


def outbox_sweep() -> int:
    """Beat: release the held messages of shops verified again, and kick delivery if anything is due.
    Returns how many kicks were sent."""
    with transaction.atomic():
        _release(OutgoingMessage.objects.filter(Shop.chat_ready_q("shop__")))
    due = OutgoingMessage.objects.filter(outbox_due(timezone.now()))[: parallel_drains()].count()
    for _n in range(due):
        outbox_kick()
    return due

"""Record staff actions (audit.models.AuditEvent), each also as one structured log line.

Call these where the action happens (views, services, admin), inside the action's transaction
where there is one, so an action that rolls back leaves no audit row. Pass ids, never a
buyer's or a message's text.
"""

from __future__ import annotations

from collections.abc import Iterable

from audit.models import AuditEvent
from telemetry.logs import get_logger

log = get_logger("audit")


def audit_record(*, actor, action: str, shop=None, target: str = "", **detail) -> AuditEvent:
    actor = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent.objects.create(
        actor=actor, action=action, shop=shop, target=target[:255], detail=detail
    )
    log.info(
        "audit",
        action=str(action),
        actor=actor.get_username() if actor else None,
        shop_id=shop.shop_id if shop is not None else None,
        shop_pk=shop.pk if shop is not None else None,
        target=event.target,
        **detail,
    )
    return event


def audit_reply_sent(*, actor, message) -> AuditEvent:
    """Who sent a reply to which buyer (the outbox row's id, not its text)."""
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.REPLY_SENT,
        shop=message.shop,
        target=f"buyer {message.buyer_id}",
        message_id=message.pk,
        conversation_id=message.conversation_id,
    )


def audit_batch_queued(*, actor, shop, messages: Iterable) -> AuditEvent:
    """Who queued a batch of notices for which buyers: the notices page calls this once per
    shop and batch, inside the transaction that queues the rows."""
    messages = list(messages)
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.BATCH_QUEUED,
        shop=shop,
        target=f"{len(messages)} buyers",
        count=len(messages),
        message_ids=[m.pk for m in messages],
        order_sns=[m.order_sn for m in messages if m.order_sn],
    )


def audit_shop_verified(*, actor, shop, again: bool) -> AuditEvent:
    action = AuditEvent.Action.SHOP_REVERIFIED if again else AuditEvent.Action.SHOP_VERIFIED
    return audit_record(actor=actor, action=action, shop=shop, target=shop.name)


def audit_shop_changed(*, actor, shop, fields: Iterable[str], added: bool = False) -> AuditEvent:
    fields = sorted(fields)
    action = AuditEvent.Action.SHOP_ADDED if added else AuditEvent.Action.SHOP_EDITED
    return audit_record(actor=actor, action=action, shop=shop, target=shop.name, fields=fields)


def audit_schedule_changed(*, actor, task, fields: Iterable[str], created: bool = False) -> AuditEvent:
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.SCHEDULE_CHANGED,
        target=task.name,
        schedule_id=task.pk,
        fields=sorted(fields),
        created=created,
    )

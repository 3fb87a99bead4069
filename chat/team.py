"""The team's writes with rules (F14): who answers a buyer (assignment, the automatic turn), whether
the conversation still needs someone (待處理 / 已解決 / 稍後處理), internal notes, tags, and one
person's "unread again" mark.

- Only staff who see the conversation's shop may be assigned it: its salesperson, or anyone who
  sees every shop (accounts.selectors.shops_visible_to); anyone else is refused with the reason.
- Every change a person makes is audited (audit.services), in the transaction that makes it.
- A change to the conversation row writes `updated_at`: its trigger moves `change_xid`, so every
  open list (selectors.conversations_changed) shows the new state within its next poll.
- Nothing here reaches Shopee or the outbox: notes and tags are ours alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Shop
from accounts.people import display_name
from accounts.selectors import staff_seeing_every_shop
from audit.models import AuditEvent
from audit.services import audit_record
from chat.models import ChatShopSettings, Conversation, ConversationTag, Note, Tag, UnreadMark

NOTE_MAX_CHARS = 2000
SNOOZE_MAX = timedelta(days=90)


class TeamRefused(Exception):
    """A team action that breaks a rule; `reason` says which, in the reader's language."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


# -- who may answer ---------------------------------------------------------------------------


def present_key(user_pk: int) -> str:
    """The cache key that says a staff member is signed in and about (chat.live notes it)."""
    return f"chat:live-present:{user_pk}"


def staff_for_shop(shop: Shop) -> QuerySet:
    """The active staff who see `shop`, by name: the people it can be assigned to."""
    people = Q(pk__in=staff_seeing_every_shop())
    if shop.salesperson_id:
        people |= Q(pk=shop.salesperson_id)
    return (
        get_user_model()
        .objects.filter(people, is_active=True, is_staff=True)
        .order_by("first_name", "username")
    )


def _touch(conversation: Conversation, **fields) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now(), **fields)
    for name, value in fields.items():
        setattr(conversation, name, value)


def _audit(conversation: Conversation, actor, action: str, **detail) -> None:
    audit_record(
        actor=actor,
        action=action,
        shop=conversation.shop,
        target=f"buyer {conversation.buyer_id}",
        conversation_id=conversation.pk,
        **detail,
    )


# -- assignment ---------------------------------------------------------------------------------


def conversation_assign(*, conversation: Conversation, assignee, actor) -> bool:
    """Hand the conversation to `assignee` (the actor themselves for 我來回覆), or to nobody
    (None: released). Refused when the assignee does not see the shop. Returns whether it changed."""
    if assignee is not None and not staff_for_shop(conversation.shop).filter(pk=assignee.pk).exists():
        raise TeamRefused(
            _("%(person)s does not see the shop %(shop)s, so cannot answer its buyers.")
            % {"person": display_name(assignee), "shop": conversation.shop}
        )
    new_pk = assignee.pk if assignee is not None else None
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.assignee_id == new_pk:
            conversation.assignee = assignee
            return False
        _touch(conversation, assignee=assignee)
        _audit(
            conversation,
            actor,
            AuditEvent.Action.CONVERSATION_ASSIGNED,
            assignee_id=new_pk,
            previous_id=locked.assignee_id,
        )
    return True


def conversation_auto_assign(conversation: Conversation) -> None:
    """A new conversation of a shop with automatic assignment goes to the next of the staff who
    see the shop and are about now, in turn (by id, after the last one given one); to nobody
    when no one is about. Called inside the transaction that creates it, before it is saved."""
    settings_row = (
        ChatShopSettings.objects.select_for_update()
        .filter(shop_id=conversation.shop_id, auto_assign=True)
        .first()
    )
    if settings_row is None:
        return
    people = list(staff_for_shop(conversation.shop).order_by("pk").values_list("pk", flat=True))
    found = cache.get_many([present_key(pk) for pk in people])
    about = [pk for pk in people if present_key(pk) in found]
    if not about:
        return
    last = settings_row.last_assignee_id or 0
    chosen = next((pk for pk in about if pk > last), about[0])
    conversation.assignee_id = chosen
    ChatShopSettings.objects.filter(pk=settings_row.pk).update(last_assignee_id=chosen)


# -- status ---------------------------------------------------------------------------------------


def conversation_status_set(
    *, conversation: Conversation, status: str, actor, snoozed_until: datetime | None = None
) -> bool:
    """待處理, 已解決, or 稍後處理 until `snoozed_until` (in the future, within SNOOZE_MAX).
    Returns whether it changed."""
    if status not in Conversation.Status.values:
        raise TeamRefused(_("Not a status: %(status)s") % {"status": status})
    if status == Conversation.Status.SNOOZED:
        now = timezone.now()
        if snoozed_until is None or snoozed_until <= now:
            raise TeamRefused(_("Choose a time in the future to bring the conversation back."))
        if snoozed_until > now + SNOOZE_MAX:
            raise TeamRefused(_("A conversation can be put off for at most 90 days."))
    else:
        snoozed_until = None
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if (locked.status, locked.snoozed_until) == (status, snoozed_until):
            return False
        _touch(conversation, status=status, snoozed_until=snoozed_until)
        _audit(
            conversation,
            actor,
            AuditEvent.Action.CONVERSATION_STATUS,
            status=status,
            snoozed_until=snoozed_until.isoformat() if snoozed_until else None,
        )
    return True


def buyer_spoke(conversation: Conversation) -> None:
    """A new message from the buyer: the conversation needs someone again, whatever its status.
    Sets the fields on the locked row its caller saves."""
    conversation.status = Conversation.Status.OPEN
    conversation.snoozed_until = None


def conversations_wake() -> int:
    """Beat: conversations put off until a time now passed are 待處理 again (the list already
    counts them so; this write tells the open lists). Returns how many."""
    now = timezone.now()
    return Conversation.objects.filter(status=Conversation.Status.SNOOZED, snoozed_until__lte=now).update(
        status=Conversation.Status.OPEN, snoozed_until=None, updated_at=now
    )


# -- notes ----------------------------------------------------------------------------------------


def note_add(*, conversation: Conversation, author, text: str) -> Note:
    """An internal note for colleagues: stored and audited, never sent to the buyer."""
    text = (text or "").strip()
    if not text:
        raise TeamRefused(_("Write the note first."))
    if len(text) > NOTE_MAX_CHARS:
        raise TeamRefused(
            _("A note has at most %(limit)d characters (this one has %(count)d).")
            % {"limit": NOTE_MAX_CHARS, "count": len(text)}
        )
    with transaction.atomic():
        note = Note.objects.create(conversation=conversation, author=author, text=text)
        _audit(
            conversation,
            author,
            AuditEvent.Action.NOTE_ADDED,
            note_id=note.pk,
        )
    return note


# -- tags -----------------------------------------------------------------------------------------


def conversation_tag_set(*, conversation: Conversation, tag: Tag, on: bool, actor) -> bool:
    """Put the tag on the conversation (on) or take it off. Returns whether it changed."""
    with transaction.atomic():
        Conversation.objects.select_for_update().filter(pk=conversation.pk).exists()
        if on:
            _row, changed = ConversationTag.objects.get_or_create(conversation=conversation, tag=tag)
        else:
            changed = ConversationTag.objects.filter(conversation=conversation, tag=tag).delete()[0] > 0
        if not changed:
            return False
        _touch(conversation)  # the lists show tags: their rows change
        _audit(
            conversation,
            actor,
            AuditEvent.Action.TAGS_CHANGED,
            tag_id=tag.pk,
            added=on,
        )
    return True


# -- unread for one person ----------------------------------------------------------------------


def conversation_unread_mark(*, conversation: Conversation, user) -> None:
    """Unread again for `user` alone until they open it; Shopee's read state is not touched."""
    UnreadMark.objects.get_or_create(conversation=conversation, user=user)


def conversation_unread_clear(*, conversation: Conversation, user) -> bool:
    """`user` opened the conversation: their own unread mark goes. Returns whether there was one."""
    return UnreadMark.objects.filter(conversation=conversation, user=user).delete()[0] > 0

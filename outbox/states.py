"""The outbox's states as the engine reads them: which rows are on their way, which are due, which
staff may cancel, and where a message goes. One leaf module (it imports only the model), so the
engine's parts (services, claim, delivery, record, doubt, pacing, selectors) share it without
importing one another.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from outbox.models import OutgoingMessage

State = OutgoingMessage.State
Problem = OutgoingMessage.Problem

# On their way to Shopee: the rows of the partial index outbox_pending (claims read only these).
PENDING = (State.QUEUED, State.SENDING)
# Before their buyer's later messages: a conversation's next message waits behind these.
AHEAD = (State.QUEUED, State.SENDING, State.HELD)
# Staff may cancel these: they have no live claim, so no worker is sending them.
CANCELLABLE = (State.HELD, State.FAILED)


def outbox_due(now: datetime) -> Q:
    """Messages a worker should take up at `now`: queued and due, or still `sending` after their
    lease ran out (their worker died)."""
    return Q(state=State.QUEUED, next_attempt_at__lte=now) | Q(state=State.SENDING, lease_expires_at__lt=now)


def known_conversation_id(message: OutgoingMessage) -> str | None:
    """The conversation the message goes to, as far as we know: its own, else the buyer's read
    with the claim (`buyer_conversation_id`, outbox.claim; None: a first message to this buyer)."""
    if message.conversation is not None:
        return message.conversation.conversation_id
    return getattr(message, "buyer_conversation_id", None)

"""The outbox's block on the status page: queue depth per state of the shops the user may see,
and whether delivery moves."""

from __future__ import annotations

from outbox.models import OutgoingMessage
from outbox.selectors import delivery_state, outgoing_counts, outgoing_visible_to


def status_section(request) -> dict:
    """Counts of the shops the user may see, as on 通知 (another salesperson's queue is theirs)."""
    counts = outgoing_counts(outgoing_visible_to(request.user))
    return {
        "template": "outbox/_status.html",
        "counts": [(value, label, counts[value]) for value, label in OutgoingMessage.State.choices],
        "delivery": delivery_state(request.user),
    }

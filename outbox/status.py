"""The outbox's block on the status page: queue depth per state, and whether delivery moves."""

from __future__ import annotations

from outbox.models import OutgoingMessage
from outbox.selectors import delivery_state, outgoing_counts


def status_section(request) -> dict:
    counts = outgoing_counts(OutgoingMessage.objects.all())
    return {
        "template": "outbox/_status.html",
        "counts": [(value, label, counts[value]) for value, label in OutgoingMessage.State.choices],
        "delivery": delivery_state(),
    }

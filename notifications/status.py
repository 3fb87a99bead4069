"""The outbox's block on the status page: queue depth per state and the queue's lag."""

from __future__ import annotations

from django.utils import timezone

from chat.models import OutgoingMessage
from notifications.selectors import oldest_due, outgoing_counts


def status_section(request) -> dict:
    counts = outgoing_counts(OutgoingMessage.objects.all())
    due = oldest_due()
    return {
        "template": "notifications/_status.html",
        "counts": [(value, label, counts[value]) for value, label in OutgoingMessage.State.choices],
        "oldest_due": due,
        "waiting_seconds": int((timezone.now() - due.next_attempt_at).total_seconds()) if due else None,
    }

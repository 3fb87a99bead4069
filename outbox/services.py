"""The outbox's writes, in one place for the apps above it (notices, views).

Queueing, retrying and cancelling live in outbox.queue; delivery is the workers' business (outbox.delivery).
"""

from outbox.queue import (
    MAX_TEXT_CHARS,
    Draft,
    OutboxRefused,
    Retried,
    outbox_cancel,
    outbox_queue,
    outbox_queue_many,
    outbox_release_held,
    outbox_retry,
    outbox_retry_failed,
    template_check,
)

__all__ = [
    "MAX_TEXT_CHARS",
    "Draft",
    "OutboxRefused",
    "outbox_cancel",
    "Retried",
    "outbox_queue",
    "outbox_queue_many",
    "outbox_release_held",
    "outbox_retry",
    "outbox_retry_failed",
    "template_check",
]

"""The chat block of the status page: per shop, the last pull, how far behind, the last error."""

from __future__ import annotations

from datetime import timedelta

from chat.selectors import sync_status

# A shop whose last successful pull is older than this is shown as lagging (the beat runs every minute).
LAGGING_AFTER = timedelta(minutes=5)


def status_section(request) -> dict:
    return {
        "template": "chat/status_section.html",
        "rows": sync_status(user=request.user),
        "lagging_after_seconds": int(LAGGING_AFTER.total_seconds()),
    }

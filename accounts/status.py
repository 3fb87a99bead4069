"""The sync block of the status page: per shop, each pull (chat, orders) as 帳號 shows it, with
how far behind it is and its last error."""

from __future__ import annotations

from datetime import timedelta

from accounts.models import ShopSync
from accounts.selectors import sync_status

# A pull whose last success is older than this is shown as lagging (its beat runs every
# minute for chat, every 10 minutes for orders: tmschat/schedule.py).
LAGGING_AFTER = {ShopSync.Kind.CHAT: timedelta(minutes=5), ShopSync.Kind.ORDERS: timedelta(minutes=30)}


def status_section(request) -> dict:
    return {
        "template": "accounts/status_section.html",
        "rows": [
            (
                shop,
                kind,
                sync,
                sync is not None
                and sync.lag_seconds is not None
                and sync.lag_seconds > LAGGING_AFTER[kind].total_seconds(),
            )
            for shop, kind, sync in sync_status(request.user)
        ],
    }

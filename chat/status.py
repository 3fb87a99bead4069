"""The chat block of the status page: per shop, when Shopee last pushed to us (the pulls
themselves are in the sync block, accounts/status.py)."""

from __future__ import annotations

from chat.selectors import push_status


def status_section(request) -> dict:
    return {"template": "chat/status_section.html", "rows": push_status(request.user)}

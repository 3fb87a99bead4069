"""Lost-push endpoints (partner-level, public signature)."""

from __future__ import annotations

from typing import Any

from shopee.sandbox.api import ApiCall, endpoint
from shopee.sandbox.pushes import confirm_lost, lost_page


@endpoint("/api/v2/push/get_lost_push_message", "GET", shop_level=False)
def get_lost_push_message(call: ApiCall) -> dict[str, Any]:
    return lost_page(call.core)


@endpoint("/api/v2/push/confirm_consumed_lost_push_message", "POST", shop_level=False)
def confirm_consumed_lost_push_message(call: ApiCall) -> dict[str, Any]:
    confirm_lost(call.core, call.integer("last_message_id", required=True, low=0))
    return {}

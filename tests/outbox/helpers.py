"""Helpers of the outbox tests: shops verified through the real flow (sandbox authorize code +
accounts.services.shop_verify), buyers who wrote first, and what the sandbox delivered
(fixtures: conftest.py)."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter

from accounts.models import Shop
from accounts.services import shop_verify
from outbox.models import OutgoingMessage
from outbox.services import outbox_queue

# Child processes read these through DJANGO_SETTINGS_MODULE (short leases and backoffs).
WORKER_SETTINGS = "tests.outbox.worker_settings"

_accounts = itertools.count(1)


def verify(sandbox, shop_id: str, user, shop: Shop | None = None) -> Shop:
    """[聊聊登入認證] as Shopee completes it: the seller approved, the callback brings a code."""
    code = sandbox.authorize_code(shop_id)
    return shop_verify(shop=shop, code=code, shop_id=shop_id, user=user)


def buyers_who_wrote(sandbox, shop: Shop, count: int, *, first_id: int = 500_000_000) -> list[str]:
    """Buyers who each wrote to the shop, so they are reachable and the 5-message count is 0."""
    ids = [str(first_id + n) for n in range(count)]
    for buyer_id in ids:
        sandbox.buyer_says(shop.shop_id, "請問出貨了嗎?", buyer_id=buyer_id)
    return ids


def queue(shop: Shop, buyer_id: str, text: str, *, key: str | None = None, **extra) -> OutgoingMessage:
    return outbox_queue(
        shop=shop,
        buyer_id=buyer_id,
        text=text,
        origin=OutgoingMessage.Origin.REPLY,
        idempotency_key=key or f"test:{shop.pk}:{buyer_id}:{hashlib.sha1(text.encode()).hexdigest()}",
        **extra,
    )


def delivered_texts(sandbox, shop: Shop | None = None) -> Counter[str]:
    """How many times each text reached a buyer (through send_message)."""
    rows = sandbox.deliveries(shop_id=shop.shop_id if shop else None)
    return Counter(row["content"].get("text") for row in rows)

"""Shopee's pushes: taken in fast, once each, then acted on.

The endpoint (chat.views.shopee_push) checks the signature, then `push_accept` stores a receipt
keyed on the push's content, so Shopee's retries and a later recovery of the same push as "lost"
find it already taken. A buyer's chat message (code 10) is stored in that same transaction: the
inbox shows it at once. Everything needing Shopee (order refresh, authorization changes, a new
conversation's details) is handed to Celery after commit and done by `push_act`.

A live push stamped outside LIVE_PUSH_WINDOW, or whose ids and chat message do not fit what we
store, is refused (`push_refusal`): the window is shorter than the receipts' lifetime, so a replayed
push always meets its receipt.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.client import shopee_client
from accounts.models import Shop
from accounts.services import shop_authorization_revoked, shop_expiry_warning
from chat.models import PushReceipt
from chat.services import chat_message_store
from shopee.text import without_nul
from shopee.types import Push

log = logging.getLogger(__name__)

AUTHORIZATION_CANCELED = 2
ORDER_STATUS = 3
ORDER_TRACKING_NUMBER = 4
WEBCHAT = 10
AUTHORIZATION_EXPIRING = 12
ACTED_ON = {AUTHORIZATION_CANCELED, ORDER_STATUS, ORDER_TRACKING_NUMBER, WEBCHAT, AUTHORIZATION_EXPIRING}

# Shopee retries for up to three hours and keeps lost pushes three days: receipts outlive both.
RECEIPTS_KEPT = timedelta(days=7)
# A live push stamped further than this from our clock is refused: Shopee's last retry comes about
# 3.6 hours after the first try, and a receipt still remembers any push younger than this, so a
# captured push cannot be replayed once its receipt is purged.
LIVE_PUSH_WINDOW = timedelta(days=1)
assert LIVE_PUSH_WINDOW < RECEIPTS_KEPT

_ID_MAX = 20  # Shopee's ids are int64: at most 20 digits


def push_refusal(push: Push, *, now: datetime | None = None) -> str | None:
    """Why a signed live push is refused (out of its time window, ids that are no ids, a chat
    message of the wrong shape), or None to take it."""
    now = now or timezone.now()
    if abs(now.timestamp() - push.timestamp) > LIVE_PUSH_WINDOW.total_seconds():
        return "timestamp outside the window"
    if push.shop_id is not None and not _is_id(push.shop_id):
        return "shop_id is no id"
    if push.code == WEBCHAT and push.data.get("type") == "message":
        raw = push.data.get("content")
        if raw is not None and not _webchat_message_ok(raw):
            return "webchat message of the wrong shape"
    return None


def _is_id(value: object) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= _ID_MAX


def _webchat_message_ok(raw: object) -> bool:
    if not isinstance(raw, dict):
        return False
    for key in ("message_id", "conversation_id", "from_id", "to_id", "from_shop_id", "to_shop_id"):
        if raw.get(key) not in (None, "") and not _is_id(str(raw[key])):
            return False
    stamp = raw.get("created_timestamp")
    if isinstance(stamp, str) and stamp.isascii() and stamp.isdigit():
        stamp = int(stamp)
    if stamp not in (None, "") and not (isinstance(stamp, int) and 0 <= stamp < 2**32):
        return False
    content, source = raw.get("content") or {}, raw.get("source_content") or {}
    if not isinstance(content, dict | str) or not isinstance(source, dict):
        return False
    # What is stored in columns of a fixed width must fit them.
    order_sn = source.get("order_sn") or (content.get("order_sn") if isinstance(content, dict) else "")
    return (
        len(str(raw.get("from_user_name") or "")) <= 255
        and len(str(raw.get("message_type") or "")) <= 32
        and len(str(order_sn or "")) <= 32
    )


def push_digest(push: Push) -> str:
    """The same push, delivered live, retried or recovered as lost, has the same digest
    (msg_id is left out: lost pushes do not carry it)."""
    canonical = json.dumps(
        [push.code, push.shop_id, push.timestamp, push.data], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def push_accept(*, push: Push, via: str = PushReceipt.Via.LIVE) -> PushReceipt | None:
    """Take one verified push (NUL characters dropped, live and lost alike, so both find the same
    receipt). Returns its receipt, or None when it was taken before."""
    push = replace(push, data=without_nul(push.data))
    with transaction.atomic():
        receipt, created = PushReceipt.objects.get_or_create(
            digest=push_digest(push),
            defaults={
                "code": push.code,
                "shopee_shop_id": push.shop_id or "",
                "body": {
                    "code": push.code,
                    "shop_id": push.shop_id,
                    "timestamp": push.timestamp,
                    "data": push.data,
                },
                "via": via,
            },
        )
        if not created:
            return None
        follow_up = _take(receipt, push)
        if follow_up:
            from chat.tasks import push_process

            transaction.on_commit(lambda: push_process.delay(receipt.pk))
        else:
            receipt.processed_at = timezone.now()
            receipt.save(update_fields=["processed_at", "error"])
    return receipt


def _take(receipt: PushReceipt, push: Push) -> bool:
    """What can be done inside the request; True when Celery has more to do."""
    if push.code not in ACTED_ON:
        return False
    if push.code in (AUTHORIZATION_CANCELED, AUTHORIZATION_EXPIRING):
        return True
    shop = _shop(push.shop_id)
    if shop is None:
        receipt.error = f"unknown shop {push.shop_id}"
        return False
    if push.code != WEBCHAT:
        return True
    if push.data.get("type") != "message":
        return True  # a notification (e.g. read or replied elsewhere): pull the shop
    raw = push.data.get("content") or {}
    if not raw.get("message_id") or not raw.get("conversation_id"):
        receipt.error = "webchat push without message"
        return False
    _message, new_conversation = chat_message_store(
        shop=shop, raw=raw, buyer_name=str(raw.get("from_user_name") or "")
    )
    return new_conversation  # its details (avatar, unread count) come with a pull


def push_act(*, receipt: PushReceipt) -> None:
    """The slow part of a push (runs in Celery); done once per receipt."""
    if receipt.processed_at is not None:
        return
    data = receipt.body.get("data") or {}
    shop = _shop(receipt.shopee_shop_id)
    if receipt.code == AUTHORIZATION_CANCELED:
        for shop_id in _shop_ids(receipt.shopee_shop_id, data):
            shop_authorization_revoked(shop_id=shop_id, reason=str(data.get("authorize_type") or ""))
    elif receipt.code == AUTHORIZATION_EXPIRING:
        shop_ids = [str(i) for i in data.get("shop_expire_soon") or []]
        if shop_ids and data.get("expire_before"):
            shop_expiry_warning(shop_ids=shop_ids, expire_before=int(data["expire_before"]))
    elif receipt.code in (ORDER_STATUS, ORDER_TRACKING_NUMBER) and shop is not None:
        from orders.tasks import orders_refresh

        order_sn = str(data.get("ordersn") or data.get("order_sn") or "")
        if order_sn:
            orders_refresh.delay(shop.pk, [order_sn])
    elif receipt.code == WEBCHAT and shop is not None:
        from chat.tasks import chat_sync_shop

        chat_sync_shop.delay(shop.pk)
    PushReceipt.objects.filter(pk=receipt.pk).update(processed_at=timezone.now())


def push_receipts_purge() -> int:
    deleted, _ = PushReceipt.objects.filter(received_at__lt=timezone.now() - RECEIPTS_KEPT).delete()
    return deleted


def _shop(shop_id: str | None) -> Shop | None:
    return Shop.objects.filter(shop_id=shop_id).first() if shop_id else None


def _shop_ids(shop_id: str | None, data: dict) -> list[str]:
    ids = [str(i) for i in data.get("shop_id_list") or []]
    return ids or ([shop_id] if shop_id else [])


def lost_pushes_fetch() -> int:
    """Take the pushes Shopee could not deliver, then confirm them page by page (a page is
    confirmed only once all of it is stored). Returns how many were new."""
    client = shopee_client()
    taken = 0
    while True:
        page = client.get_lost_push_messages()
        for push in page.messages:
            taken += push_accept(push=push, via=PushReceipt.Via.LOST) is not None
        if page.last_message_id:
            client.confirm_consumed_lost_push_message(page.last_message_id)
        if not page.has_next_page or not page.messages:
            return taken

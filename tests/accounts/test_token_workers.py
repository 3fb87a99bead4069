"""With real Celery worker processes on PostgreSQL and Redis: a single-use refresh token is used
once however many workers refresh, and messages held while a shop lost its authorization are
sent once after re-verification."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services, tasks
from accounts.models import Shop
from chat.models import OutgoingMessage
from chat.outbox import outbox_queue
from tests.accounts.conftest import KTMST, verify_in_sandbox
from tests.utils import wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

REFRESH = "/api/v2/auth/access_token/get"


def refresh_calls(sandbox) -> int:
    return sum(c["count"] for c in sandbox.calls() if c["path"] == REFRESH)


def wait_ready(*workers) -> None:
    for worker in workers:
        wait_until(lambda w=worker: "ready." in w.log(), timeout=30, message=f"{worker.args} ready")


def test_two_workers_refreshing_the_same_shop_use_the_refresh_token_once(
    require_postgres, require_redis, sandbox_shops, verified_shop, start_worker
):
    Shop.objects.filter(pk=verified_shop.pk).update(
        access_token_expires_at=timezone.now() + timedelta(minutes=20)
    )
    # The first refresh holds the row lock for a second: the second worker must wait for it.
    sandbox_shops.set_faults(latency_ms=1000, paths=[REFRESH])
    workers = [
        start_worker(queues="default", name="refresher-a"),
        start_worker(queues="default", name="refresher-b"),
    ]
    wait_ready(*workers)

    for _ in workers:
        tasks.tokens_refresh_due.delay()

    for worker in workers:  # both ran at once; the one that waited for the lock found fresh tokens
        wait_until(lambda w=worker: re.search(r"tokens_refresh_due\[.*\] succeeded", w.log()), timeout=30)
    assert sum(worker.log().count("refreshed tokens of shop") for worker in workers) == 1
    assert refresh_calls(sandbox_shops) == 1
    shop = Shop.objects.get(pk=verified_shop.pk)
    assert shop.access_token_expires_at > timezone.now() + timedelta(hours=3)
    # Both the stored access token and the stored (new) refresh token are good at Shopee.
    sandbox_shops.set_faults(clear=True)
    assert services.shop_api(shop).get_shop_info()["shop_name"] == "我的測試賣場"
    services.shop_tokens_refresh(shop_pk=shop.pk, force=True)
    assert refresh_calls(sandbox_shops) == 2
    assert Shop.objects.get(pk=shop.pk).state == Shop.State.VERIFIED


def test_message_queued_while_revoked_is_sent_once_after_reverification(
    require_postgres, require_redis, sandbox_shops, verified_shop, salesperson, start_worker
):
    buyer = sandbox_shops.buyer_says(KTMST["shop_id"], "請問什麼時候出貨？", buyer_name="buyer_amy")
    sandbox_shops.revoke(KTMST["shop_id"])
    worker = start_worker(queues="default,outbox")
    wait_ready(worker)

    tasks.authorizations_check()  # one cycle of the beat
    shop = Shop.objects.get(pk=verified_shop.pk)
    assert shop.state == Shop.State.EXPIRED
    message = outbox_queue(
        shop=shop,
        buyer_id=buyer["buyer_id"],
        text="已出貨，感謝您！",
        origin="reply",
        idempotency_key="held-1",
    )
    assert message.state == OutgoingMessage.State.HELD
    time.sleep(1)  # a worker is running: a held message must still not go
    assert sandbox_shops.deliveries(KTMST["shop_id"]) == []

    verify_in_sandbox(sandbox_shops, shop, salesperson)  # the seller re-authorizes

    wait_until(lambda: sandbox_shops.deliveries(KTMST["shop_id"]), timeout=20, message="delivery")
    wait_until(
        lambda: OutgoingMessage.objects.get(pk=message.pk).state == OutgoingMessage.State.SENT, timeout=10
    )
    time.sleep(1)
    sent = sandbox_shops.deliveries(KTMST["shop_id"])
    assert [d["content"]["text"] for d in sent] == ["已出貨，感謝您！"]

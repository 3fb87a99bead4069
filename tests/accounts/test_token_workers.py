"""With real Celery worker processes on PostgreSQL and Redis: a single-use refresh token is used
once however many workers refresh; a shop whose authorization is gone shows so after one chat
sync, and messages held meanwhile are sent once after re-verification."""

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import tasks, tokens
from accounts.models import Shop
from chat.tasks import chat_sync_all
from outbox.models import OutgoingMessage
from outbox.services import outbox_queue
from tests.accounts.helpers import KTMST, back_from_shopee, flash, seller_at_shopee, start
from tests.utils import signed_in, wait_until

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
    assert tokens.shop_api(shop).get_shop_info()["shop_name"] == "我的測試賣場"
    tokens.shop_tokens_refresh(shop_pk=shop.pk, force=True)
    assert refresh_calls(sandbox_shops) == 2
    assert Shop.objects.get(pk=shop.pk).state == Shop.State.VERIFIED


def test_password_changed_on_shopee_shows_within_one_sync_cycle_and_held_message_goes_once(
    require_postgres, require_redis, sandbox_shops, verified_shop, salesperson, start_worker
):
    """The seller changes the password on Shopee (no push tells us): the next chat sync finds
    out, the page says why with the button back, and a reply queued meanwhile waits for the
    seller's re-verification, then is delivered exactly once."""
    buyer = sandbox_shops.buyer_says(KTMST["shop_id"], "請問什麼時候出貨？", buyer_name="buyer_amy")
    sandbox_shops.change_password(KTMST["shop_id"], "new-pass-5678")
    worker = start_worker(queues="default,outbox,sync")
    wait_ready(worker)

    chat_sync_all.delay()  # one cycle of the beat's chat sync

    wait_until(
        lambda: Shop.objects.get(pk=verified_shop.pk).state == Shop.State.EXPIRED, timeout=20, message="flip"
    )
    staff = signed_in(salesperson)
    page = staff.get(reverse("accounts:list")).text
    assert "已失效" in page and "蝦皮拒絕此賣場的授權" in page
    assert reverse("accounts:verify", args=[verified_shop.pk]) in page
    message = outbox_queue(
        shop=Shop.objects.get(pk=verified_shop.pk),
        buyer_id=buyer["buyer_id"],
        text="已出貨，感謝您！",
        origin="reply",
        idempotency_key="held-1",
    )
    assert message.state == OutgoingMessage.State.HELD
    time.sleep(1)  # a worker is running: a held message must still not go
    assert sandbox_shops.deliveries(KTMST["shop_id"]) == []

    # The seller verifies again with the new password, through our callback.
    shopee = seller_at_shopee(start(staff, verified_shop), account="ktmst", password="new-pass-5678")
    assert "已驗證" in flash(back_from_shopee(staff, shopee.location))

    wait_until(lambda: sandbox_shops.deliveries(KTMST["shop_id"]), timeout=20, message="delivery")
    wait_until(
        lambda: OutgoingMessage.objects.get(pk=message.pk).state == OutgoingMessage.State.SENT, timeout=10
    )
    time.sleep(1)
    sent = sandbox_shops.deliveries(KTMST["shop_id"])
    assert [d["content"]["text"] for d in sent] == ["已出貨，感謝您！"]


def test_a_newly_verified_shops_chats_and_orders_arrive_without_waiting_for_the_schedule(
    require_postgres, require_redis, sandbox_shops, shop, salesperson, start_worker
):
    from chat.models import Conversation
    from orders.models import Order

    sandbox_shops.create_order(shop_id=KTMST["shop_id"], buyer_id="55001", push=False)
    sandbox_shops.buyer_says(KTMST["shop_id"], "請問還有貨嗎？", buyer_id="55001")
    wait_ready(start_worker(queues="default,outbox,sync"))
    staff = signed_in(salesperson)

    shopee = seller_at_shopee(start(staff, shop), account="ktmst", password="demo1234")
    assert "已驗證" in flash(back_from_shopee(staff, shopee.location))

    # No beat is running: only the verification itself can have started these pulls.
    wait_until(lambda: Conversation.objects.filter(shop=shop).exists(), timeout=20, message="chats pulled")
    wait_until(lambda: Order.objects.filter(shop=shop).exists(), timeout=20, message="orders pulled")

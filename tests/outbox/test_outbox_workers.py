"""The outbox with real worker and beat processes (PostgreSQL + Redis), the sandbox over HTTP:
killed workers, an outage, a busy shop, two of everything, a revoked shop, a double submit.
Every count of what buyers received comes from the sandbox's delivery list."""

from __future__ import annotations

import functools
import random
import threading
import time
from collections import Counter, defaultdict

import pytest
from django.db import close_old_connections, connection, transaction

from accounts.models import Shop
from chat.models import Message
from chat.sync import chat_sync_shop
from outbox.models import OutgoingMessage
from tests.outbox.helpers import buyers_who_wrote, delivered_texts, queue, verify
from tests.utils import wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.services,
    pytest.mark.usefixtures("require_postgres", "require_redis"),
]

State = OutgoingMessage.State


def states() -> Counter[str]:
    return Counter(OutgoingMessage.objects.values_list("state", flat=True))


def wait_all_sent(count: int, *, timeout: float = 60.0) -> None:
    wait_until(lambda: states()[State.SENT] == count, timeout=timeout, interval=0.2, message=f"{count} sent")


def queue_many(shop: Shop, buyers: list[str], count: int, prefix: str) -> list[str]:
    """`count` messages in one transaction, spread over the buyers (fewer than 5 each in a row)."""
    texts = [f"{prefix} {n}" for n in range(count)]
    with transaction.atomic():
        for n, text in enumerate(texts):
            queue(shop, buyers[n % len(buyers)], text)
    return texts


def assert_delivered_exactly_once(sandbox, shop: Shop, texts: list[str]) -> None:
    delivered = delivered_texts(sandbox, shop)
    assert {text: delivered[text] for text in texts} == dict.fromkeys(texts, 1)
    assert sum(delivered.values()) == len(texts)
    by_text = {row["content"]["text"]: row["message_id"] for row in sandbox.deliveries(shop_id=shop.shop_id)}
    recorded = dict(OutgoingMessage.objects.filter(shop=shop).values_list("text", "shopee_message_id"))
    assert recorded == by_text  # every row names the one Shopee message it became
    ours = Message.objects.filter(shop=shop, from_buyer=False)
    assert sorted(ours.values_list("message_id", flat=True)) == sorted(by_text.values())


def assert_queued_order_per_buyer(sandbox, shop: Shop) -> None:
    delivered = defaultdict(list)
    for row in sandbox.deliveries(shop_id=shop.shop_id):
        delivered[row["buyer_id"]].append(row["message_id"])
    queued = defaultdict(list)
    for buyer_id, message_id in (
        OutgoingMessage.objects.filter(shop=shop).order_by("id").values_list("buyer_id", "shopee_message_id")
    ):
        queued[buyer_id].append(message_id)
    assert delivered == queued


# The Open Platform, and the Seller Centre session transport (TW), whose in-doubt check reads
# the session's message list for the row's key (request_id).
SEND_PATHS = {"open_platform": "send_message", "sellercentre": "/webchat/api/v1.2/messages"}


@pytest.mark.parametrize("transport", list(SEND_PATHS))
def test_workers_killed_anywhere_in_the_send_path_deliver_every_message_exactly_once(
    sandbox, make_shop, make_sc_shop, worker, beat, transport
):
    send_path = SEND_PATHS[transport]
    shop = make_shop(rate=500) if transport == "open_platform" else make_sc_shop(rate=500)
    buyers = buyers_who_wrote(sandbox, shop, 50)
    if transport == "sellercentre":
        chat_sync_shop(shop=shop)  # replies within the conversations the buyers opened
    worker = functools.partial(worker, SELLERCENTRE_SEND_RATE_PER_SECOND="500")
    beat()
    texts = queue_many(shop, buyers, 200, "出貨通知")

    # After Shopee accepted, before the answer came back: the message is stored, the worker dies.
    sandbox.set_faults(hang_seconds=0.8, hang_count=1, paths=[send_path])
    victim = worker(name="accepted")
    wait_until(lambda: sandbox.deliveries(), timeout=30, interval=0.01, message="a message accepted")
    victim.kill()
    assert states()[State.SENDING] >= 2  # the one in the call and the claimed ones behind it

    # During the call, before Shopee accepted it.
    sandbox.set_faults(clear=True, timeout_share=1.0, timeout_seconds=0.8, paths=[send_path])
    # (The sandbox counts a web-chat call only once it is answered: there, the in-doubt read of
    # the message list just before the send tells that the send is about to be in flight.)
    seen_path = send_path if transport == "open_platform" else "/messages"
    calls_before = send_calls(sandbox, seen_path)
    victim = worker(name="in-call")
    wait_until(
        lambda: send_calls(sandbox, seen_path) > calls_before,
        timeout=30,
        interval=0.01,
        message="a send in flight",
    )
    if transport == "sellercentre":
        time.sleep(0.4)
    victim.kill()

    # Anywhere: kill after a random moment of steady sending, a few times over.
    sandbox.set_faults(clear=True, latency_ms=25, paths=[send_path])
    for n in range(6):
        sent_before = len(sandbox.deliveries())
        if sent_before == 200:
            break
        victim = worker(name=f"random{n}")
        wait_until(lambda: len(sandbox.deliveries()) > sent_before, timeout=30, interval=0.01)
        time.sleep(random.uniform(0.0, 0.3))
        victim.kill()

    worker(name="survivor")
    wait_all_sent(200)
    assert_delivered_exactly_once(sandbox, shop, texts)
    assert_queued_order_per_buyer(sandbox, shop)


def test_a_killed_worker_after_a_first_tw_notice_reached_shopee_leaves_exactly_one_message(
    sandbox, make_sc_shop, worker, beat
):
    """Seller Centre, buyers who never chatted: each notice opens its conversation by the buyer's
    id. The worker dies after Shopee stored one and before the answer: the next worker finds that
    buyer's new conversation on Shopee and the message by its key, and does not send it again."""
    send_path = SEND_PATHS["sellercentre"]
    shop = make_sc_shop(rate=500)
    buyers = [str(810_000_000 + n) for n in range(10)]
    with transaction.atomic():
        texts = []
        for n, buyer_id in enumerate(buyers):
            order = sandbox.create_order(shop_id=shop.shop_id, buyer_id=buyer_id)
            texts.append(f"出貨通知 {n} {order['order_sn']}")
            queue(shop, buyer_id, texts[-1], order_sn=order["order_sn"])
    beat()

    sandbox.set_faults(hang_seconds=0.8, hang_count=1, paths=[send_path])
    victim = worker(name="accepted", SELLERCENTRE_SEND_RATE_PER_SECOND="500")
    wait_until(lambda: sandbox.deliveries(), timeout=30, interval=0.01, message="a message accepted")
    victim.kill()
    assert states()[State.SENDING] >= 1
    sandbox.set_faults(clear=True)

    worker(name="survivor", SELLERCENTRE_SEND_RATE_PER_SECOND="500")
    wait_all_sent(len(texts))
    assert_delivered_exactly_once(sandbox, shop, texts)
    assert send_calls(sandbox, send_path) == len(texts)  # the one in doubt was found, not sent again
    for buyer_id in buyers:
        assert Message.objects.filter(shop=shop, conversation__buyer_id=buyer_id).count() == 1


def send_calls(sandbox, path: str = "send_message") -> int:
    return sum(call["count"] for call in sandbox.calls() if call["path"].endswith(path))


def test_outage_then_recovery_loses_nothing_and_sends_nothing_twice(sandbox, make_shop, worker, beat):
    shop = make_shop()
    buyers = buyers_who_wrote(sandbox, shop, 20)  # one message each: every one meets the outage
    worker()
    beat()
    sandbox.set_faults(outage_seconds=2.5)
    texts = queue_many(shop, buyers, 20, "停機測試")
    wait_all_sent(20, timeout=40)
    assert_delivered_exactly_once(sandbox, shop, texts)
    attempts = list(OutgoingMessage.objects.values_list("attempts", flat=True))
    # Not every message meets the outage: after a shop's first refusal the rest of its batch goes
    # back untried (no attempt spent), and the first in line are tried again when their backoff
    # ends. Those that met it backed off: a backoff of 0.3 s doubling (jitter down to half)
    # allows at most 5 refusals in 2.5 s, where retrying at once would make dozens.
    assert max(attempts) >= 2
    assert max(attempts) <= 6
    assert OutgoingMessage.objects.filter(attempts__gte=2).count() >= 2


def sent_count(shop: Shop) -> int:
    return OutgoingMessage.objects.filter(shop=shop, state=State.SENT).count()


def test_a_rate_limited_shop_does_not_slow_another_shop_and_keeps_its_own_pace(
    sandbox, make_shop, worker, beat
):
    busy, quiet = make_shop("忙碌賣場", rate=4), make_shop("安靜賣場", rate=50)
    busy_buyers = buyers_who_wrote(sandbox, busy, 12)
    quiet_buyers = buyers_who_wrote(sandbox, quiet, 10, first_id=600_000_000)
    worker()
    beat(every=5)  # the product's sweep interval: the busy shop's pace must not hang on the sweeps
    time.sleep(1)  # the worker is up and idle
    started = time.monotonic()
    busy_texts = queue_many(busy, busy_buyers, 12, "忙碌")
    quiet_texts = queue_many(quiet, quiet_buyers, 10, "安靜")
    wait_until(lambda: sent_count(quiet) == 10, timeout=10, interval=0.05, message="the quiet shop's 10")
    quiet_done = time.monotonic() - started
    busy_sent = sum(delivered_texts(sandbox, busy).values())
    assert quiet_done < 2.0
    assert busy_sent <= 4 + 4 * quiet_done + 1  # its burst plus its rate, no more
    wait_until(lambda: sent_count(busy) == 12, timeout=15, interval=0.05, message="the busy shop's 12")
    busy_done = time.monotonic() - started
    assert 1.5 < busy_done < 3.5  # a burst of 4, then 4 a second: 8 more take 2 s
    assert_delivered_exactly_once(sandbox, quiet, quiet_texts)
    assert_delivered_exactly_once(sandbox, busy, busy_texts)


def test_two_workers_and_two_beats_send_nothing_twice(sandbox, make_shop, worker, beat):
    shop = make_shop(rate=500)
    buyers = buyers_who_wrote(sandbox, shop, 40)
    sandbox.set_faults(latency_ms=10, paths=["send_message"])
    worker(name="one", concurrency=2)
    worker(name="two", concurrency=2)
    beat(name="beat-one")
    beat(name="beat-two")
    texts = queue_many(shop, buyers, 120, "雙重保險")
    wait_all_sent(120)
    time.sleep(2)  # a few more sweeps by both beats
    assert_delivered_exactly_once(sandbox, shop, texts)
    assert_queued_order_per_buyer(sandbox, shop)


def test_revoked_shop_mid_batch_holds_the_rest_until_verified_again(
    sandbox, make_shop, worker, beat, salesperson
):
    shop = make_shop(rate=5)
    buyers = buyers_who_wrote(sandbox, shop, 30)
    worker()
    beat()
    texts = queue_many(shop, buyers, 30, "批次通知")
    wait_until(lambda: len(sandbox.deliveries()) >= 5, timeout=20, interval=0.05)
    sandbox.revoke(shop.shop_id)
    wait_until(lambda: not (states()[State.QUEUED] or states()[State.SENDING]), timeout=20, interval=0.1)
    shop.refresh_from_db()
    assert shop.state == Shop.State.EXPIRED
    assert states()[State.FAILED] == 0
    held = states()[State.HELD]
    assert held > 0 and states()[State.SENT] + held == 30
    assert len(sandbox.deliveries()) == states()[State.SENT]

    verify(sandbox, shop.shop_id, salesperson, shop=shop)
    wait_all_sent(30)
    assert_delivered_exactly_once(sandbox, shop, texts)


def test_the_same_form_submitted_twice_at_once_sends_one_message(sandbox, make_shop, worker, beat):
    shop = make_shop()
    (buyer,) = buyers_who_wrote(sandbox, shop, 1)
    worker()
    beat()
    both_in = threading.Barrier(2)
    queued = []

    def submit():
        try:
            with transaction.atomic():
                both_in.wait(timeout=5)
                queued.append(queue(shop, buyer, "好的,今天出貨", key="composer:form-7f3a"))
                time.sleep(0.3)  # the first insert is still uncommitted when the second arrives
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({message.pk for message in queued}) == 1
    wait_all_sent(1)
    time.sleep(1.5)  # sweeps come and go
    assert delivered_texts(sandbox, shop) == {"好的,今天出貨": 1}

"""The outbox in one process against the sandbox over HTTP: the checks before queueing, and
what delivery does with each answer Shopee can give. Worker processes: test_outbox_workers.py."""

from __future__ import annotations

import contextlib

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from accounts.models import Shop
from chat.models import Message
from chat.sync import chat_sync_shop
from orders.models import Order
from outbox.delivery import outbox_deliver_due
from outbox.kick import parallel_drains
from outbox.models import OutgoingMessage
from outbox.placeholders import render_notice
from outbox.rate import send_rate
from outbox.services import OutboxRefused, outbox_retry, outbox_sweep
from tests.outbox.helpers import buyers_who_wrote, delivered_texts, queue, verify
from tests.utils import wait_until

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

State = OutgoingMessage.State


def deliver() -> int:
    return outbox_deliver_due(budget_seconds=10)


def deliver_until(predicate, *, timeout: float = 10.0):
    """Deliver again and again (backoffs are short here) until `predicate()` holds."""

    def step():
        deliver()
        return predicate()

    return wait_until(step, timeout=timeout, interval=0.05)


# -- checks before queueing -------------------------------------------------------------------


@pytest.fixture
def shop(make_shop):
    return make_shop()


@pytest.fixture
def buyer(sandbox, shop):
    return buyers_who_wrote(sandbox, shop, 1)[0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "The message is empty."),
        ("   \n ", "The message is empty."),
        ("好" * 601, "The message has 601 characters; Shopee allows at most 600."),
        ("您的訂單 [訂單編號] 已出貨", "Unknown placeholder [訂單編號]. Known placeholders: [訂單單號]"),
        ("您的訂單 [訂單單號] 已出貨", "Placeholder [訂單單號] was not filled in: it needs an order."),
    ],
)
def test_message_that_cannot_go_is_refused_with_the_reason_and_nothing_is_queued(shop, buyer, text, words):
    with pytest.raises(OutboxRefused) as refused:
        queue(shop, buyer, text)
    with translation.override("en"):
        assert words in refused.value.reason
    assert not OutgoingMessage.objects.exists()


def test_refusal_reads_in_traditional_chinese_by_default(shop, buyer):
    with pytest.raises(OutboxRefused) as refused:
        queue(shop, buyer, "")
    assert refused.value.reason == "訊息是空的。"


def test_600_chinese_characters_are_accepted_and_delivered(sandbox, shop, buyer):
    text = "好" * 600
    queue(shop, buyer, text)
    assert deliver() == 1
    assert delivered_texts(sandbox, shop) == {text: 1}


def test_line_breaks_from_a_form_count_as_one_character(sandbox, shop, buyer):
    typed = "您好\r\n" + "好" * 595 + "\r\n謝"  # 600 as the composer counts; a textarea posts CRLF
    message = queue(shop, buyer, typed)
    deliver()
    expected = typed.replace("\r\n", "\n")
    assert message.text == expected
    assert delivered_texts(sandbox, shop) == {expected: 1}


def test_a_batch_queued_in_one_transaction_kicks_delivery_a_few_times_not_once_per_message(
    shop, django_capture_on_commit_callbacks
):
    buyers = [str(510_000_000 + n) for n in range(50)]
    with django_capture_on_commit_callbacks() as kicks:
        with transaction.atomic():
            for buyer in buyers:
                queue(shop, buyer, "您的訂單已出貨")
    assert OutgoingMessage.objects.count() == 50
    assert 1 <= len(kicks) <= parallel_drains()


def test_a_kick_lost_with_a_rolled_back_savepoint_is_asked_for_again(
    shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as kicks:
        with transaction.atomic():
            for n in range(parallel_drains()):
                with contextlib.suppress(RuntimeError), transaction.atomic():
                    queue(shop, str(510_000_000 + n), "您的訂單已出貨")
                    raise RuntimeError("the rest of the action failed: the row and its kick go")
            queue(shop, "519999999", "您的訂單已出貨")
    assert OutgoingMessage.objects.count() == 1
    assert len(kicks) == 1  # the one row left is delivered without waiting for the sweeper


def test_a_shop_shopee_paused_stays_paused_when_a_drain_gives_back_unused_tokens(bucket, shop):
    rate = send_rate()
    assert rate.take(shop.pk, rate=10, want=10).granted == 10
    rate.pause(shop.pk, seconds=30)  # Shopee answered "slow down" to one drain…
    rate.give_back(shop.pk, count=6)  # …while another returns tokens it did not use
    paused = rate.take(shop.pk, rate=10, want=10)
    assert paused.granted == 0 and paused.wait > 25


def test_notice_placeholders_are_filled_from_the_order(shop):
    order = Order(
        shop=shop,
        order_sn="240101ABCDEFGH",
        status="SHIPPED",
        buyer_username="小王",
        shipping_carrier="7-ELEVEN",
        tracking_number="F12345678",
        total_amount=1234,
        items=[{"item_name": "奶瓶"}, {"item_name": "尿布"}],
    )
    text = render_notice(
        "[買家帳號]您好:您的訂單[訂單單號]已由[物流方式]寄出([寄件編號]),[商品名稱] [結帳金額]", order
    )
    assert text == "小王您好:您的訂單240101ABCDEFGH已由7-ELEVEN寄出(F12345678),奶瓶、尿布 NT$1,234"


def test_full_width_brackets_are_ordinary_text(sandbox, shop, buyer):
    queue(shop, buyer, "【贈品】已隨貨附上")
    deliver()
    assert delivered_texts(sandbox, shop) == {"【贈品】已隨貨附上": 1}


def test_masked_buyer_cannot_be_messaged(shop):
    with pytest.raises(OutboxRefused):
        queue(shop, "", "您好")


def test_unverified_shop_queues_the_message_held_and_says_why(sandbox, shop, buyer):
    Shop.objects.filter(pk=shop.pk).update(state=Shop.State.EXPIRED)
    shop.refresh_from_db()
    message = queue(shop, buyer, "您好")
    assert message.state == State.HELD
    with translation.override("en"):
        assert message.error_text == "Shop not verified"
    assert deliver() == 0
    assert sandbox.deliveries() == []


def test_same_form_submitted_twice_queues_one_message(sandbox, shop, buyer):
    first = queue(shop, buyer, "好的,馬上幫您處理", key="reply-form-token-1")
    second = queue(shop, buyer, "好的,馬上幫您處理", key="reply-form-token-1")
    assert first.pk == second.pk
    deliver()
    assert delivered_texts(sandbox, shop) == {"好的,馬上幫您處理": 1}


# -- delivery ------------------------------------------------------------------------------------


def test_sent_message_becomes_the_chat_message_once_even_after_sync(sandbox, shop, buyer):
    message = queue(shop, buyer, "已為您安排出貨")
    assert deliver() == 1
    message.refresh_from_db()
    delivered = sandbox.deliveries(shop_id=shop.shop_id)
    assert message.state == State.SENT
    assert message.shopee_message_id == delivered[0]["message_id"]
    assert message.conversation.conversation_id == delivered[0]["conversation_id"]
    chat_sync_shop(shop=shop, full=True)
    ours = Message.objects.filter(shop=shop, text="已為您安排出貨")
    assert [(m.message_id, m.from_buyer) for m in ours] == [(message.shopee_message_id, False)]


def test_first_message_to_a_buyer_carries_the_order(sandbox, shop):
    order = sandbox.create_order(shop_id=shop.shop_id, buyer_id=700_000_001)
    message = queue(shop, order["buyer_id"], "感謝您的訂購", order_sn=order["order_sn"])
    assert deliver() == 1
    (delivery,) = sandbox.deliveries(shop_id=shop.shop_id)
    assert delivery["source_content"]["order_sn"] == order["order_sn"]
    message.refresh_from_db()
    assert message.state == State.SENT and message.conversation is not None


def test_messages_of_one_conversation_go_out_in_queued_order(sandbox, shop):
    buyers = buyers_who_wrote(sandbox, shop, 2)
    texts = {buyer: [f"{buyer} 第{n}則" for n in range(4)] for buyer in buyers}
    for n in range(4):
        for buyer in buyers:
            queue(shop, buyer, texts[buyer][n])
    assert deliver() == 8
    for buyer in buyers:
        got = [row["content"]["text"] for row in sandbox.deliveries(shop_id=shop.shop_id, buyer_id=buyer)]
        assert got == texts[buyer]


def test_platform_rule_fails_at_once_with_the_rule_in_words(sandbox, shop, buyer):
    for n in range(6):
        queue(shop, buyer, f"通知 {n}")
    deliver()
    sixth = OutgoingMessage.objects.get(text="通知 5")
    assert (sixth.state, sixth.attempts) == (State.FAILED, 1)
    with translation.override("en"):
        assert sixth.error_text == "5-message limit: the buyer must answer before more can be sent"
    assert sixth.error_text == "已達 5 則訊息上限：買家回覆後才能再傳送"
    assert sum(delivered_texts(sandbox, shop).values()) == 5


def test_a_message_shopee_refuses_keeps_shopees_own_words_for_the_pages(sandbox, shop, staff_client):
    message = queue(shop, "399999999", "您好")  # a buyer Shopee does not know
    deliver()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.FAILED, 1)
    assert message.error_text == "蝦皮拒絕了這則訊息"
    assert message.error_said == "error_param: to_id is not a valid user."  # Shopee's code and words
    page = staff_client.get(reverse("outbox:list")).content.decode()
    # Our words on the page, Shopee's own only on hover.
    assert "蝦皮拒絕了這則訊息 (蝦皮拒絕了請求中的某個值)" in page
    assert 'title="詳細內容： error_param: to_id is not a valid user."' in page
    assert ">error_param" not in page


def test_without_shopees_chat_approval_a_reply_fails_at_once_and_the_shop_stays_verified(
    sandbox, shop, buyer
):
    sandbox.configure(chat_module_approved=False)
    message = queue(shop, buyer, "您好，商品已出貨")
    deliver()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.FAILED, 1)
    assert message.error_text == "蝦皮尚未核准本系統使用聊聊功能（Chat 模組）"
    shop.refresh_from_db()
    assert shop.state == Shop.State.VERIFIED  # the app's permission, not the shop's authorization
    assert sandbox.deliveries(shop_id=shop.shop_id) == []


def test_shopee_down_backs_off_then_fails_and_a_retry_sends_it(
    sandbox, shop, buyer, fast_outbox, salesperson
):
    sandbox.set_faults(error_share=1.0, paths=["send_message"])
    message = queue(shop, buyer, "出貨通知")
    seen_waits = []

    def failed():
        message.refresh_from_db()
        if message.state == State.QUEUED and message.attempts:
            seen_waits.append(message.next_attempt_at)
        return message.state == State.FAILED

    deliver_until(failed)
    assert message.attempts == 3
    assert len(set(seen_waits)) == 2  # two backoffs, then the third attempt failed for good
    assert message.error_text == "無法連線蝦皮"
    assert message.error_said.startswith("error_server")  # Shopee's own words, on hover
    assert message.error_reason == "蝦皮內部發生錯誤；稍後會再試"
    sandbox.set_faults(clear=True)
    outbox_retry(message=message, user=salesperson)
    deliver()
    message.refresh_from_db()
    assert message.state == State.SENT
    assert delivered_texts(sandbox, shop) == {"出貨通知": 1}


@pytest.mark.parametrize(
    "first_contact", [False, True], ids=["buyer-wrote-first", "first-message-with-order"]
)
def test_timeout_after_shopee_stored_the_message_is_found_not_sent_again(
    sandbox, shop, fast_outbox, first_contact
):
    if first_contact:  # no conversation until this very message: it is found through the conversation list
        order = sandbox.create_order(shop_id=shop.shop_id, buyer_id=700_000_002)
        buyer, order_sn = order["buyer_id"], order["order_sn"]
    else:
        (buyer,), order_sn = buyers_who_wrote(sandbox, shop, 1), ""
    sandbox.set_faults(hang_seconds=1.5, hang_count=1)  # stored, answered after our 0.5 s timeout
    message = queue(shop, buyer, "您的包裹已寄出", order_sn=order_sn)
    deliver()
    message.refresh_from_db()
    assert message.state == State.QUEUED and message.doubt_since is not None
    deliver_until(lambda: OutgoingMessage.objects.get(pk=message.pk).state == State.SENT)
    message.refresh_from_db()
    (delivery,) = sandbox.deliveries(shop_id=shop.shop_id)
    assert message.shopee_message_id == delivery["message_id"]
    assert message.attempts == 2


def test_rate_limited_by_shopee_waits_without_spending_an_attempt(sandbox, shop, buyer):
    sandbox.set_faults(shop_calls_per_second=0.5)
    queue(shop, buyer, "第一則")
    queue(shop, buyer, "第二則")
    deliver()
    second = OutgoingMessage.objects.get(text="第二則")
    assert (second.state, second.attempts, second.error_code) == (State.QUEUED, 0, "rate_limited")
    assert second.next_attempt_at > second.created_at
    sandbox.set_faults(shop_calls_per_second=None)
    wait_until(lambda: deliver() or OutgoingMessage.objects.get(pk=second.pk).state == State.SENT, timeout=5)
    assert delivered_texts(sandbox, shop) == {"第一則": 1, "第二則": 1}


def test_a_shop_out_of_tokens_does_not_hold_up_another_shop(sandbox, make_shop):
    slow, fast = make_shop("慢店", rate=1), make_shop("快店", rate=100)
    slow_buyers, fast_buyers = (
        buyers_who_wrote(sandbox, slow, 5),
        buyers_who_wrote(sandbox, fast, 5, first_id=6),
    )
    for buyer in slow_buyers:
        queue(slow, buyer, "慢店通知")
    for buyer in fast_buyers:
        queue(fast, buyer, "快店通知")
    deliver()
    assert sum(delivered_texts(sandbox, fast).values()) == 5
    assert sum(delivered_texts(sandbox, slow).values()) == 1  # a burst of one, then one a second


def test_revoked_shop_holds_its_messages_until_verified_again(
    sandbox, shop, salesperson, django_capture_on_commit_callbacks
):
    buyers = buyers_who_wrote(sandbox, shop, 3)
    sandbox.revoke(shop.shop_id)
    for buyer in buyers:
        queue(shop, buyer, "出貨通知")
    deliver()
    shop.refresh_from_db()
    assert shop.state == Shop.State.EXPIRED
    assert set(OutgoingMessage.objects.values_list("state", flat=True)) == {State.HELD}
    assert all(m.attempts == 0 for m in OutgoingMessage.objects.all())
    with django_capture_on_commit_callbacks(execute=True):
        verify(sandbox, shop.shop_id, salesperson, shop=shop)
    deliver()
    assert set(OutgoingMessage.objects.values_list("state", flat=True)) == {State.SENT}
    assert delivered_texts(sandbox, shop) == {"出貨通知": 3}


def test_sweeper_releases_messages_of_a_shop_verified_meanwhile(sandbox, shop, buyer):
    Shop.objects.filter(pk=shop.pk).update(state=Shop.State.EXPIRED)
    shop.refresh_from_db()
    message = queue(shop, buyer, "您好")
    Shop.objects.filter(pk=shop.pk).update(state=Shop.State.VERIFIED)
    outbox_sweep()  # its kick runs here and now (no broker in these tests)
    message.refresh_from_db()
    assert message.state == State.SENT
    assert delivered_texts(sandbox, shop) == {"您好": 1}

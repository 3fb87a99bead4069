"""Shopee's response-rate rule (chat.response_rate), conversation by conversation, message by
message; then the same rule where messages are stored (a pull from the sandbox)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from chat import sync
from chat.models import Conversation, CountedChat
from chat.response_rate import Rate, Said, chats_of, is_automatic
from tests.chat.helpers import buyer_id, verified_shop

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
_ids = itertools.count(1)


def buyer(hours: float, minutes: float = 0) -> Said:
    return Said(key=f"b{next(_ids)}", at=T0 + timedelta(hours=hours, minutes=minutes), from_buyer=True)


def seller(hours: float, minutes: float = 0, *, automatic: bool = False) -> Said:
    return Said(
        key=f"s{next(_ids)}",
        at=T0 + timedelta(hours=hours, minutes=minutes),
        from_buyer=False,
        automatic=automatic,
    )


def test_a_reply_at_11_59_is_in_time_and_one_at_12_01_is_late():
    in_time = chats_of([buyer(0), seller(11, 59)])
    late = chats_of([buyer(0), seller(12, 1)])
    assert [c.in_time for c in in_time.chats] == [True]
    assert [c.in_time for c in late.chats] == [False]
    assert late.chats[0].missed(now=T0 + timedelta(days=1))
    assert late.waiting is None  # answered, late: nothing to count down any more


def test_the_deadline_runs_from_the_first_unanswered_buyer_message():
    first = buyer(0)
    reading = chats_of([first, buyer(3), buyer(11)])
    assert len(reading.chats) == 1
    assert reading.waiting.first_message == first.key
    assert reading.waiting.due_at == T0 + timedelta(hours=12)
    assert not reading.waiting.missed(now=T0 + timedelta(hours=11, minutes=59))
    assert reading.waiting.missed(now=T0 + timedelta(hours=12, minutes=1))


def test_shopee_auto_replies_and_the_faq_assistant_do_not_answer():
    reading = chats_of([buyer(0), seller(0, 1, automatic=True), seller(13)])
    assert not reading.chats[0].in_time
    assert is_automatic(message_type="text", status="auto_reply", from_buyer=False)
    assert is_automatic(message_type="text", status="offwork_autoreply", from_buyer=False)
    assert is_automatic(message_type="bundle_message", status="normal", from_buyer=False)
    assert is_automatic(message_type="faq_card", status="", from_buyer=True)
    assert not is_automatic(message_type="faq_liveagent", status="", from_buyer=True)  # asks a person
    assert not is_automatic(message_type="text", status="normal", from_buyer=False)


def test_a_seller_message_from_any_source_answers():
    """Seller Centre, the app or our outbox: a seller message is a seller message."""
    reading = chats_of([buyer(0), seller(2)])
    assert reading.chats[0].in_time and reading.waiting is None


def test_thanks_after_a_reply_in_time_needs_no_reply():
    thanks, sticker = buyer(1, 5), buyer(2)
    reading = chats_of([buyer(0), seller(1), thanks, sticker])
    assert reading.no_reply_needed == {thanks.key, sticker.key}
    assert reading.waiting is None
    assert len(reading.chats) == 1


def test_a_buyer_writing_again_after_12_hours_starts_a_new_chat():
    again = buyer(14)
    reading = chats_of([buyer(0), seller(1), again])
    assert len(reading.chats) == 2
    assert reading.waiting.first_message == again.key
    assert reading.waiting.due_at == again.at + timedelta(hours=12)


def test_an_unanswered_chat_stays_missed_when_the_buyer_writes_again_after_12_hours():
    reading = chats_of([buyer(0), buyer(13), seller(14)])
    first, second = reading.chats
    assert first.answered_at is None and first.missed(now=T0 + timedelta(hours=14))
    assert second.in_time


def test_a_missed_window_stays_missed_after_the_answer():
    reading = chats_of([buyer(0), seller(20), buyer(21)])
    assert reading.chats[0].missed(now=T0 + timedelta(hours=22))
    # After a late reply the buyer's next words count again (Shopee does not say; we answer).
    assert reading.waiting is not None and reading.waiting.started_at == T0 + timedelta(hours=21)


def test_a_buyer_answering_a_notice_of_ours_must_be_answered():
    reading = chats_of([buyer(0), seller(1), seller(30), buyer(30, 10)])
    assert reading.waiting is not None and reading.waiting.started_at == T0 + timedelta(hours=30, minutes=10)


def test_the_rate_needs_two_chats_and_says_what_the_waiting_ones_would_do():
    assert Rate(counted=1, in_time=1, waiting=0).percent is None
    rate = Rate(counted=25, in_time=23, waiting=7)
    assert rate.percent == 92
    assert rate.if_waiting_missed == 72


# -- where messages are stored ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_pulled_conversation_keeps_its_deadline_and_its_counted_chats(sandbox, salesperson):
    shop = verified_shop(sandbox, salesperson)
    sandbox.shift_clock(-13 * 3600)
    sandbox.buyer_says(shop.shop_id, "請問有貨嗎?", buyer_id=buyer_id(1), buyer_name="小明")
    sandbox.shopee_says(shop.shop_id, buyer_id(1), "您好，我們會盡快回覆")  # Shopee's auto-reply
    sandbox.shift_clock(13 * 3600)
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id=buyer_id(2), buyer_name="小華")
    sync.chat_sync_shop(shop=shop)

    late = Conversation.objects.get(shop=shop, buyer_id=buyer_id(1))
    waiting = Conversation.objects.get(shop=shop, buyer_id=buyer_id(2))
    now = timezone.now()
    assert late.reply_due_at < now  # past: the auto-reply did not answer
    assert timedelta(hours=11, minutes=58) < waiting.reply_due_at - now <= timedelta(hours=12)

    sandbox.seller_centre_says(shop.shop_id, buyer_id(1), "有的，今天出貨")  # typed in Seller Centre
    sandbox.seller_centre_says(shop.shop_id, buyer_id(2), "在的")
    sandbox.buyer_says(shop.shop_id, "謝謝", buyer_id=buyer_id(2))
    sync.chat_sync_shop(shop=shop)

    late.refresh_from_db()
    waiting.refresh_from_db()
    assert late.reply_due_at is None and late.missed_due_at is not None  # answered, but it was missed
    assert waiting.reply_due_at is None and waiting.missed_due_at is None  # the thank-you needs nothing
    chats = CountedChat.objects.filter(shop=shop).order_by("started_at")
    assert [(c.conversation_id, c.answered_at is not None, c.answered_at <= c.due_at) for c in chats] == [
        (late.pk, True, False),
        (waiting.pk, True, True),
    ]

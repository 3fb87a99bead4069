"""The 通知 page (every outgoing message, filters, counts, retry) and the outbox block of the
status page, as the shop's salesperson, another staff member and a manager see them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Shop
from outbox.models import OutgoingMessage
from tests.factories import OutgoingMessageFactory, ShopFactory
from tests.utils import signed_in

pytestmark = pytest.mark.django_db

State = OutgoingMessage.State


@pytest.fixture
def shop(own_shop):
    """The salesperson's verified shop, in the database only."""
    return own_shop


@pytest.fixture
def other_shop(other_staff):
    """Another salesperson's shop, not verified."""
    return ShopFactory(shop_id="318990021", account="tmsbaby", name="寶寶生活館", salesperson=other_staff)


def outgoing(shop: Shop, text: str, **fields) -> OutgoingMessage:
    return OutgoingMessageFactory(shop=shop, text=text, **fields)


@pytest.fixture
def failed(shop):
    return outgoing(
        shop,
        "您的訂單已出貨",
        state=State.FAILED,
        attempts=1,
        error_code="reach_5_message_limit",
        order_sn="240101AB",
    )


def test_salesperson_sees_each_message_with_state_origin_and_error_in_words(shop, failed, salesperson):
    outgoing(shop, "批次:已出貨", state=State.SENT, origin=OutgoingMessage.Origin.BATCH_NOTICE)
    page = signed_in(salesperson).get(reverse("outbox:list"))
    assert page.status_code == 200
    text = page.text
    assert "您的訂單已出貨" in text and "批次:已出貨" in text
    assert "失敗" in text and "已送出" in text and "批次通知" in text
    assert "已達 5 則訊息上限：買家回覆後才能再傳送" in text
    assert "240101AB" in text and "我的測試賣場" in text


def test_other_staff_does_not_see_the_shops_messages(failed, other_staff):
    page = signed_in(other_staff).get(reverse("outbox:list"))
    assert page.status_code == 200 and 'id="outbox-rows"' in page.text  # the list, empty for them
    assert "您的訂單已出貨" not in page.text and "我的測試賣場" not in page.text


def test_manager_sees_every_shops_messages(shop, other_shop, manager):
    outgoing(shop, "甲店訊息")
    outgoing(other_shop, "乙店訊息", state=State.HELD, error_code="shop_not_verified")
    page = signed_in(manager).get(reverse("outbox:list"))
    assert "甲店訊息" in page.text and "乙店訊息" in page.text
    assert "帳號未驗證" in page.text


def test_filters_by_state_shop_and_origin_with_counts(shop, other_shop, manager):
    outgoing(shop, "甲排程")
    outgoing(shop, "甲已送", state=State.SENT, origin=OutgoingMessage.Origin.AUTO_NOTICE)
    outgoing(other_shop, "乙排程")
    client = signed_in(manager)
    page = client.get(reverse("outbox:list"), {"state": "queued"})
    assert "甲排程" in page.text and "乙排程" in page.text and "甲已送" not in page.text
    page = client.get(reverse("outbox:list"), {"shop": shop.pk})
    assert "甲排程" in page.text and "乙排程" not in page.text
    assert page.context["counts"][:3] == [
        ("queued", "排程中", 1),
        ("sending", "傳送中", 0),
        ("sent", "已送出", 1),
    ]
    page = client.get(reverse("outbox:list"), {"origin": "auto_notice"})
    assert "甲已送" in page.text and "甲排程" not in page.text


def test_the_page_runs_the_same_queries_however_many_messages(
    shop, salesperson, django_assert_max_num_queries
):
    client = signed_in(salesperson)
    for n in range(3):
        outgoing(shop, f"訊息{n}", queued_by=salesperson)
    with django_assert_max_num_queries(15) as few:  # 3 of them the header's count of replies due
        client.get(reverse("outbox:list"))
    for n in range(40):
        outgoing(shop, f"更多{n}", queued_by=salesperson)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("outbox:list"))


def test_retry_queues_a_failed_message_again(failed, salesperson):
    client = signed_in(salesperson)
    page = client.post(reverse("outbox:retry", args=[failed.pk]), follow=True)
    assert "訊息已重新排入傳送" in page.text
    failed.refresh_from_db()
    assert (failed.state, failed.attempts, failed.error_code) == (State.QUEUED, 0, "")


def test_retry_of_a_shop_not_verified_waits_held(failed, shop, salesperson):
    Shop.objects.filter(pk=shop.pk).update(state=Shop.State.EXPIRED)
    page = signed_in(salesperson).post(reverse("outbox:retry", args=[failed.pk]), follow=True)
    assert "帳號尚未驗證" in page.text
    failed.refresh_from_db()
    assert failed.state == State.HELD


def test_other_staff_cannot_retry_the_shops_message(failed, other_staff):
    response = signed_in(other_staff).post(reverse("outbox:retry", args=[failed.pk]))
    assert response.status_code == 404
    failed.refresh_from_db()
    assert failed.state == State.FAILED


def test_status_page_shows_queue_depth_and_the_oldest_due_message(shop, failed, salesperson):
    outgoing(shop, "等很久", next_attempt_at=timezone.now() - timedelta(seconds=90))
    outgoing(shop, "剛排入")
    page = signed_in(salesperson).get(reverse("status"))
    assert "傳出訊息" in page.text
    assert 'data-state="queued">2<' in page.text and 'data-state="failed">1<' in page.text
    assert "2 則訊息待傳送，最久的已等待 1\xa0分" in page.text
    assert "可能沒有在執行" in page.text  # due for 90 s and nothing sent: no worker is delivering


def test_a_dead_worker_shows_on_the_notices_page(shop, salesperson):
    outgoing(shop, "沒送出", next_attempt_at=timezone.now() - timedelta(minutes=5))
    client = signed_in(salesperson)
    page = client.get(reverse("outbox:list"))
    assert 'data-delivery="stalled"' in page.text
    assert "訊息沒有送出：1 則訊息已到傳送時間，最久的已等待 5\xa0分" in page.text
    # A long queue that is moving (something went out just now) is not an alarm.
    outgoing(shop, "剛送出", state=State.SENT, sent_at=timezone.now() - timedelta(seconds=5))
    page = client.get(reverse("outbox:list"))
    assert 'data-delivery="stalled"' not in page.text
    assert "1 則訊息傳送中" in page.text
    assert 'hx-trigger="every 5s"' in page.text  # the list refreshes itself while messages are on their way


def test_held_messages_name_their_shop_and_lead_to_it(shop, salesperson):
    Shop.objects.filter(pk=shop.pk).update(state=Shop.State.EXPIRED)
    for n in range(2):
        outgoing(shop, f"等待認證{n}", state=State.HELD, error_code="shop_not_verified")
    page = signed_in(salesperson).get(reverse("outbox:list"))
    assert "我的測試賣場：2 則訊息等待重新完成聊聊登入認證後傳送" in page.text
    assert f'href="{reverse("accounts:edit", args=[shop.pk])}"' in page.text


def test_retry_all_failed_retries_what_the_filters_show(shop, other_shop, manager):
    for n in range(2):
        outgoing(shop, f"甲失敗{n}", state=State.FAILED, attempts=8, error_code="unreachable")
    theirs = outgoing(other_shop, "乙失敗", state=State.FAILED, attempts=8, error_code="unreachable")
    client = signed_in(manager)
    page = client.get(reverse("outbox:list"), {"shop": shop.pk})
    assert "全部重新傳送（2 則失敗訊息）" in page.text
    page = client.post(
        reverse("outbox:retry_failed"),
        {"filters": f"shop={shop.pk}", "next": "/notices/"},
        follow=True,
    )
    assert "2 則失敗訊息已重新排入傳送" in page.text
    assert {(m.state, m.attempts) for m in OutgoingMessage.objects.filter(shop=shop)} == {(State.QUEUED, 0)}
    theirs.refresh_from_db()
    assert theirs.state == State.FAILED  # another shop, filtered out
    page = client.post(reverse("outbox:retry_failed"), {"filters": ""}, follow=True)
    theirs.refresh_from_db()
    assert theirs.state == State.HELD  # its shop is not verified: it waits for that
    assert "1 則訊息的帳號尚未驗證" in page.text


def test_retry_all_failed_never_touches_another_staff_members_shop(failed, other_staff):
    page = signed_in(other_staff).post(reverse("outbox:retry_failed"), {"filters": ""}, follow=True)
    assert "沒有需要重新傳送的失敗訊息" in page.text
    failed.refresh_from_db()
    assert failed.state == State.FAILED


def test_search_by_order_number_buyer_or_words(shop, failed, salesperson):
    outgoing(shop, "請問您收到了嗎", buyer_id="500000777")
    client = signed_in(salesperson)
    by_order = client.get(reverse("outbox:list"), {"search": "240101ab"})
    assert "您的訂單已出貨" in by_order.text and "請問您收到了嗎" not in by_order.text
    by_buyer = client.get(reverse("outbox:list"), {"search": "500000777"})
    assert "請問您收到了嗎" in by_buyer.text and "您的訂單已出貨" not in by_buyer.text
    by_words = client.get(reverse("outbox:list"), {"search": "收到"})
    assert "請問您收到了嗎" in by_words.text and "您的訂單已出貨" not in by_words.text


def test_thousands_of_messages_page_from_newest_to_oldest(shop, salesperson):
    OutgoingMessage.objects.bulk_create(
        OutgoingMessage(
            shop=shop,
            buyer_id="500000001",
            text=f"第{n:04d}則",
            origin=OutgoingMessage.Origin.BATCH_NOTICE,
            idempotency_key=f"many-{n}",
            state=State.SENT,
        )
        for n in range(1, 1201)
    )
    client = signed_in(salesperson)
    first = client.get(reverse("outbox:list"))
    assert "第1200則" in first.text and "第1150則" not in first.text
    assert "第 1 頁，共 24 頁、1200 則訊息" in first.text
    assert 'page=24" rel="last"' in first.text
    assert 'hx-trigger="every 5s"' not in first.text  # all sent: nothing to watch
    last = client.get(reverse("outbox:list"), {"page": 24})
    assert "第0001則" in last.text and "第0051則" not in last.text


def test_a_shop_the_user_may_not_see_is_refused_as_a_filter_and_shows_nothing_of_it(
    shop, other_shop, failed, salesperson
):
    outgoing(other_shop, "乙店訊息")
    page = signed_in(salesperson).get(reverse("outbox:list"), {"shop": other_shop.pk})
    assert "乙店訊息" not in page.text
    assert 'class="error"' in page.text  # the shop field says its choice is not available

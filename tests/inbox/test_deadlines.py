"""Shopee's 12-hour window in the inbox: the countdown per conversation, 即將逾時 sorted by time
left, the header's count of mine, 不影響回應率 on a thank-you, and /metrics per shop."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.services import conversation_deadline_update
from tests.factories import ConversationFactory, MessageFactory, ShopFactory

pytestmark = pytest.mark.django_db


def waiting_for(shop, *, hours: float, name: str = "小明", assignee=None, **fields):
    """A conversation whose buyer wrote `hours` ago and got no reply."""
    conversation = ConversationFactory(shop=shop, buyer_name=name, assignee=assignee, **fields)
    at = timezone.now() - timedelta(hours=hours)
    MessageFactory(conversation=conversation, created_at=at)
    conversation.last_message_at, conversation.last_message_from_buyer = at, True
    conversation.save()
    conversation_deadline_update(conversation=conversation)
    return conversation


@pytest.fixture
def shop(salesperson):
    return ShopFactory(verified=True, salesperson=salesperson)


def rows(html: str) -> list[tuple[str, str]]:
    """(buyer, countdown) of each list row, in order."""
    found = re.findall(
        r'class="conv-buyer">([^<]*)</span>\s*(?:<span class="deadline (\w+)")?', html, flags=re.S
    )
    return [(buyer, state) for buyer, state in found]


def test_each_waiting_buyer_shows_the_time_left_amber_near_and_red_past(staff_client, shop, settings):
    settings.CHAT_REPLY_WARN_MINUTES = 120
    waiting_for(shop, hours=1, name="早")
    waiting_for(shop, hours=11, name="快到")
    waiting_for(shop, hours=13, name="逾時")
    answered = waiting_for(shop, hours=2, name="已回")
    MessageFactory(conversation=answered, from_buyer=False, created_at=timezone.now() - timedelta(hours=1))
    conversation_deadline_update(conversation=answered)

    html = staff_client.get("/chat/").content.decode()
    assert dict(rows(html)) == {"早": "ok", "快到": "near", "逾時": "late", "已回": ""}
    assert "已逾時" in html
    assert re.search(r'class="deadline ok"[^>]*>\s*剩 10:5\d', html, flags=re.S)


def test_due_soon_lists_only_those_near_or_past_their_deadline_least_time_left_first(
    staff_client, shop, salesperson
):
    other_shop = ShopFactory(verified=True, salesperson=salesperson)
    waiting_for(shop, hours=11, name="剩一小時")
    waiting_for(other_shop, hours=13, name="逾時一小時")
    waiting_for(shop, hours=10.5, name="剩一個半小時")
    waiting_for(shop, hours=1, name="還早")

    html = staff_client.get("/chat/", {"due": "on"}).content.decode()
    assert [buyer for buyer, _ in rows(html)] == ["逾時一小時", "剩一小時", "剩一個半小時"]
    html = staff_client.get("/chat/", {"order": "left"}).content.decode()
    assert [buyer for buyer, _ in rows(html)] == ["逾時一小時", "剩一小時", "剩一個半小時", "還早"]


def test_the_header_counts_mine_and_unassigned_near_or_past_in_constant_queries(
    staff_client, shop, salesperson, other_staff
):
    def count() -> str:
        html = staff_client.get("/chat/deadlines/").content.decode()
        return re.search(r'class="deadline-count">(\d+)<', html).group(1)

    waiting_for(shop, hours=11, assignee=salesperson)
    waiting_for(shop, hours=13)  # nobody's: mine to answer too
    waiting_for(shop, hours=11, assignee=other_staff)  # someone else answers it
    waiting_for(shop, hours=1, assignee=salesperson)  # not near yet
    waiting_for(ShopFactory(verified=True), hours=13)  # a shop I do not see
    assert count() == "2"
    page = staff_client.get("/orders/").content.decode()
    assert re.search(r'id="reply-deadlines"[^>]*class="deadline-badge late"', page, flags=re.S)

    with CaptureQueriesContext(connection) as few:
        staff_client.get("/chat/deadlines/")
    for _ in range(5):
        waiting_for(shop, hours=11.5)
    with CaptureQueriesContext(connection) as many:
        assert count() == "7"
    assert len(many) == len(few)


def test_a_thank_you_after_a_reply_in_time_is_marked_as_needing_no_reply(staff_client, shop):
    conversation = waiting_for(shop, hours=3)
    now = timezone.now()
    MessageFactory(
        conversation=conversation, from_buyer=False, text="有的", created_at=now - timedelta(hours=2)
    )
    MessageFactory(conversation=conversation, text="謝謝", created_at=now - timedelta(hours=1))
    conversation_deadline_update(conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.reply_due_at is None

    html = staff_client.get(f"/chat/c/{conversation.pk}/").content.decode()
    assert html.count('class="no-reply-needed"') == 1
    assert re.search(r'謝謝.*class="no-reply-needed"[^>]*>不影響回應率<', html, flags=re.S)


def test_metrics_count_replies_near_and_past_their_deadline_per_shop(client, settings, shop):
    settings.METRICS_TOKEN = "t"
    waiting_for(shop, hours=11)
    waiting_for(shop, hours=13)
    waiting_for(shop, hours=14)
    body = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()
    assert f'tmschat_chat_replies_due{{shop_id="{shop.shop_id}",state="near"}} 1.0' in body
    assert f'tmschat_chat_replies_due{{shop_id="{shop.shop_id}",state="late"}} 2.0' in body

"""Each shop's estimated response rate on 帳號: the share of its chats of the last 90 days answered
within 12 hours, how many chats it rests on, and the what-if for the chats waiting now."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from chat.services import conversation_deadline_update
from tests.factories import ConversationFactory, MessageFactory, ShopFactory

pytestmark = pytest.mark.django_db


def chat(shop, *, ago_hours: float, answer_after_hours: float | None):
    """A buyer wrote `ago_hours` ago; the seller answered `answer_after_hours` later (or not)."""
    conversation = ConversationFactory(shop=shop)
    at = timezone.now() - timedelta(hours=ago_hours)
    MessageFactory(conversation=conversation, created_at=at)
    if answer_after_hours is not None:
        MessageFactory(
            conversation=conversation, from_buyer=False, created_at=at + timedelta(hours=answer_after_hours)
        )
    conversation_deadline_update(conversation=conversation)
    return conversation


def rate_cell(client, shop) -> str:
    html = client.get("/shops/").content.decode()
    row = re.search(rf'<tr data-shop="{shop.pk}">.*?</tr>', html, flags=re.S).group(0)
    cell = re.search(r'<td class="extra response-rate">(.*?)</td>', row, flags=re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()


def test_the_accounts_page_shows_each_shops_rate_its_basis_and_the_what_if(staff_client, salesperson):
    shop = ShopFactory(verified=True, salesperson=salesperson)
    for _ in range(7):
        chat(shop, ago_hours=48, answer_after_hours=1)  # in time
    chat(shop, ago_hours=48, answer_after_hours=13)  # late
    chat(shop, ago_hours=30, answer_after_hours=None)  # missed
    chat(shop, ago_hours=100 * 24, answer_after_hours=None)  # older than 90 days: not counted
    chat(shop, ago_hours=2, answer_after_hours=None)  # waiting, not decided yet
    chat(shop, ago_hours=3, answer_after_hours=None)

    assert rate_cell(staff_client, shop) == "78% 依 9 則聊聊 若目前 2 則未回覆逾時，回覆率將降至 64%"


def test_a_shop_with_fewer_than_two_chats_has_no_rate_yet(staff_client, salesperson):
    shop = ShopFactory(verified=True, salesperson=salesperson)
    chat(shop, ago_hours=20, answer_after_hours=1)
    assert rate_cell(staff_client, shop) == "— 依 1 則聊聊"


def test_conversations_stored_before_the_window_was_kept_get_their_deadline_and_rate_from_the_command(
    staff_client, salesperson
):
    """An upgrade: messages stored before the deadline fields existed show no countdown and no
    rate until `manage.py chat_deadlines` reads them; afterwards 帳號 and the inbox agree."""
    from django.core.management import call_command

    from chat.models import Conversation, CountedChat

    shop = ShopFactory(verified=True, salesperson=salesperson)
    now = timezone.now()
    waiting = ConversationFactory(shop=shop, last_message_at=now - timedelta(hours=2))
    MessageFactory(conversation=waiting, created_at=now - timedelta(hours=2))
    answered = ConversationFactory(shop=shop, last_message_at=now - timedelta(hours=47))
    MessageFactory(conversation=answered, created_at=now - timedelta(hours=48))
    MessageFactory(conversation=answered, from_buyer=False, created_at=now - timedelta(hours=47))
    assert not CountedChat.objects.exists() and rate_cell(staff_client, shop) == "— 依 0 則聊聊"

    call_command("chat_deadlines", stdout=open("/dev/null", "w"))  # noqa: SIM115

    waiting.refresh_from_db()
    assert abs(waiting.reply_due_at - (now + timedelta(hours=10))) < timedelta(seconds=5)
    assert Conversation.objects.get(pk=answered.pk).reply_due_at is None
    assert CountedChat.objects.filter(shop=shop).count() == 2
    assert rate_cell(staff_client, shop) == "— 依 1 則聊聊 若目前 1 則未回覆逾時，回覆率將降至 50%"

"""The inbox's live list asks every second (a Taiwanese buyer's message is on screen within the
live signal's interval and a second), and a poll while nothing changed costs three queries
(the session, the user, one index probe) however many shops and conversations there are."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from chat.models import Conversation
from tests.factories import ConversationFactory, ShopFactory
from tests.inbox.helpers import HTMX, buyers_listed, list_poll_url

pytestmark = pytest.mark.django_db(transaction=True)  # the list's horizon waits for running transactions


def test_the_list_asks_every_second(staff_client, own_shop):
    page = staff_client.get("/chat/").content.decode()
    poll = re.search(r'<div id="list-poll"[^>]*>', page).group(0)
    assert 'hx-trigger="every 1s"' in poll


def test_a_poll_while_nothing_changed_costs_three_queries_however_much_there_is(
    staff_client, own_shop, salesperson, django_assert_num_queries
):
    ConversationFactory(shop=own_shop, buyer_name="小明")
    poll = list_poll_url(staff_client.get("/chat/").content.decode())
    staff_client.get(poll, **HTMX)
    with django_assert_num_queries(3):  # the session, the user, the probe
        assert staff_client.get(poll, **HTMX).status_code == 204

    for n in range(5):
        shop = ShopFactory(name=f"賣場{n}", salesperson=salesperson)
        for _ in range(20):
            ConversationFactory(shop=shop)
    poll = list_poll_url(staff_client.get("/chat/").content.decode())
    staff_client.get(poll, **HTMX)
    with django_assert_num_queries(3):
        assert staff_client.get(poll, **HTMX).status_code == 204


def test_a_change_after_a_quiet_poll_comes_with_the_next(staff_client, own_shop):
    quiet = ConversationFactory(
        shop=own_shop, buyer_name="小明", last_message_at=timezone.now(), last_message_text="舊的"
    )
    poll = list_poll_url(staff_client.get("/chat/").content.decode())
    assert staff_client.get(poll, **HTMX).status_code == 204

    Conversation.objects.filter(pk=quiet.pk).update(last_message_text="剛剛拉到的新訊息")

    changed = staff_client.get(poll, **HTMX)
    assert changed.status_code == 200 and buyers_listed(changed.content.decode()) == ["小明"]
    assert "剛剛拉到的新訊息" in changed.content.decode()
    assert staff_client.get(list_poll_url(changed.content.decode()), **HTMX).status_code == 204


def test_another_salespersons_change_passes_the_probe_but_shows_nothing(staff_client, own_shop, other_staff):
    theirs = ConversationFactory(
        shop=ShopFactory(name="別人的賣場", salesperson=other_staff), last_message_at=timezone.now()
    )
    poll = list_poll_url(staff_client.get("/chat/").content.decode())
    Conversation.objects.filter(pk=theirs.pk).update(last_message_text="不是你的")
    assert staff_client.get(poll, **HTMX).status_code == 204

"""An open inbox pulls its Seller Centre shops (no push) sooner than the beat's minute: its live
list asks for a pull at most once per CHAT_OPEN_INBOX_PULL_SECONDS per shop, however many
inboxes are open; shops that get pushes, or whose chat is stopped, are left to the beat."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts import chatlogin
from accounts.models import Shop
from chat import sync
from chat.services import open_inbox_pull_key
from tests.chat.helpers import api_calls, verified_shop
from tests.inbox.helpers import chat_login_verified, list_poll_url

pytestmark = pytest.mark.django_db(transaction=True)  # the pull commits before the list looks


def chat_verified(sandbox, user) -> Shop:
    shop, _remote = chat_login_verified(sandbox, user)
    cache.delete(open_inbox_pull_key(shop.pk))
    return shop


def test_the_open_inbox_pulls_a_seller_centre_shop_once_per_interval(
    sandbox, salesperson, staff_client, eager_tasks, settings
):
    settings.CHAT_OPEN_INBOX_PULL_SECONDS = 60
    shop = chat_verified(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "請問有現貨嗎?", buyer_id="300012345", buyer_name="小明")
    sync.chat_sync_shop(shop=shop)
    poll = list_poll_url(staff_client.get("/chat/").content.decode())
    sandbox.buyer_says(shop.shop_id, "還在嗎?", buyer_id="300012345")  # no push on this transport
    sandbox.reset_calls()

    first = staff_client.get(poll)  # the open inbox asks for a pull: the message comes in
    calls = api_calls(sandbox)
    staff_client.get(list_poll_url(first.content.decode()))  # and again 3 s later: not yet due
    staff_client.get(poll)  # another inbox open on the same shop: not due either

    assert first.status_code == 200 and "還在嗎?" in first.content.decode()
    assert calls >= 1 and api_calls(sandbox) == calls


def test_shops_with_push_or_a_stopped_chat_are_left_to_the_beat(
    sandbox, salesperson, staff_client, eager_tasks, settings
):
    settings.CHAT_OPEN_INBOX_PULL_SECONDS = 60
    pushed = verified_shop(sandbox, salesperson)  # Open Platform: Shopee pushes
    stopped = chat_verified(sandbox, salesperson)
    chatlogin.chat_login_lost(shop=stopped, reason="session_lost")
    cache.delete(open_inbox_pull_key(pushed.pk))
    poll = list_poll_url(staff_client.get("/chat/").content.decode())
    sandbox.reset_calls()

    staff_client.get(poll)

    assert api_calls(sandbox) == 0
    assert (
        cache.get(open_inbox_pull_key(pushed.pk)) is None
        and cache.get(open_inbox_pull_key(stopped.pk)) is None
    )

"""A chat pull may only end the chat session it used: one that read the shop before its chat login
(queued a moment earlier, e.g. by 蝦皮API授權) fails on that old view of the shop and leaves the
fresh session verified."""

from __future__ import annotations

import pytest

from accounts import chatlogin
from accounts.models import Shop
from accounts.services import shop_create
from chat import sync
from tests.accounts.helpers import chat_login_in_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(sandbox):
    found = sandbox.create_shop(account="racer", password="pw", name="台灣賣場")
    sandbox.buyer_says(found["shop_id"], "請問有現貨嗎?", buyer_id="300012345", buyer_name="小明")
    return found


def chat_login(sandbox, remote: dict, shop: Shop, user) -> Shop:
    return chat_login_in_sandbox(sandbox, shop, user, remote | {"password": "pw"})


def test_a_pull_that_read_the_shop_before_its_chat_login_leaves_the_new_session_verified(
    sandbox, remote, salesperson
):
    shop = shop_create(name="台灣賣場", account="racer", salesperson=salesperson)
    read_by_the_pull = Shop.objects.get(pk=shop.pk)  # the pull's task loaded the shop: no chat login yet

    chat_login(sandbox, remote, shop, salesperson)  # meanwhile the chat login went through
    result = sync.chat_sync_shop(shop=read_by_the_pull)  # the pull goes on with what it read

    assert result.error  # it failed, on its own old view of the shop …
    verified = Shop.objects.get(pk=shop.pk)
    assert verified.chat_state == Shop.ChatState.VERIFIED and verified.can_send  # … and ended nothing
    assert verified.chat_session and verified.chat_state_reason == ""
    assert sync.chat_sync_shop(shop=verified).conversations == 1  # the session works


def test_a_pull_that_read_an_older_session_leaves_the_one_verified_since(sandbox, remote, salesperson):
    shop = chat_login(
        sandbox, remote, shop_create(name="台灣賣場", account="racer", salesperson=salesperson), salesperson
    )
    read_by_the_pull = Shop.objects.get(pk=shop.pk)
    chatlogin.chat_session_forget(shop=shop)
    chat_login(sandbox, remote, shop, salesperson)  # verified again: a new session

    chatlogin.chat_login_lost(shop=read_by_the_pull, reason="session_lost")  # about the old session

    assert Shop.objects.get(pk=shop.pk).chat_state == Shop.ChatState.VERIFIED


def test_the_session_a_pull_used_is_ended_when_seller_centre_refuses_it_for_good(
    sandbox, remote, salesperson
):
    shop = chat_login(
        sandbox, remote, shop_create(name="台灣賣場", account="racer", salesperson=salesperson), salesperson
    )
    sandbox.change_password(remote["shop_id"], "changed-on-shopee")  # every session ends, no re-login

    sync.chat_sync_shop(shop=Shop.objects.get(pk=shop.pk))

    lost = Shop.objects.get(pk=shop.pk)
    assert lost.chat_state == Shop.ChatState.UNVERIFIED and lost.chat_state_reason == "wrong_password"

"""What the inbox says about a shop whose chat cannot be used: the state of the shop's own chat
transport (聊聊登入認證 for the Seller Centre login, 蝦皮API授權 for the Open Platform), its
reason in words, and the link that puts it right, never the other verification's state."""

from __future__ import annotations

import pytest

from accounts.models import REASON_REVOKED, Shop
from accounts.services import shop_verify
from chat import sync
from chat.models import Conversation
from tests.inbox.helpers import chat_login_verified, pane
from tests.outbox.helpers import queue

pytestmark = pytest.mark.django_db


def both_verified(sandbox, user, *, region: str = "TW", keep_password: bool = False) -> Shop:
    """A shop with its chat login (three steps) and its Shopee API authorization both done."""
    shop, remote = chat_login_verified(sandbox, user, region=region, keep_password=keep_password)
    code = sandbox.authorize_code(remote["shop_id"])
    return shop_verify(shop=shop, code=code, shop_id=remote["shop_id"], user=user)


def listed_and_pane(client, conversation: Conversation) -> tuple[str, str]:
    return client.get("/chat/").content.decode(), pane(client, conversation)


def test_a_tw_shop_whose_seller_centre_session_ended_shows_the_chat_login_not_the_api_state(
    sandbox, salesperson, staff_client
):
    shop = both_verified(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "請問有現貨嗎?", buyer_id="300012345", buyer_name="小明")
    sync.chat_sync_shop(shop=shop)
    conversation = Conversation.objects.get(shop=shop)
    sandbox.sc_revoke(shop.shop_id)  # Shopee logged the seller out; no password kept
    sync.chat_sync_shop(shop=shop)
    shop.refresh_from_db()
    assert shop.api_authorized and shop.chat_state == Shop.ChatState.UNVERIFIED
    queue(shop, "300012345", "稍等喔", conversation=conversation)

    listed, pane = listed_and_pane(staff_client, conversation)

    assert "聊聊登入認證：未驗證" in listed and "蝦皮API授權" not in listed
    assert "未保存密碼，請重新進行聊聊登入認證" in listed  # the badge's title
    assert "此賣場的聊聊登入認證為「未驗證」" in pane
    assert "未保存密碼，請重新進行聊聊登入認證" in pane
    chat_login = f'href="/shops/{shop.pk}/chat-login/"'
    assert pane.count(chat_login) == 3  # the banner, the composer, the held reply
    assert "已驗證" not in pane  # the API authorization's state is not the chat's


def test_a_tw_shop_whose_chat_login_is_fine_shows_nothing_while_its_api_authorization_is_revoked(
    sandbox, salesperson, staff_client
):
    shop = both_verified(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "請問有現貨嗎?", buyer_id="300012345", buyer_name="小明")
    sync.chat_sync_shop(shop=shop)
    Shop.objects.filter(pk=shop.pk).update(state=Shop.State.EXPIRED, state_reason=REASON_REVOKED)

    listed, pane = listed_and_pane(staff_client, Conversation.objects.get(shop=shop))

    assert "小明" in listed and "chat-stop" not in listed and "chat-stop" not in pane


def test_an_open_platform_chat_shop_shows_its_api_authorization_whatever_its_chat_login(
    sandbox, salesperson, staff_client
):
    shop = both_verified(sandbox, salesperson, region="SG")
    Shop.objects.filter(pk=shop.pk).update(chat_transport=Shop.ChatTransport.OPEN_PLATFORM)
    sandbox.buyer_says(shop.shop_id, "hello?", buyer_id="300012345", buyer_name="Ming")
    sync.chat_sync_shop(shop=Shop.objects.get(pk=shop.pk))
    Shop.objects.filter(pk=shop.pk).update(state=Shop.State.EXPIRED, state_reason=REASON_REVOKED)

    listed, pane = listed_and_pane(staff_client, Conversation.objects.get(shop=shop))

    assert "蝦皮API授權：已失效" in listed and "聊聊登入認證：" not in listed
    assert "此賣場的蝦皮API授權為「已失效」" in pane and "賣家已在蝦皮取消授權" in pane
    assert f'href="/shops/{shop.pk}/"' in pane


def test_a_tw_shop_on_the_open_platform_says_its_replies_cannot_be_sent(sandbox, salesperson, staff_client):
    shop = both_verified(sandbox, salesperson)
    Shop.objects.filter(pk=shop.pk).update(chat_transport=Shop.ChatTransport.OPEN_PLATFORM)
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id="300012345", buyer_name="小明")
    sync.chat_sync_shop(shop=Shop.objects.get(pk=shop.pk))

    listed, pane = listed_and_pane(staff_client, Conversation.objects.get(shop=shop))

    assert "回覆：無法傳送" in listed
    assert "此賣場的回覆無法傳送" in pane and "蝦皮開放平台不傳送台灣賣場的聊聊訊息" in pane
    assert "聊聊不再更新" not in pane  # reading still works

"""聊聊登入認證 with another shop's Seller Centre login: refused in words once Seller Centre's answer
names the other shop, with the shop's chat session, login name and kept password untouched; a
verified shop keeps chatting while a new login waits for its link."""

from __future__ import annotations

import pytest

from accounts import chatlogin
from accounts.models import Shop
from accounts.services import shop_create
from tests.accounts.helpers import KTMST, TMSBABY, chat_login_in_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def sellers(sandbox):
    """The demo sellers of 我的測試賣場 and 寶寶生活館, each with their own Seller Centre login."""
    for seller in (KTMST, TMSBABY):
        sandbox.create_shop(**seller)
    return sandbox


def chat_verified(sandbox, user, seller: dict) -> Shop:
    shop = shop_create(name=seller["name"], account=seller["account"], salesperson=user)
    return chat_login_in_sandbox(sandbox, shop, user, seller)


def chat_login_fields(shop: Shop) -> dict:
    shop = Shop.objects.get(pk=shop.pk)
    return {
        "state": shop.chat_state,
        "reason": shop.chat_state_reason,
        "session": shop.chat_session,
        "session_at": shop.chat_session_at,
        "login_name": shop.chat_login_name,
        "password": shop.chat_password,
        "device": shop.chat_device_id,
        "shop_id": shop.shop_id,
    }


def enter_login(client, shop: Shop, seller: dict):
    return client.post(
        f"/shops/{shop.pk}/chat-login/",
        {"login_name": seller["account"], "password": seller["password"], "keep_password": "on"},
        follow=True,
    )


def test_another_shops_login_on_a_verified_shop_is_refused_and_changes_nothing(
    sellers, salesperson, staff_client
):
    shop = chat_verified(sellers, salesperson, KTMST)
    before = chat_login_fields(shop)

    # Step 1 with 寶寶生活館's login: the link goes to that seller's phone; 我的測試賣場 chats on.
    entered = enter_login(staff_client, shop, TMSBABY)
    waiting = Shop.objects.get(pk=shop.pk)
    assert waiting.chat_state == Shop.ChatState.VERIFIED and waiting.can_send
    assert chat_login_fields(shop) == before
    assert "請在手機上點擊蝦皮傳送的驗證連結" in entered.text

    # That seller taps it: Seller Centre's answer names their shop, not this one.
    sellers.sc_tap_link(TMSBABY["shop_id"])
    confirmed = staff_client.post(f"/shops/{shop.pk}/chat-login/confirm/", follow=True)

    assert (
        "此賣家中心帳號屬於另一個賣場（蝦皮賣場 ID 318990021），不是「我的測試賣場」的：本賣場的聊聊登入與保存的密碼都沒有變更。"
        in confirmed.text
    )
    assert chat_login_fields(shop) == before
    refused = Shop.objects.get(pk=shop.pk)
    assert not refused.chat_link_sent and refused.can_send
    assert chatlogin.chat_session_of(refused).shop_id == KTMST["shop_id"]


def test_another_shops_login_on_a_trusted_device_is_refused_at_once(sellers, salesperson, staff_client):
    shop = chat_verified(sellers, salesperson, KTMST)
    # 寶寶生活館's seller once confirmed a link for this shop's device: Shopee trusts it for them now.
    enter_login(staff_client, shop, TMSBABY)
    sellers.sc_tap_link(TMSBABY["shop_id"])
    staff_client.post(f"/shops/{shop.pk}/chat-login/confirm/")
    before = chat_login_fields(shop)

    entered = enter_login(staff_client, shop, TMSBABY)  # logged in at once, no link

    assert "此賣家中心帳號屬於另一個賣場（蝦皮賣場 ID 318990021）" in entered.text
    assert chat_login_fields(shop) == before
    assert len(sellers.sc_links(TMSBABY["shop_id"])) == 1  # no second link was needed


def test_another_shops_login_on_a_shop_whose_chat_login_lapsed_keeps_its_credentials(
    sellers, salesperson, staff_client
):
    shop = chat_verified(sellers, salesperson, KTMST)
    chatlogin.chat_session_forget(shop=shop)
    before = chat_login_fields(shop)

    enter_login(staff_client, shop, TMSBABY)
    sellers.sc_tap_link(TMSBABY["shop_id"])
    staff_client.post(f"/shops/{shop.pk}/chat-login/confirm/")

    after = chat_login_fields(shop)
    assert after["state"] == Shop.ChatState.UNVERIFIED and after["reason"] == "other_shop"
    assert {**after, "reason": before["reason"]} == before
    page = staff_client.get(f"/shops/{shop.pk}/chat-login/").text
    assert "輸入的賣家中心帳號屬於另一個賣場：請輸入本賣場自己的帳號。" in page


def test_a_shops_own_login_again_replaces_the_session_and_the_password(sellers, salesperson):
    shop = chat_verified(sellers, salesperson, KTMST)
    before = chat_login_fields(shop)
    sellers.change_password(KTMST["shop_id"], "changed-on-shopee")

    shop = chatlogin.chat_login_start(
        shop=shop, login_name="ktmst", password="changed-on-shopee", keep_password=True, user=salesperson
    )

    after = chat_login_fields(shop)
    assert after["state"] == Shop.ChatState.VERIFIED  # the trusted device: at once
    assert after["password"] == "changed-on-shopee" and after["session"] != before["session"]

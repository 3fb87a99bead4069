"""The account page shows what is true about a shop's Seller Centre session (Shopee publishes no
lifetime): since when it is signed in, when the server renewed it, when it last worked, and what
happens at the next lapse (silent re-login with the kept password, or the three steps)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts import chatlogin
from accounts.models import Shop
from accounts.services import shop_create
from chat import sync

pytestmark = pytest.mark.django_db


def chat_verified(sandbox, user) -> Shop:
    remote = sandbox.create_shop(account="twsession", password="pw", name="台灣賣場")
    shop = shop_create(name=remote["name"], account=remote["account"], salesperson=user)
    chatlogin.chat_login_start(
        shop=shop, login_name=remote["account"], password="pw", keep_password=True, user=user
    )
    sandbox.sc_tap_link(remote["shop_id"])
    return chatlogin.chat_login_confirm(shop=Shop.objects.get(pk=shop.pk), user=user)


def at(moment) -> str:
    return f"{timezone.localtime(moment):%Y/%m/%d %H:%M}"


def test_the_session_shows_since_when_last_use_renewal_and_what_the_next_lapse_needs(
    sandbox, salesperson, staff_client
):
    shop = chat_verified(sandbox, salesperson)
    page = staff_client.get(f"/shops/{shop.pk}/").content.decode()
    assert f"{at(shop.chat_verified_at)} 起已登入" in page and "尚未使用" in page
    assert "已保存密碼：蝦皮結束連線時自動重新登入" in page
    assert "連線自" not in page and "自動更新連線" not in page

    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id="300012345")
    sandbox.sc_revoke(shop.shop_id)  # Shopee ended the session: the pull logs in again by itself
    sync.chat_sync_shop(shop=shop)
    shop.refresh_from_db()
    pulled = shop.syncs.get(kind="chat").last_success_at
    page = staff_client.get("/shops/").content.decode()
    assert f"{at(shop.chat_verified_at)} 起已登入" in page
    assert f"{at(shop.chat_session_at)} 自動更新連線" in page
    assert f"最後成功使用：{at(pulled)}" in page

    staff_client.post(f"/shops/{shop.pk}/chat-login/forget-password/")
    page = staff_client.get(f"/shops/{shop.pk}/").content.decode()
    assert "未保存密碼：下次連線失效時需重新完成聊聊登入認證三步驟" in page
    assert "本系統不儲存任何密碼" not in page  # that is the API authorization's, not this shop's chat


def test_the_session_display_in_english(sandbox, salesperson, staff_client):
    shop = chat_verified(sandbox, salesperson)
    staff_client.cookies["django_language"] = "en"
    page = staff_client.get(f"/shops/{shop.pk}/").content.decode()
    assert f"signed in since {at(shop.chat_verified_at)}" in page
    assert (
        "not used yet" in page and "password kept: renewed automatically when Shopee ends the session" in page
    )

"""Shopee's own (English) error texts are said in our words, with Shopee's text kept beneath."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone, translation

from accounts.models import Shop, ShopSync
from accounts.shopee_words import ERROR_WORDS, shopee_error_words
from outbox.models import OutgoingMessage
from tests.factories import ConversationFactory, OutgoingMessageFactory, ShopFactory


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("error_auth: Invalid access_token.", "權杖或本系統的權限遭拒"),
        ("error_server: System error. Please try again later.", "蝦皮內部發生錯誤；稍後會再試"),
        ("sellerchat.error_api_permission: no permission", "蝦皮尚未核准本系統使用聊聊功能（Chat 模組）"),
        ("error_param: Timestamp is expired.", "蝦皮拒絕了請求的時間：請檢查本伺服器的時鐘"),
        ("network error calling /api/v2/order/get_order_list: ConnectionError", "無法連線到蝦皮；稍後會再試"),
        ("timed out after 10 s calling /api/v2/shop/get_shop_info", "蝦皮未及時回應；稍後會再試"),
    ],
)
def test_known_shopee_errors_are_said_in_the_readers_words_with_shopees_text_kept(raw, words):
    with translation.override("zh-hant"):
        said = shopee_error_words(raw)

    assert (said.words, said.raw) == (words, raw)


def test_an_unknown_error_is_shown_as_shopee_wrote_it_once():
    said = shopee_error_words("error_something_new: The moon is full.")

    assert (said.words, said.raw) == ("error_something_new: The moon is full.", "")


def test_every_known_error_has_its_words_in_traditional_chinese():
    with translation.override("zh-hant"):
        untranslated = [code for code, words in ERROR_WORDS.items() if translation.gettext(words) == words]

    assert untranslated == []


@pytest.mark.django_db
def test_account_pages_show_our_words_and_shopees_text_only_on_hover(client, salesperson):
    shop = ShopFactory(verified=True, salesperson=salesperson)
    ShopSync.objects.create(
        shop=shop,
        kind=ShopSync.Kind.ORDERS,
        last_error_code="error_limit",
        last_error="error_limit: You have reached the daily call limit.",
        last_error_at=timezone.now(),
    )
    ShopFactory(
        verified=True,
        salesperson=salesperson,
        state=Shop.State.EXPIRED,
        state_reason="shop_banned",
        state_reason_said="The shop is banned.",
        state_changed_at=timezone.now(),
    )
    client.force_login(salesperson)

    listed = client.get("/shops/").text
    form = client.get(f"/shops/{shop.pk}/").text

    for page in (listed, form):
        assert "[訂單] 本系統今日的蝦皮呼叫額度已用完（午夜重置）" in page
        assert 'title="詳細內容： error_limit: You have reached the daily call limit."' in page
        assert "muted detail" not in page
    assert "蝦皮拒絕此賣場的授權：此賣場已被蝦皮停權" in listed
    assert 'title="詳細內容： The shop is banned."' in listed


@pytest.mark.django_db
def test_a_reply_shopee_refused_says_why_in_our_words_in_the_inbox(client, salesperson):
    shop = ShopFactory(verified=True, salesperson=salesperson)
    conversation = ConversationFactory(shop=shop)
    OutgoingMessageFactory(
        shop=shop,
        conversation=conversation,
        buyer_id=conversation.buyer_id,
        state=OutgoingMessage.State.FAILED,
        error_code=OutgoingMessage.Problem.REFUSED,
        last_error="error_param: Timestamp is expired.",
    )
    client.force_login(salesperson)

    pane = client.get(f"/chat/c/{conversation.pk}/", HTTP_HX_REQUEST="true").text

    shown = re.sub(r"<[^>]+>", "", pane)
    # The tag, then Shopee's reason in our words.
    assert "未送出: 蝦皮拒絕了這則訊息 (蝦皮拒絕了請求的時間：請檢查本伺服器的時鐘)" in shown
    assert 'title="詳細內容： error_param: Timestamp is expired."' in pane  # Shopee's text on hover only
    assert ">error_param" not in pane

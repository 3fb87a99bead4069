"""Every message type Shopee sends shows in the conversation and in the list (F14): pulled from the
sandbox on both faces (the Open Platform's `message_type`, Seller Centre's `type`), and the shapes
only public sources show, stored as they come. A type we do not know is a placeholder in words."""

from __future__ import annotations

import html
import re

import pytest

from chat.models import Conversation, Message
from chat.sync import chat_sync_shop
from tests.chat.helpers import verified_shop
from tests.factories import ConversationFactory, MessageFactory, OrderFactory
from tests.inbox.helpers import HTMX, buyers_listed, chat_login_verified, pane

pytestmark = pytest.mark.django_db

BUYER, PHOTO_BUYER, STICKER_BUYER = "740000001", "740000002", "740000003"


@pytest.fixture(params=["open_platform", "sellercentre"])
def shop(request, sandbox, salesperson):
    if request.param == "open_platform":
        return verified_shop(sandbox, salesperson)
    return chat_login_verified(sandbox, salesperson)[0]


def bubbles(body: str) -> list[str]:
    return re.findall(r'<div class="bubble">(.*?)</div>\s*<time', body, flags=re.S)


def words_of(bubble: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", bubble)).strip()


def test_every_type_a_buyer_or_shopee_sends_shows_on_both_faces(shop, sandbox, staff_client, settings):
    order = sandbox.create_order(shop_id=shop.shop_id, buyer_id=BUYER)
    OrderFactory(shop=shop, order_sn=order["order_sn"], buyer_user_id=BUYER, total_amount=238)
    says = {
        "image": {},  # the sandbox's buyer takes a photo
        "sticker": {"sticker_id": "0008", "sticker_package_id": "sticker_tw_choki"},
        "item": {"shop_id": int(shop.shop_id), "item_id": 1234567890},
        "order": {"shop_id": int(shop.shop_id), "order_sn": order["order_sn"]},
        "voucher": {"voucher_id": "77", "voucher_code": "SHOPEE100"},
        "video": {
            "video_url": "https://cv.shopee.tw/file/v123",
            "thumb_url": "abc123_tn",
            "duration_seconds": 75,
        },
        "notification": {
            "notification_for_receiver": "買家已完成訂單",
            "notification_for_sender": "您已完成訂單",
        },
        "faq_liveagent": {"text": "我要找賣家", "pass_through_data": ""},
        "bundle_message": {"type": 1, "messages": [], "shopee_chatbot_replied": True},
        "shopping_cart": {"items": 3},  # a type of Shopee's we do not know
    }
    for message_type, content in says.items():
        sandbox.buyer_says(
            shop.shop_id, buyer_id=BUYER, buyer_name="小明", message_type=message_type, content=content
        )
    sandbox.shopee_says(
        shop.shop_id, BUYER, "您好，我們現在不在線上，稍後回覆您。", status="offwork_autoreply"
    )
    chat_sync_shop(shop=shop)

    body = pane(staff_client, Conversation.objects.get(shop=shop, buyer_id=BUYER))

    shown = bubbles(body)
    assert len(shown) == len(says) + 1
    assert all(words_of(bubble) or "<img" in bubble for bubble in shown)  # never an empty bubble
    image = Message.objects.get(shop=shop, message_type="image")
    assert f'src="{image.content["thumb_url"]}"' in body and f'href="{image.content["url"]}"' in body
    sticker = f"{settings.SHOPEE_STICKER_BASE}/sticker_tw_choki/0008@1x.png"
    assert f'src="{sticker}"' in body
    assert f'href="https://shopee.tw/product/{shop.shop_id}/1234567890"' in body
    assert f'href="/orders/?q={order["order_sn"]}"' in body and "NT$238" in body
    assert "SHOPEE100" in body
    assert 'href="https://cv.shopee.tw/file/v123"' in body and "1:15" in body
    assert "蝦皮通知" in body and "買家已完成訂單" in body
    assert body.count("問答小幫手") == 2 and "我要找賣家" in body and "蝦皮聊聊機器人已回覆買家" in body
    assert "不支援的訊息類型：shopping_cart" in body
    assert "蝦皮自動回覆" in body and "稍後回覆您" in body
    assert "[" not in "".join(words_of(b) for b in shown if "sticker" not in b)  # words, not codes


def test_the_list_says_in_words_what_a_last_message_that_is_not_text_is(shop, sandbox, staff_client):
    sandbox.buyer_says(
        shop.shop_id, buyer_id=PHOTO_BUYER, buyer_name="拍照的", message_type="image", content={}
    )
    sandbox.buyer_says(
        shop.shop_id,
        buyer_id=STICKER_BUYER,
        buyer_name="貼圖的",
        message_type="sticker",
        content={"sticker_id": "0001", "sticker_package_id": "p1"},
    )
    chat_sync_shop(shop=shop)

    listed = staff_client.get("/chat/").content.decode()

    assert buyers_listed(listed) == ["貼圖的", "拍照的"]
    previews = re.findall(r'class="conv-preview">([^<]*)</span>', listed)
    assert [words_of(p) for p in previews] == ["[貼圖]", "[圖片]"]


def test_shapes_only_public_sources_show_are_shown_in_words_and_pictures(own_shop, staff_client, settings):
    conversation = ConversationFactory(shop=own_shop, last_message_text="")
    cards = {
        "item_list": {
            "chat_product_infos": [
                {
                    "item_id": 11,
                    "shop_id": 242826267,
                    "name": "米餅",
                    "thumb_url": "hash11_tn",
                    "price": 8900000,
                },
                {"item_id": 12, "shop_id": 242826267, "name": "泡芙", "price": 12000000},
            ]
        },
        "variation_card": {
            "item_id": 13,
            "shop_id": 242826267,
            "item_card_v2": {"name": "圍兜 藍色", "display_price": {"price": 19900000}},
        },
        "product": {"product_id": 14, "shop_id": 242826267, "product_name": "奶瓶"},
        "emoji_message": {"thumbnail_url": "https://deo.shopeemobile.com/emoji/smile.png"},
        "image_with_text": {
            "image_url": "https://cf.shopee.tw/file/full1",
            "thumb_url": "thumb1",
            "text": "這個顏色",
        },
        "image": {"url": "javascript:alert(1)", "thumb_url": "javascript:alert(2)"},
    }
    for n, (message_type, content) in enumerate(cards.items()):
        MessageFactory(
            conversation=conversation, message_type=message_type, content=content, text="", message_id=str(n)
        )

    body = pane(staff_client, conversation)

    base = settings.SHOPEE_IMAGE_BASE
    assert "米餅" in body and "NT$89" in body and f'src="{base}hash11_tn"' in body and "泡芙" in body
    assert "圍兜 藍色" in body and "NT$199" in body
    assert "奶瓶" in body and 'href="https://shopee.tw/product/242826267/14"' in body
    assert 'src="https://deo.shopeemobile.com/emoji/smile.png"' in body
    assert (
        f'src="{base}thumb1"' in body
        and 'href="https://cf.shopee.tw/file/full1"' in body
        and "這個顏色" in body
    )
    assert "javascript:" not in body  # only web addresses reach a src or an href
    assert "不支援的訊息類型：image" in body


def test_a_message_of_an_unknown_type_says_so_in_english_too(own_shop, staff_client):
    conversation = ConversationFactory(shop=own_shop)
    MessageFactory(conversation=conversation, message_type="gift_card", content={}, text="")
    staff_client.cookies["django_language"] = "en"

    body = staff_client.get(f"/chat/c/{conversation.pk}/", **HTMX).content.decode()

    assert "Unsupported message type: gift_card" in body

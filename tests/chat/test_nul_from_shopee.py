"""A NUL character ("\\u0000") in what Shopee sends (a buyer's message, their name, an order's
fields) is valid JSON but no PostgreSQL text or jsonb column takes it: pulls store the text
without it instead of failing."""

from __future__ import annotations

import pytest

from chat import sync
from chat.models import Conversation, Message
from orders.models import Order
from orders.services import orders_refresh

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("require_postgres")]


def test_a_buyer_message_and_name_holding_nul_are_pulled_without_it(sandbox, shop):
    sandbox.buyer_says(shop.shop_id, "請問\x00有貨嗎", buyer_id="777000111", buyer_name="nul\x00buyer")

    result = sync.chat_sync_shop(shop=shop)

    assert result.error == ""
    message = Message.objects.get(shop=shop, from_buyer=True)
    assert message.text == "請問有貨嗎"
    conversation = Conversation.objects.get(shop=shop)
    assert conversation.buyer_name == "nulbuyer" and conversation.last_message_text == "請問有貨嗎"


def test_an_order_whose_fields_hold_nul_is_stored_without_it(sandbox, shop):
    remote = sandbox.create_order(
        shop_id=shop.shop_id,
        buyer_name="nul\x00buyer",
        message_to_seller="請\x00快出貨",
        items=[{"item_name": "杯\x00子", "item_sku": "C\x00UP", "price": 100}],
    )

    assert orders_refresh(shop=shop, order_sns=[remote["order_sn"]]) == 1

    order = Order.objects.get(order_sn=remote["order_sn"])
    assert order.message_to_seller == "請快出貨"
    assert order.items[0]["item_name"] == "杯子" and "\x00" not in order.buyer_username

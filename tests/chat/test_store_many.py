"""Several messages stored at once (chat.services.chat_messages_store, as the outbox records a
batch): new and known conversations alike, each showing its newest message, a buyer's counted as
unread, and a message stored before (by a pull) stored once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from chat.models import Conversation, Message
from chat.services import chat_messages_store

pytestmark = pytest.mark.django_db


def raw(shop, message_id: str, conversation_id: str, buyer_id: str, text: str, *, ours: bool, at: int):
    sender = {"from_shop_id": shop.shop_id, "to_id": buyer_id} if ours else {"from_id": buyer_id}
    return {
        "message_id": message_id,
        "conversation_id": conversation_id,
        "content": {"text": text},
        "created_timestamp": at,
        **sender,
    }


def test_messages_of_new_and_known_conversations_are_stored_once_each(own_shop):
    now = int(timezone.now().timestamp())
    known = Conversation.objects.create(shop=own_shop, conversation_id="c1", buyer_id="b1", unread_count=1)
    Message.objects.create(
        shop=own_shop,
        conversation=known,
        message_id="m0",
        from_buyer=True,
        text="在嗎?",
        created_at=timezone.now(),
    )
    stored = chat_messages_store(
        shop=own_shop,
        raws=[
            raw(own_shop, "m0", "c1", "b1", "在嗎?", ours=False, at=now - 5),  # the pull had it
            raw(own_shop, "m1", "c1", "b1", "您好，今天出貨", ours=True, at=now),
            raw(own_shop, "m2", "c2", "b2", "請問有貨嗎?", ours=False, at=now),
            raw(own_shop, "m3", "c3", "b3", "已出貨通知", ours=True, at=now),
        ],
    )

    assert [m.message_id for m in stored.messages] == ["m0", "m1", "m2", "m3"]
    assert stored.new_conversations == 2
    assert Message.objects.filter(shop=own_shop).count() == 4
    rows = {c.conversation_id: c for c in Conversation.objects.filter(shop=own_shop)}
    assert {cid: (c.buyer_id, c.last_message_id, c.last_message_text) for cid, c in rows.items()} == {
        "c1": ("b1", "m1", "您好，今天出貨"),
        "c2": ("b2", "m2", "請問有貨嗎?"),
        "c3": ("b3", "m3", "已出貨通知"),
    }
    assert {cid: c.unread_count for cid, c in rows.items()} == {"c1": 1, "c2": 1, "c3": 0}
    assert rows["c2"].last_message_from_buyer and not rows["c3"].last_message_from_buyer
    assert rows["c1"].updated_at > known.updated_at  # the inbox's list sees it changed

    again = chat_messages_store(
        shop=own_shop, raws=[raw(own_shop, "m2", "c2", "b2", "請問有貨嗎?", ours=False, at=now)]
    )
    assert again.new_conversations == 0
    assert Conversation.objects.get(shop=own_shop, conversation_id="c2").unread_count == 1

"""A batch's sent messages recorded together (issue 22): against the sandbox over HTTP, each row
names the one Shopee message it became, each conversation shows its newest message, a batch costs
one database statement more per message than a single message does, and a slow Shopee does not
keep a sent reply looking unsent until the end of its batch."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Conversation, Message
from chat.sync import chat_sync_shop
from outbox.delivery import outbox_deliver_due
from outbox.models import OutgoingMessage
from tests.outbox.helpers import buyers_who_wrote, delivered_texts, queue
from tests.utils import wait_until

State = OutgoingMessage.State


def deliver() -> int:
    return outbox_deliver_due(budget_seconds=10)


def statements_to_deliver() -> int:
    with CaptureQueriesContext(connection) as queries:
        deliver()
    return len(queries.captured_queries)


@pytest.mark.django_db
def test_a_batch_of_replies_is_recorded_in_the_statements_of_one_plus_one_per_message(
    sandbox, make_shop, settings
):
    settings.OUTBOX_CLAIM_BATCH = 10
    shop = make_shop(rate=1000.0)
    first, *others = buyers_who_wrote(sandbox, shop, 11)
    chat_sync_shop(shop=shop)  # replies go into conversations the inbox knows
    queue(shop, first, "單則回覆")
    one = statements_to_deliver()
    messages = [queue(shop, buyer, f"第{n}則通知") for n, buyer in enumerate(others)]
    ten = statements_to_deliver()

    # Each message's own statement is the durable mark that its call begins (record.call_begins);
    # on SQLite (the embedded setup) each row's values are one UPDATE of their own (db.rows): the
    # outbox row, its conversation and the conversation's 12-hour window, read again for the whole
    # batch at once (chat.services.conversations_deadline_update).
    assert ten <= one + 9 * (1 if connection.vendor == "postgresql" else 4)
    rows = {m.pk: m for m in OutgoingMessage.objects.filter(pk__in=[m.pk for m in messages])}
    deliveries = {d["content"]["text"]: d for d in sandbox.deliveries(shop_id=shop.shop_id)}
    for message in messages:
        row = rows[message.pk]
        delivered = deliveries[message.text]
        assert (row.state, row.shopee_message_id) == (State.SENT, str(delivered["message_id"]))
        assert row.conversation.buyer_id == message.buyer_id
        assert row.conversation.last_message_id == row.shopee_message_id
        assert row.conversation.last_message_text == message.text
        assert not row.conversation.last_message_from_buyer
        stored = Message.objects.get(shop=shop, message_id=row.shopee_message_id)
        assert (stored.conversation_id, stored.text, stored.from_buyer) == (
            row.conversation_id,
            message.text,
            False,
        )
    assert Conversation.objects.filter(shop=shop).count() == 11
    assert delivered_texts(sandbox, shop) == {m.text: 1 for m in messages} | {"單則回覆": 1}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("require_postgres")
def test_a_slow_shopee_shows_a_sent_reply_as_sent_before_its_batch_ends(sandbox, make_shop):
    shop = make_shop(rate=1000.0)
    buyers = buyers_who_wrote(sandbox, shop, 3)
    first, *_rest = [queue(shop, buyer, f"慢回覆{n}") for n, buyer in enumerate(buyers)]
    sandbox.set_faults(latency_ms=600, paths=["send_message"])

    def drain() -> None:
        try:
            deliver()
        finally:
            connection.close()  # this thread's own connection

    worker = threading.Thread(target=drain)
    worker.start()
    try:
        wait_until(
            lambda: OutgoingMessage.objects.get(pk=first.pk).state == State.SENT,
            timeout=10,
            interval=0.05,
            message="the first reply recorded as sent",
        )
        assert len(sandbox.deliveries(shop_id=shop.shop_id)) < 3  # the batch is still going
    finally:
        worker.join(timeout=30)
    assert set(OutgoingMessage.objects.values_list("state", flat=True)) == {State.SENT}

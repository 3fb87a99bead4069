"""The inbox's live list (`/chat/list/changes/?since=`) never misses a conversation row that a
slow transaction wrote before the list looked and committed after it: two real database
connections, the second one's commit held until the list has moved on."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from chat.models import Conversation
from tests.factories import ConversationFactory
from tests.inbox.helpers import buyers_listed, list_poll_url

pytestmark = pytest.mark.django_db(transaction=True)


def other_connection() -> psycopg.Connection:
    """A second database session, as a sync worker's would be (not Django's)."""
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )


def test_a_row_written_before_the_list_looked_but_committed_after_is_sent_on_the_next_look(
    staff_client, own_shop, require_postgres
):
    now = timezone.now()
    slow = ConversationFactory(
        shop=own_shop, buyer_name="小明", last_message_at=now, last_message_text="舊的"
    )
    quick = ConversationFactory(
        shop=own_shop, buyer_name="小華", last_message_at=now, last_message_text="舊的"
    )
    poll = list_poll_url(staff_client.get("/chat/").content.decode())

    worker = other_connection()
    try:
        with worker.transaction():  # the slow transaction: written now, committed later
            worker.execute(  # stamped as a transaction that began a minute ago would stamp it
                "UPDATE chat_conversation SET last_message_text = %s, "
                "updated_at = now() - interval '1 minute' WHERE id = %s",
                ("慢的交易", slow.pk),
            )
            Conversation.objects.filter(pk=quick.pk).update(last_message_text="新的")  # commits at once
            first = staff_client.get(poll)
            assert first.status_code == 200 and buyers_listed(first.content.decode()) == ["小華"]
            poll = list_poll_url(first.content.decode())  # the list moved on while the slow one is open
            assert staff_client.get(poll).status_code in (200, 204)
            assert "慢的交易" not in staff_client.get(poll).content.decode()  # not committed yet
        # committed now, stamped (updated_at) before the list's last look
        late = staff_client.get(poll)
    finally:
        worker.close()

    assert late.status_code == 200 and "慢的交易" in late.content.decode()
    assert "小明" in buyers_listed(late.content.decode())

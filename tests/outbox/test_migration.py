"""Moving OutgoingMessage from chat to outbox keeps its table's rows: a database migrated to the
layout before the move, holding queued, sent and held messages, finds them all after it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from outbox.models import OutgoingMessage
from tests.utils import migrate_to, migrate_to_newest

BEFORE_MOVE = [("accounts", "0001_initial"), ("chat", "0007_conversation_message_names")]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def before_the_move():
    """The database as it was before outbox existed; migrated to the newest layout afterwards,
    whatever the test did, so the tests after it find the schema they expect."""
    executor = migrate_to([*BEFORE_MOVE, ("outbox", None)])
    yield executor.loader.project_state(BEFORE_MOVE).apps
    migrate_to_newest()


def test_moving_the_outbox_to_its_own_app_keeps_queued_sent_and_held_messages(before_the_move):
    old = before_the_move
    shop = old.get_model("accounts", "Shop").objects.create(
        shop_id="242826267", name="我的測試賣場", state="verified"
    )
    OldMessage = old.get_model("chat", "OutgoingMessage")
    for n, state in enumerate(["queued", "sent", "held"]):
        OldMessage.objects.create(
            shop=shop,
            buyer_id=f"50000000{n}",
            text=f"訊息 {state}",
            origin="reply",
            idempotency_key=f"key-{n}",
            state=state,
            shopee_message_id="9001" if state == "sent" else "",
            sent_at=timezone.now() if state == "sent" else None,
        )

    migrate_to_newest()

    moved = {m.state: m for m in OutgoingMessage.objects.select_related("shop")}
    assert sorted(moved) == ["held", "queued", "sent"]
    assert moved["queued"].text == "訊息 queued" and moved["queued"].shop.shop_id == "242826267"
    assert moved["sent"].shopee_message_id == "9001" and moved["sent"].sent_at is not None
    assert OutgoingMessage._meta.db_table == "outbox_outgoingmessage"
    # New rows continue after the old ones (the id sequence moved with the table).
    newer = OutgoingMessage.objects.create(
        shop_id=shop.pk, buyer_id="500000009", text="新訊息", origin="reply", idempotency_key="key-new"
    )
    assert newer.pk > max(m.pk for m in moved.values())

"""One per-shop sync state: a database from before ShopSync, with a chat pull (ChatSync) and an
order pull (Shop's columns) each part-way, keeps where both stand and their last errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ShopSync
from tests.utils import migrate_to, migrate_to_newest

BEFORE = [("accounts", "0001_initial"), ("chat", "0008_outgoingmessage_to_outbox")]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def before_shop_sync():
    """The database before ShopSync; migrated to the newest layout afterwards, whatever happened."""
    yield migrate_to(BEFORE).loader.project_state(BEFORE).apps
    migrate_to_newest()


def test_chat_and_order_sync_state_move_to_shop_sync_with_cursors_times_and_errors(before_shop_sync):
    old = before_shop_sync
    pulled_at = timezone.now() - timedelta(minutes=3)
    shop = old.get_model("accounts", "Shop").objects.create(
        shop_id="242826267",
        name="我的測試賣場",
        state="verified",
        last_order_sync_at=pulled_at,
        last_sync_error="[orders] error_server: System error.",
        last_sync_error_at=pulled_at,
    )
    old.get_model("chat", "ChatSync").objects.create(
        shop=shop, conversations_ns=1_700_000_000_123_456_789, last_success_at=pulled_at, last_api_calls=7
    )

    migrate_to_newest()

    syncs = {sync.kind: sync for sync in ShopSync.objects.filter(shop_id=shop.pk)}
    chat, orders = syncs["chat"], syncs["orders"]
    assert (chat.cursor, chat.last_success_at, chat.last_api_calls) == (
        1_700_000_000_123_456_789,
        pulled_at,
        7,
    )
    assert chat.last_error == ""
    assert (orders.cursor, orders.last_success_at) == (int(pulled_at.timestamp()), pulled_at)
    assert orders.last_error == "error_server: System error." and orders.last_error_at == pulled_at

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


# -- reasons as codes ------------------------------------------------------------------------------

BEFORE_CODES = [("accounts", "0004_shop_chat_pending_at")]


@pytest.fixture
def before_reason_codes():
    """The database when shops' reasons were sentences and Shopee's "<error>: <message>"."""
    yield migrate_to(BEFORE_CODES).loader.project_state(BEFORE_CODES).apps
    migrate_to_newest()


def test_reasons_stored_as_english_become_codes_with_shopees_words_kept_apart(before_reason_codes):
    from accounts.models import Shop

    old = before_reason_codes.get_model("accounts", "Shop")
    stored = {
        "our sentence": "The seller cancelled the authorization on Shopee",
        "shopee": "error_auth: Invalid access_token.",
        "push": "the seller did something new",
        "none": "",
    }
    pks = {
        name: old.objects.create(name=name, state="expired", state_reason=text).pk
        for name, text in stored.items()
    }

    migrate_to_newest()

    reasons = {
        name: Shop.objects.values_list("state_reason", "state_reason_said").get(pk=pk)
        for name, pk in pks.items()
    }
    assert reasons == {
        "our sentence": ("revoked", ""),
        "shopee": ("error_auth", "Invalid access_token."),
        "push": ("revoked", "the seller did something new"),
        "none": ("", ""),
    }

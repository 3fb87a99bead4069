"""Chat pre-fetch: every conversation and message of a shop pulled from the sandbox over HTTP,
incrementally, idempotently, one run per shop; pushes bring a buyer's message at once."""

from __future__ import annotations

import pytest
from django.db.models import Count

from accounts.models import Shop, ShopSync
from accounts.selectors import authorized_shop_pks
from accounts.syncs import sync_lease_release, sync_lease_take
from chat import sync
from chat.models import Conversation, Message
from tests.chat.helpers import (
    WORKER_SETTINGS,
    api_calls,
    busy_chat,
    buyer_id,
    remote_chat,
    remote_conversations,
)
from tests.utils import wait_until

pytestmark = pytest.mark.django_db


def stored_ids(shop: Shop) -> list[str]:
    return list(Message.objects.filter(shop=shop).values_list("message_id", flat=True))


def assert_same_as_sandbox(sandbox, shop: Shop) -> None:
    remote = remote_chat(sandbox, shop)
    ids = stored_ids(shop)
    assert len(ids) == len(set(ids)), "a message is stored twice"
    assert set(ids) == set(remote)
    assert Conversation.objects.filter(shop=shop).count() == len(remote_conversations(sandbox, shop))
    for message in Message.objects.filter(shop=shop):
        assert message.from_buyer == remote[message.message_id]["from_buyer"]


def chat_sync_of(shop) -> ShopSync:
    return ShopSync.objects.get(shop=shop, kind=ShopSync.Kind.CHAT)


def test_shop_with_60_conversations_and_long_histories_is_pulled_completely(sandbox, shop):
    busy_chat(sandbox, shop, conversations=60, long_messages=70)

    result = sync.chat_sync_shop(shop=shop)

    assert result.error == ""
    assert result.conversations == 60
    assert_same_as_sandbox(sandbox, shop)
    long = Conversation.objects.get(shop=shop, buyer_id=buyer_id(0))
    assert long.messages.count() == 70
    assert api_calls(sandbox, "get_message") > 60  # the long one took several pages
    # Seller Centre replies are part of the conversation, on the seller's side.
    centre = Message.objects.get(shop=shop, text="賣家中心回覆 1")
    assert centre.from_buyer is False
    assert (long.last_message_text, long.last_message_from_buyer) == ("賣家中心回覆 67", False)
    quiet = Conversation.objects.get(shop=shop, buyer_id=buyer_id(1))
    assert (quiet.buyer_name, quiet.unread_count, quiet.last_message_from_buyer) == ("買家1", 1, True)
    assert quiet.last_message_text == "請問商品1還有貨嗎?"
    state = chat_sync_of(shop)
    assert state.last_success_at is not None and state.last_error == ""


def test_second_run_changes_nothing_and_asks_shopee_once(sandbox, shop):
    busy_chat(sandbox, shop, conversations=30, long_messages=40)
    sync.chat_sync_shop(shop=shop)
    before = list(Conversation.objects.filter(shop=shop).order_by("pk").values())
    messages_before = list(Message.objects.filter(shop=shop).order_by("pk").values())
    sandbox.reset_calls()

    result = sync.chat_sync_shop(shop=shop)

    assert (result.conversations, result.messages, result.api_calls) == (0, 0, 1)
    assert api_calls(sandbox) == 1
    assert list(Conversation.objects.filter(shop=shop).order_by("pk").values()) == before
    assert list(Message.objects.filter(shop=shop).order_by("pk").values()) == messages_before


def test_new_messages_are_pulled_by_reading_only_the_changed_conversations(sandbox, shop):
    busy_chat(sandbox, shop, conversations=40, long_messages=60)
    sync.chat_sync_shop(shop=shop)
    sandbox.reset_calls()
    sandbox.buyer_says(shop.shop_id, "還在嗎?", buyer_id=buyer_id(0))
    sandbox.seller_centre_says(shop.shop_id, buyer_id(7), "已經幫您出貨了")

    result = sync.chat_sync_shop(shop=shop)

    assert (result.conversations, result.messages) == (2, 2)
    assert api_calls(sandbox, "get_conversation_list") == 1
    assert api_calls(sandbox, "get_message") == 2  # one page each, not the 60-message history
    assert_same_as_sandbox(sandbox, shop)
    answered = Conversation.objects.get(shop=shop, buyer_id=buyer_id(7))
    assert (answered.last_message_text, answered.last_message_from_buyer) == ("已經幫您出貨了", False)


def test_run_interrupted_again_and_again_then_repeated_stores_each_message_once(sandbox, shop):
    busy_chat(sandbox, shop, conversations=60, long_messages=70)
    sandbox.set_faults(error_share=0.2, paths=["/api/v2/sellerchat/get_message"])
    partial = []
    for _ in range(200):
        result = sync.chat_sync_shop(shop=shop)
        if not result.error:
            break
        partial.append(Conversation.objects.filter(shop=shop).count())
    assert partial, "no run was interrupted"
    assert any(0 < count < 60 for count in partial), "no run stopped part-way"
    assert chat_sync_of(shop).last_error == ""

    sandbox.set_faults(clear=True)
    sync.chat_sync_shop(shop=shop)
    sync.chat_sync_shop(shop=shop, full=True)

    assert_same_as_sandbox(sandbox, shop)
    duplicates = Message.objects.values("shop", "message_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()


def test_failed_run_shows_its_error_and_keeps_the_cursor(sandbox, shop):
    busy_chat(sandbox, shop, conversations=5, long_messages=4)
    sandbox.set_faults(error_share=1.0, paths=["/api/v2/sellerchat/get_conversation_list"])

    result = sync.chat_sync_shop(shop=shop)

    assert result.error
    state = chat_sync_of(shop)
    assert state.last_error and state.last_success_at is None and state.cursor == 0
    assert state.last_error_code == "error_server" and state.error_text.startswith("[聊聊] 蝦皮內部發生錯誤")
    sandbox.set_faults(clear=True)
    assert sync.chat_sync_shop(shop=shop).error == ""
    assert chat_sync_of(shop).last_error == chat_sync_of(shop).last_error_code == ""


def test_without_shopees_chat_approval_the_shop_shows_why_and_stays_verified(sandbox, shop):
    busy_chat(sandbox, shop, conversations=2, long_messages=1)
    sandbox.configure(chat_module_approved=False)

    result = sync.chat_sync_shop(shop=shop)

    shop.refresh_from_db()
    assert shop.state == Shop.State.VERIFIED and not Conversation.objects.filter(shop=shop).exists()
    assert "error_api_permission" in result.error and "蝦皮尚未核准" in chat_sync_of(shop).error_text
    sandbox.configure(chat_module_approved=True)
    assert sync.chat_sync_shop(shop=shop).error == ""
    assert Conversation.objects.filter(shop=shop).count() == 2


def test_revoked_shop_stops_syncing_and_shows_unverified(sandbox, shop):
    busy_chat(sandbox, shop, conversations=3, long_messages=4)
    sandbox.revoke(shop.shop_id)

    result = sync.chat_sync_shop(shop=shop)

    shop.refresh_from_db()
    assert result.error and shop.state == Shop.State.EXPIRED
    assert shop.pk not in authorized_shop_pks()


def test_only_one_run_per_shop_at_a_time(sandbox, shop):
    busy_chat(sandbox, shop, conversations=3, long_messages=4)
    token = sync_lease_take(shop_pk=shop.pk, kind=ShopSync.Kind.CHAT, lease=sync.lease())  # another worker

    assert sync.chat_sync_shop(shop=shop).ran is False
    assert not Message.objects.filter(shop=shop).exists()

    sync_lease_release(shop_pk=shop.pk, kind=ShopSync.Kind.CHAT, token=token)
    assert sync.chat_sync_shop(shop=shop).ran is True
    assert Message.objects.filter(shop=shop).exists()


def test_buyer_message_arrives_by_push_and_shows_without_polling(
    sandbox, shop, live_server, pushes_to, client, salesperson
):
    busy_chat(sandbox, shop, conversations=3, long_messages=4)
    sync.chat_sync_shop(shop=shop)
    pushes_to(live_server.url)
    sandbox.reset_calls()

    sent = sandbox.buyer_says(shop.shop_id, "剛剛下單了,請幫我改地址", buyer_id=buyer_id(2))

    message = wait_until(
        lambda: Message.objects.filter(shop=shop, message_id=sent["message_id"]).first(), timeout=10
    )
    assert api_calls(sandbox) == 0, "the message came without asking Shopee"
    assert message.from_buyer and message.text == "剛剛下單了,請幫我改地址"
    conversation = message.conversation
    assert conversation.unread_count == 2 and conversation.last_message_text == message.text
    client.force_login(salesperson)
    page = client.get(f"/chat/c/{conversation.pk}/", HTTP_HX_REQUEST="true")
    assert "剛剛下單了,請幫我改地址" in page.content.decode()
    # The next pull finds it stored: nothing twice.
    sync.chat_sync_shop(shop=shop)
    assert_same_as_sandbox(sandbox, shop)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_pull_leaves_no_duplicates_and_the_next_worker_finishes(
    sandbox, shop, start_worker, require_postgres, require_redis
):
    from chat.tasks import chat_sync_shop

    busy_chat(sandbox, shop, conversations=60, long_messages=30)
    sandbox.set_faults(latency_ms=60, paths=["/api/v2/sellerchat/get_message"])
    worker = start_worker(queues="sync", DJANGO_SETTINGS_MODULE=WORKER_SETTINGS)
    chat_sync_shop.delay(shop.pk)
    wait_until(
        lambda: Conversation.objects.filter(shop=shop).count() >= 10, timeout=30, message="a pull under way"
    )

    worker.kill()
    stopped_at = Conversation.objects.filter(shop=shop).count()
    assert stopped_at < 60
    sandbox.set_faults(clear=True)
    start_worker(queues="sync", name="second", DJANGO_SETTINGS_MODULE=WORKER_SETTINGS)

    def finished():
        chat_sync_shop.delay(shop.pk)  # the dead run's lease lapses after 2 s
        return ShopSync.objects.filter(shop=shop, kind="chat", last_success_at__isnull=False).exists()

    wait_until(finished, timeout=30, interval=1.0, message="the second worker to finish the pull")
    assert_same_as_sandbox(sandbox, shop)

"""Chat of a Taiwanese shop through the Seller Centre login (聊聊登入認證), against the sandbox's
Seller Centre face over real HTTP: the three steps and each refusal, the chat pull and the
outbox through the session transport (request_id = the row's key), silent re-login, a changed
password (held, re-verified, delivered once), the interface-changed fault, pacing, and a TW shop
on the Open Platform transport."""

from __future__ import annotations

import itertools
import time

import pytest
from django.db import connection
from django.utils import timezone

from accounts import chatlogin
from accounts.models import Shop, ShopSync
from accounts.services import shop_create, shop_verify
from chat import sync
from chat.models import Conversation
from outbox.delivery import outbox_deliver_due
from outbox.models import OutgoingMessage
from outbox.services import outbox_release_held
from shopee.sellercentre import CaptchaRequired, LinkExpired, LinkNotTapped, WrongPassword
from tests.chat.helpers import api_calls
from tests.outbox.helpers import queue

pytestmark = pytest.mark.django_db

_accounts = itertools.count(1)
State = OutgoingMessage.State


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.SELLERCENTRE_SEND_RATE_PER_SECOND = 50.0
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 0.01
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 0.05


def seller(sandbox, password: str = "pw") -> dict:
    return sandbox.create_shop(account=f"tw{next(_accounts)}", password=password, name="台灣賣場")


def typed_in(remote: dict, user) -> Shop:
    """The shop as staff typed it in: TW, no Shopee id yet."""
    return shop_create(name=remote["name"], account=remote["account"], salesperson=user)


def chat_verified(sandbox, user, *, keep_password: bool = True) -> Shop:
    """The three steps: the password, the tap on the phone, the second click."""
    remote = seller(sandbox)
    shop = typed_in(remote, user)
    chatlogin.chat_login_start(
        shop=shop, login_name=remote["account"], password="pw", keep_password=keep_password, user=user
    )
    sandbox.sc_tap_link(remote["shop_id"])
    return chatlogin.chat_login_confirm(shop=Shop.objects.get(pk=shop.pk), user=user)


def sc_deliveries(sandbox, shop: Shop) -> list[dict]:
    return [row for row in sandbox.deliveries(shop_id=shop.shop_id) if row["via"] == "seller_centre"]


def test_three_steps_verify_the_shop_and_its_chat_comes_in_through_the_session(sandbox, salesperson):
    remote = seller(sandbox)
    sandbox.buyer_says(remote["shop_id"], "請問有現貨嗎?", buyer_id="300012345", buyer_name="小明")
    shop = typed_in(remote, salesperson)
    assert shop.uses_seller_centre and not shop.can_send

    shop = chatlogin.chat_login_start(
        shop=shop, login_name=remote["account"], password="pw", keep_password=True, user=salesperson
    )
    assert shop.chat_state == Shop.ChatState.PENDING
    assert chatlogin.chat_pending_phone(shop).startswith("+886")
    assert sandbox.sc_links(remote["shop_id"])[0]["status"] == "pending"

    with pytest.raises(LinkNotTapped):  # clicked again before the tap: still waiting, nothing lost
        chatlogin.chat_login_confirm(shop=shop, user=salesperson)
    shop.refresh_from_db()
    assert shop.chat_state == Shop.ChatState.PENDING and shop.chat_state_reason == "link_not_tapped"

    sandbox.sc_tap_link(remote["shop_id"])
    shop = chatlogin.chat_login_confirm(shop=shop, user=salesperson)
    assert shop.chat_state == Shop.ChatState.VERIFIED and shop.can_send
    assert shop.shop_id == remote["shop_id"] and shop.chat_state_reason == ""
    with connection.cursor() as cursor:  # the session and the password are stored encrypted
        cursor.execute("SELECT chat_session, chat_password FROM accounts_shop WHERE id = %s", [shop.pk])
        session_raw, password_raw = cursor.fetchone()
    assert session_raw and "chat_token" not in session_raw and password_raw and password_raw != "pw"

    result = sync.chat_sync_shop(shop=shop)
    assert result.error == "" and result.conversations == 1
    conversation = Conversation.objects.get(shop=shop)
    assert conversation.buyer_name == "小明" and conversation.unread_count == 1
    assert conversation.messages.get().text == "請問有現貨嗎?"

    sandbox.reset_calls()
    assert sync.chat_sync_shop(shop=shop).api_calls == 1  # nothing changed: one call
    assert api_calls(sandbox) == 1


@pytest.mark.parametrize(
    ("fault", "error", "reason"),
    [
        ({}, WrongPassword, "wrong_password"),
        ({"sc_captcha": True}, CaptchaRequired, "captcha_required"),
    ],
)
def test_a_refused_login_leaves_the_shop_unverified_with_its_reason(
    sandbox, salesperson, staff_client, fault, error, reason
):
    remote = seller(sandbox)
    shop = typed_in(remote, salesperson)
    sandbox.set_faults(**fault)
    password = "wrong" if error is WrongPassword else "pw"
    with pytest.raises(error):
        chatlogin.chat_login_start(
            shop=shop, login_name=remote["account"], password=password, keep_password=True, user=salesperson
        )
    shop.refresh_from_db()
    assert shop.chat_state == Shop.ChatState.UNVERIFIED and shop.chat_state_reason == reason
    assert shop.chat_password == "" and shop.chat_session == "" and shop.shop_id is None
    page = staff_client.get("/shops/").content.decode()
    assert "聊聊登入認證" in page and shop.chat_state_reason_text in page


def test_an_expired_link_ends_the_pending_login_with_its_reason(sandbox, salesperson):
    remote = seller(sandbox)
    shop = typed_in(remote, salesperson)
    sandbox.set_faults(sc_link_expired=True)
    chatlogin.chat_login_start(
        shop=shop, login_name=remote["account"], password="pw", keep_password=True, user=salesperson
    )
    sandbox.sc_tap_link(remote["shop_id"])
    with pytest.raises(LinkExpired):
        chatlogin.chat_login_confirm(shop=Shop.objects.get(pk=shop.pk), user=salesperson)
    shop.refresh_from_db()
    assert shop.chat_state == Shop.ChatState.UNVERIFIED and shop.chat_state_reason == "link_expired"
    assert shop.chat_pending == "" and not shop.can_send


def test_a_reply_goes_once_through_the_session_with_the_rows_key_as_request_id(sandbox, salesperson):
    shop = chat_verified(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id="300012345")
    sync.chat_sync_shop(shop=shop)
    conversation = Conversation.objects.get(shop=shop)
    message = queue(shop, "300012345", "在的,請問需要什麼?", conversation=conversation)

    assert outbox_deliver_due(budget_seconds=10) == 1
    message.refresh_from_db()
    assert message.state == State.SENT
    [delivered] = sc_deliveries(sandbox, shop)
    assert delivered["request_id"] == message.idempotency_key
    assert delivered["content"]["text"] == "在的,請問需要什麼?"
    assert conversation.messages.filter(from_buyer=False, text="在的,請問需要什麼?").count() == 1
    assert sync.chat_sync_shop(shop=shop).messages == 0  # the pull finds it stored


def test_a_lapsed_session_is_renewed_silently_with_the_kept_password(sandbox, salesperson):
    shop = chat_verified(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id="300012345")
    sync.chat_sync_shop(shop=shop)
    before = Shop.objects.get(pk=shop.pk).chat_session_at
    sandbox.sc_revoke(shop.shop_id)  # Shopee ended every session
    queue(shop, "300012345", "您好", conversation=Conversation.objects.get(shop=shop))

    assert outbox_deliver_due(budget_seconds=10) == 1
    shop.refresh_from_db()
    assert shop.chat_state == Shop.ChatState.VERIFIED and shop.chat_session_at > before
    assert not OutgoingMessage.objects.filter(state=State.HELD).exists()
    assert len(sc_deliveries(sandbox, shop)) == 1
    assert sandbox.sc_links(shop.shop_id)[0]["used"]  # no new link: the device is trusted


def test_a_changed_password_holds_the_reply_until_verified_again_then_it_goes_once(
    sandbox, salesperson, staff_client
):
    shop = chat_verified(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id="300012345")
    sync.chat_sync_shop(shop=shop)
    sandbox.change_password(shop.shop_id, "new-pass")
    message = queue(shop, "300012345", "稍等喔", conversation=Conversation.objects.get(shop=shop))

    outbox_deliver_due(budget_seconds=10)
    message.refresh_from_db()
    shop.refresh_from_db()
    assert message.state == State.HELD and not sc_deliveries(sandbox, shop)
    assert shop.chat_state == Shop.ChatState.UNVERIFIED and shop.chat_state_reason == "wrong_password"
    assert "聊聊登入認證" in staff_client.get("/shops/").content.decode()
    assert queue(shop, "300012345", "再等一下").state == State.HELD  # queued meanwhile: held too

    shop = chatlogin.chat_login_start(
        shop=shop, login_name=shop.chat_login_name, password="new-pass", keep_password=True, user=salesperson
    )
    assert shop.chat_state == Shop.ChatState.VERIFIED  # the trusted device needs no new link
    assert outbox_release_held(shop_pk=shop.pk) == 2  # what the shop_verified signal's task does
    outbox_deliver_due(budget_seconds=10)
    outbox_deliver_due(budget_seconds=10)
    texts = [row["content"]["text"] for row in sc_deliveries(sandbox, shop)]
    assert sorted(texts) == ["再等一下", "稍等喔"]


def test_an_answer_lost_after_the_send_is_found_by_its_request_id_not_sent_twice(
    sandbox, salesperson, settings
):
    shop = chat_verified(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id="300012345")
    sync.chat_sync_shop(shop=shop)
    settings.SHOPEE_TIMEOUT_SECONDS = 1.0
    sandbox.set_faults(hang_seconds=2.0, hang_count=1)  # stored on Shopee, answered too late
    message = queue(shop, "300012345", "已出貨", conversation=Conversation.objects.get(shop=shop))

    outbox_deliver_due(budget_seconds=10)
    message.refresh_from_db()
    assert message.state == State.QUEUED and message.doubt_since is not None
    time.sleep(0.1)
    outbox_deliver_due(budget_seconds=10)
    message.refresh_from_db()
    [delivered] = sc_deliveries(sandbox, shop)
    assert message.state == State.SENT and message.shopee_message_id == str(delivered["message_id"])


@pytest.mark.parametrize("stored", [True, False], ids=["stored-answer-lost", "never-stored"])
def test_a_first_message_in_doubt_is_looked_for_in_the_buyers_conversation_on_shopee(
    sandbox, salesperson, settings, stored
):
    """No conversation with this buyer yet, here or on Shopee: the send goes by the buyer's id; if
    its answer is lost, the in-doubt check finds the conversation Shopee opened (newest first) and
    the message by its key, or finds no conversation: then it was never sent, and goes now."""
    shop = chat_verified(sandbox, salesperson)
    order = sandbox.create_order(shop_id=shop.shop_id, buyer_id="300077777")
    settings.SHOPEE_TIMEOUT_SECONDS = 1.0
    # The retry waits past this drain however slow the machine: the next drain is the one that looks.
    settings.OUTBOX_BACKOFF_BASE_SECONDS = settings.OUTBOX_BACKOFF_MAX_SECONDS = 60
    if stored:
        sandbox.set_faults(hang_seconds=2.0, hang_count=1, paths=["/webchat/api/v1.2/messages"])
    else:
        sandbox.set_faults(timeout_share=1.0, timeout_seconds=2.0, paths=["/webchat/api/v1.2/messages"])
    message = queue(shop, "300077777", "您的訂單已出貨", order_sn=order["order_sn"])

    outbox_deliver_due(budget_seconds=10)
    message.refresh_from_db()
    assert message.state == State.QUEUED and message.doubt_since is not None
    assert not Conversation.objects.filter(shop=shop).exists()
    assert len(sc_deliveries(sandbox, shop)) == int(stored)
    sandbox.set_faults(clear=True)
    OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox_deliver_due(budget_seconds=10)

    message.refresh_from_db()
    [delivered] = sc_deliveries(sandbox, shop)
    assert message.state == State.SENT and message.shopee_message_id == str(delivered["message_id"])
    # One send answered: the stored one was found, not sent again (the timed-out one was never answered).
    assert api_calls(sandbox, "/webchat/api/v1.2/messages") == 1
    conversation = Conversation.objects.get(shop=shop, buyer_id="300077777")
    assert message.conversation == conversation
    assert list(conversation.messages.values_list("text", flat=True)) == ["您的訂單已出貨"]


def test_interface_changed_is_a_clear_error_on_accounts_and_status_and_loses_nothing(
    sandbox, salesperson, staff_client
):
    shop = chat_verified(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id="300012345")
    sync.chat_sync_shop(shop=shop)
    sandbox.set_faults(sc_interface_changed=True)
    message = queue(shop, "300012345", "您好", conversation=Conversation.objects.get(shop=shop))

    outbox_deliver_due(budget_seconds=10)
    message.refresh_from_db()
    shop.refresh_from_db()
    assert message.state == State.HELD and shop.chat_state_reason == "interface_changed"
    words = "蝦皮變更了聊聊介面"
    page = staff_client.get("/shops/").content.decode()
    assert words in page
    assert words in staff_client.get("/status/").content.decode()

    sandbox.set_faults(clear=True)  # the program was updated: verify again, the reply goes
    chatlogin.chat_login_start(
        shop=shop, login_name=shop.chat_login_name, password="pw", keep_password=True, user=salesperson
    )
    outbox_release_held(shop_pk=shop.pk)
    outbox_deliver_due(budget_seconds=10)
    assert [row["content"]["text"] for row in sc_deliveries(sandbox, shop)] == ["您好"]


def test_unread_counts_changed_in_seller_centre_come_in_with_the_regular_pull(sandbox, salesperson):
    shop = chat_verified(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id="300012345")
    sync.chat_sync_shop(shop=shop)
    conversation = Conversation.objects.get(shop=shop)
    assert conversation.unread_count == 1
    client = chatlogin.sellercentre_client()  # the seller reads it in Seller Centre
    client.conversation_read(
        chatlogin.chat_session_of(shop),
        conversation_id=conversation.conversation_id,
        last_read_message_id=conversation.last_message_id,
    )
    sandbox.reset_calls()
    assert sync.chat_sync_shop(shop=shop).api_calls == 1
    conversation.refresh_from_db()
    assert conversation.unread_count == 0


def test_the_daily_cap_stops_a_shop_for_the_day(sandbox, salesperson, settings):
    settings.SELLERCENTRE_DAILY_CAP = 1
    shop = chat_verified(sandbox, salesperson)
    for buyer in ("300012345", "300012346"):
        sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id=buyer)
    sync.chat_sync_shop(shop=shop)
    for buyer in ("300012345", "300012346"):
        queue(shop, buyer, "您好", conversation=Conversation.objects.get(shop=shop, buyer_id=buyer))
    outbox_deliver_due(budget_seconds=3)
    assert len(sc_deliveries(sandbox, shop)) == 1
    assert OutgoingMessage.objects.filter(state=State.QUEUED).count() == 1


def test_a_tw_shop_on_the_open_platform_fails_at_once_with_shopees_reason(sandbox, salesperson):
    remote = seller(sandbox)
    shop = shop_verify(
        shop=None, code=sandbox.authorize_code(remote["shop_id"]), shop_id=remote["shop_id"], user=salesperson
    )
    Shop.objects.filter(pk=shop.pk).update(chat_transport=Shop.ChatTransport.OPEN_PLATFORM)
    shop.refresh_from_db()
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id="300012345")
    sync.chat_sync_shop(shop=shop)  # reading works on the Open Platform
    message = queue(shop, "300012345", "您好", conversation=Conversation.objects.get(shop=shop))

    outbox_deliver_due(budget_seconds=5)
    message.refresh_from_db()
    assert message.state == State.FAILED and message.attempts == 1
    assert message.error_code == "region_not_supported" and "TW region is not supported" in message.last_error
    assert api_calls(sandbox, "send_message") == 0


def test_the_chat_pull_of_a_lost_session_shows_on_status(sandbox, salesperson):
    shop = chat_verified(sandbox, salesperson, keep_password=False)
    sandbox.sc_revoke(shop.shop_id)
    result = sync.chat_sync_shop(shop=shop)
    shop.refresh_from_db()
    assert result.error and shop.chat_state == Shop.ChatState.UNVERIFIED
    assert shop.chat_state_reason == "password_needed"
    assert ShopSync.objects.get(shop=shop, kind="chat").last_error


# -- signed mode: Seller Centre's page must sign chat calls --------------------------------------


@pytest.fixture
def page_signing(sandbox, settings):
    from pathlib import Path

    from tests.utils import need

    need(Path("/usr/bin/chromium").exists(), "Chromium at /usr/bin/chromium")
    sandbox.configure(sc_signed=True)
    settings.SELLERCENTRE_SIGNING = "page"
    yield
    chatlogin.sellercentre_client().close()  # the headless Chromium of this process
    chatlogin._client.cache_clear()


@pytest.mark.browser
def test_page_signing_reads_and_sends_through_a_real_headless_chromium(sandbox, salesperson, page_signing):
    shop = chat_verified(sandbox, salesperson)  # the chat login itself is made from the page
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id="300012345", buyer_name="小明")
    assert sync.chat_sync_shop(shop=shop).error == ""
    conversation = Conversation.objects.get(shop=shop)
    assert conversation.buyer_name == "小明"
    queue(shop, "300012345", "簽章模式回覆", conversation=conversation)
    assert outbox_deliver_due(budget_seconds=20) == 1
    assert [row["content"]["text"] for row in sc_deliveries(sandbox, shop)] == ["簽章模式回覆"]


def test_plain_calls_in_signed_mode_fail_with_the_anti_bot_error_in_words(sandbox, salesperson, staff_client):
    sandbox.configure(sc_signed=True)  # signing stays "none"
    remote = seller(sandbox)
    shop = typed_in(remote, salesperson)
    staff_client.post(
        f"/shops/{shop.pk}/chat-login/",
        {"login_name": remote["account"], "password": "pw", "keep_password": "on"},
    )
    sandbox.sc_tap_link(remote["shop_id"])
    answer = staff_client.post(f"/shops/{shop.pk}/chat-login/confirm/", follow=True)
    shop.refresh_from_db()
    assert shop.chat_state == Shop.ChatState.UNVERIFIED and shop.chat_state_reason == "anti_bot"
    assert "蝦皮的防機器人機制拒絕了請求" in answer.content.decode()
    assert "蝦皮的防機器人機制拒絕了請求" in staff_client.get("/shops/").content.decode()


def test_the_beat_renews_old_sessions_silently(sandbox, salesperson):
    shop = chat_verified(sandbox, salesperson)
    before = shop.chat_session_at
    sandbox.sc_revoke(shop.shop_id)
    assert chatlogin.chat_sessions_renew_due(older_than_seconds=0) == 1
    shop.refresh_from_db()
    assert shop.chat_state == Shop.ChatState.VERIFIED and shop.chat_session_at > before
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id="300012345")
    assert sync.chat_sync_shop(shop=shop).messages == 1  # the renewed session works


def test_the_transport_is_chosen_on_the_shop_form(salesperson, staff_client):
    shop = shop_create(name="台灣賣場", account="tw", salesperson=salesperson)
    assert shop.uses_seller_centre  # TW by default
    staff_client.post(
        f"/shops/{shop.pk}/",
        {
            "name": "台灣賣場",
            "account": "tw",
            "customer": "",
            "salesperson": salesperson.pk,
            "chat_transport": "open_platform",
        },
    )
    shop.refresh_from_db()
    assert not shop.uses_seller_centre

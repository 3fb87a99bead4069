"""Seller Centre's cheap signal (`user/sync`) on the sandbox over real HTTP, through the client:
what it answers, the same refusals as every web-chat call, the calls counted per shop; and the
sandbox sending no Open Platform chat push for a Taiwanese shop unless told to."""

from __future__ import annotations

import uuid

import pytest
import requests

from shopee.errors import RateLimited, Transient
from shopee.sellercentre import (
    AntiBotRefused,
    InterfaceChanged,
    SellerCentreClient,
    SellerCentreSession,
    SessionExpired,
    new_device_id,
)
from shopee.signing import verify_push
from tests.shopee import test_sellercentre as sellercentre_tests
from tests.shopee.test_sellercentre import ACCOUNT, SHOP_ID, verified_session
from tests.utils import wait_until

# The demo sandbox, its client and a verified session, as the web-chat tests have them.
demo, client, session = sellercentre_tests.demo, sellercentre_tests.client, sellercentre_tests.session


def unread_messages(sb, shop_id: str = SHOP_ID) -> int:
    return sum(c["unread_count"] for c in sb.state()["conversations"].values() if c["shop_id"] == shop_id)


def test_the_signal_says_new_once_for_each_buyer_message_and_counts_unread(client, demo, session):
    quiet = client.user_sync(session)
    assert quiet.have_new_msg is False  # nothing since the chat login
    assert quiet.unread_count == unread_messages(demo) > 0

    buyer = client.conversation_list(session).conversations[2].buyer_id
    demo.buyer_says(SHOP_ID, "請問今天會出貨嗎？", buyer_id=buyer)
    news = client.user_sync(session)
    assert news.have_new_msg is True and news.unread_count == quiet.unread_count + 1
    assert client.user_sync(session).have_new_msg is False  # told once

    [counted] = demo.sc_signals(SHOP_ID)
    assert (counted["calls"], counted["have_new_msg"], len(counted["times"])) == (3, 1, 3)
    assert demo.sc_signals("318990021") == []  # per shop


def test_own_sends_are_no_news_but_a_reply_typed_in_seller_centre_is(client, demo, session):
    conversation = client.conversation_list(session).conversations[0]
    client.user_sync(session)
    client.message_send(
        session,
        to_id=conversation.buyer_id,
        conversation_id=conversation.conversation_id,
        text="已為您出貨",
        request_id=str(uuid.uuid4()),
    )
    assert client.user_sync(session).have_new_msg is False

    demo.seller_centre_says(SHOP_ID, conversation.buyer_id, "另一位同事在賣家中心回覆")
    assert client.user_sync(session).have_new_msg is True


def test_another_login_of_the_shop_is_told_of_its_own_news(client, demo, session):
    other = verified_session(client, demo, new_device_id())
    client.user_sync(session), client.user_sync(other)
    demo.buyer_says(SHOP_ID, "哈囉", buyer_id=client.conversation_list(session).conversations[0].buyer_id)
    assert client.user_sync(session).have_new_msg and client.user_sync(other).have_new_msg


def test_the_older_pages_path_answers_the_same(demo, session):
    legacy = SellerCentreClient(
        seller_url=demo.url, timeout=5, paths={"user_sync": "/webchat/api/v1.2/user/sync"}
    )
    assert legacy.user_sync(session).have_new_msg is False
    paths = {row["path"] for row in demo.calls() if row["shop_id"] == SHOP_ID}
    assert "/webchat/api/v1.2/user/sync" in paths
    legacy.close()


def test_the_signal_is_refused_as_every_web_chat_call_is(client, demo, session):
    stale = SellerCentreSession.from_dict(session.to_dict() | {"chat_token": "eyJ-made-up"})
    with pytest.raises(SessionExpired):
        client.user_sync(stale)
    demo.sc_revoke(SHOP_ID)
    with pytest.raises(SessionExpired):
        client.user_sync(session)

    fresh = verified_session(client, demo, new_device_id())
    demo.set_faults(shop_calls_per_second=0.001)
    client.user_sync(fresh)  # the bucket's one token
    with pytest.raises(RateLimited):
        client.user_sync(fresh)
    demo.set_faults(clear=True, outage_seconds=5)
    with pytest.raises(Transient):
        client.user_sync(fresh)
    demo.set_faults(clear=True, sc_interface_changed=True)
    with pytest.raises(InterfaceChanged):
        client.user_sync(fresh)
    demo.set_faults(clear=True)
    demo.configure(sc_signed=True)
    with pytest.raises(AntiBotRefused):
        client.user_sync(fresh)


def test_the_signals_are_listed_per_shop_by_the_control_api_until_reset(client, demo, session):
    for _ in range(2):
        client.user_sync(session)
    listed = requests.get(f"{demo.url}/_sandbox/sellercentre/signals", params={"shop_id": SHOP_ID}, timeout=5)
    [row] = listed.json()["signals"]
    assert (row["shop_id"], row["calls"], row["have_new_msg"]) == (SHOP_ID, 2, 0)
    assert row["times"] == sorted(row["times"]) and len(row["times"]) == 2
    requests.post(f"{demo.url}/_sandbox/calls/reset", timeout=5).raise_for_status()
    assert requests.get(f"{demo.url}/_sandbox/sellercentre/signals", timeout=5).json()["signals"] == []


# -- no Open Platform chat push for Taiwan ----------------------------------------------------------


def test_a_taiwanese_shops_buyer_sends_no_chat_push_by_default(make_sandbox, receiver):
    sb = make_sandbox(callback_url=receiver.url)
    assert sb.configure()["tw_chat_push"] is False
    tw = sb.create_shop(account=ACCOUNT, password="pw", name="我的測試賣場")
    sg = sb.create_shop(account="sgshop", password="pw", name="SG shop", region="SG")
    sb.buyer_says(tw["shop_id"], "台灣買家的訊息", buyer_id=111)
    sb.buyer_says(sg["shop_id"], "a Singapore buyer", buyer_id=222)
    [push] = wait_until(lambda: receiver.received, timeout=5, message="the SG push")
    assert verify_push(sb.configure()["push_key"], receiver.url, push.body, push.headers["Authorization"])
    assert [(p["code"], p["shop_id"]) for p in sb.pushes()] == [(10, sg["shop_id"])]

    sb.configure(tw_chat_push=True)  # only to show what a push-fed shop would see
    sb.buyer_says(tw["shop_id"], "現在有推播", buyer_id=111)
    wait_until(lambda: len(receiver.received) == 2, timeout=5, message="the TW push once switched on")
    assert [p["shop_id"] for p in sb.pushes()] == [sg["shop_id"], tw["shop_id"]]

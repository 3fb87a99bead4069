"""shopee.sellercentre against the sandbox's Seller Centre face, over real HTTP: every login
outcome, sessions lapsing and coming back, the web chat (read, send, mark read) on the same chats
the Open Platform face shows, the chat rules, the faults, and the idempotency key."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest
import requests

from shopee.errors import BadRequest, PlatformRule, RateLimited, Transient
from shopee.sandbox.demo import DEMO_PASSWORD
from shopee.sellercentre import (
    AntiBotRefused,
    CaptchaRequired,
    InterfaceChanged,
    LinkExpired,
    LinkNotTapped,
    PendingLogin,
    SellerCentreClient,
    SellerCentreSession,
    SessionExpired,
    TooManyAttempts,
    WrongPassword,
    new_device_id,
)
from tests.shopee.helpers import Caller

SHOP_ID = "242826267"  # demo shop ktmst
ACCOUNT = "ktmst"


@pytest.fixture
def demo(make_sandbox):
    return make_sandbox(demo=True)


@pytest.fixture
def client(demo):
    client = SellerCentreClient(seller_url=demo.url, main_url=demo.url, timeout=5)
    yield client
    client.close()


def tap_on_phone(sb, shop_id: str = SHOP_ID) -> requests.Response:
    """What the seller does: open the newest SMS link on the phone page and confirm."""
    with requests.Session() as phone:
        inbox = phone.get(f"{sb.url}/phone", params={"shop_id": shop_id}, timeout=5)
        link = re.search(r'class="sms-link" href="([^"]+)"', inbox.text).group(1).replace("&amp;", "&")
        page = phone.get(sb.url + link, timeout=5)
        assert "是您本人嗎" in page.text
        token = re.search(r'name="short_token" value="([^"]+)"', page.text).group(1)
        return phone.post(f"{sb.url}/verify/link", data={"short_token": token}, timeout=5)


def verified_session(client, sb, device_id: str, account: str = ACCOUNT, shop_id: str = SHOP_ID):
    pending = client.verification_send(
        client.login(account=account, password=DEMO_PASSWORD, device_id=device_id)
    )
    assert tap_on_phone(sb, shop_id).status_code == 200
    return client.chat_login(client.verification_confirm(pending))


def reply(client, session, conversation, text: str, request_id: str | None = None):
    """The seller answers in an existing conversation (a fresh key unless one is given)."""
    return client.message_send(
        session,
        to_id=conversation.buyer_id,
        conversation_id=conversation.conversation_id,
        text=text,
        request_id=request_id or str(uuid.uuid4()),
    )


@pytest.fixture
def session(client, demo) -> SellerCentreSession:
    return verified_session(client, demo, new_device_id())


# -- login ---------------------------------------------------------------------------------------


def test_the_three_steps_give_a_chat_session(client, demo):
    device = new_device_id()
    pending = client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=device)
    assert isinstance(pending, PendingLogin) and not pending.link_sent

    pending = client.verification_send(pending)
    assert pending.phone_number.startswith("+886 9") and "***" in pending.phone_number
    # The caller stores the pending login between the two clicks: it survives JSON.
    pending = PendingLogin.from_dict(json.loads(json.dumps(pending.to_dict())))

    with pytest.raises(LinkNotTapped) as not_yet:
        client.verification_confirm(pending)
    assert not_yet.value.reason == "link_not_tapped"

    done = tap_on_phone(demo)
    assert "驗證成功" in done.text

    session = client.verification_confirm(pending)
    assert (session.shop_id, session.device_id) == (SHOP_ID, device)
    assert not session.chat_token
    session = client.chat_login(session)
    assert session.chat_token
    assert len(client.conversation_list(session).conversations) > 0


def test_wrong_password_is_refused_in_words(client):
    with pytest.raises(WrongPassword) as refused:
        client.login(account=ACCOUNT, password="not-the-password", device_id=new_device_id())
    assert refused.value.reason == "wrong_password"
    assert "password" in refused.value.words
    with pytest.raises(WrongPassword):
        client.login(account="nobody-here", password=DEMO_PASSWORD, device_id=new_device_id())


def test_a_verified_device_is_trusted_at_the_next_login(client, demo):
    device = new_device_id()
    verified_session(client, demo, device)
    again = client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=device)
    assert isinstance(again, SellerCentreSession)
    assert client.chat_login(again).chat_token
    # Another device still needs the link.
    assert isinstance(
        client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=new_device_id()), PendingLogin
    )


def test_a_link_tapped_too_late_has_expired(client, demo):
    pending = client.verification_send(
        client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=new_device_id())
    )
    demo.shift_clock(demo.configure()["sc_link_seconds"] + 5)
    with pytest.raises(LinkExpired) as expired:
        client.verification_confirm(pending)
    assert expired.value.reason == "link_expired"
    # The phone says so too, and tapping changes nothing.
    answer = tap_on_phone_expired(demo)
    assert answer.status_code == 410 and "失效" in answer.text
    with pytest.raises(LinkExpired):
        client.verification_confirm(pending)


def tap_on_phone_expired(sb) -> requests.Response:
    link = sb.sc_links(SHOP_ID)[0]
    assert link["status"] == "expired"
    return requests.get(link["url"], timeout=5)


def test_link_expired_fault(client, demo):
    demo.set_faults(sc_link_expired=True)
    pending = client.verification_send(
        client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=new_device_id())
    )
    with pytest.raises(LinkExpired):
        client.verification_confirm(pending)


def test_captcha_demanded_says_what_the_seller_must_do(client, demo):
    demo.set_faults(sc_captcha=True)
    with pytest.raises(CaptchaRequired) as demanded:
        client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=new_device_id())
    assert demanded.value.reason == "captcha_required"
    assert "browser" in demanded.value.words and demanded.value.methods == (1,)
    assert demo.sc_links() == []  # nothing was sent to the phone


def test_too_many_links_in_a_day(client, demo):
    demo.configure(sc_links_per_day=2)
    device = new_device_id()
    for _ in range(2):
        client.verification_send(client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=device))
    pending = client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=device)
    with pytest.raises(TooManyAttempts) as refused:
        client.verification_send(pending)
    assert refused.value.reason == "too_many_attempts"
    assert len(demo.sc_links(SHOP_ID)) == 2


def test_timeout_is_mandatory(demo):
    with pytest.raises(ValueError):
        SellerCentreClient(seller_url=demo.url, timeout=0)


# -- sessions ------------------------------------------------------------------------------------


def test_session_expires_and_a_trusted_device_logs_in_again_silently(client, demo, session):
    demo.shift_clock(demo.configure()["sc_session_seconds"] + 60)
    with pytest.raises(SessionExpired):
        client.conversation_list(session)
    with pytest.raises(SessionExpired):
        client.chat_login(session)

    again = client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=session.device_id)
    assert isinstance(again, SellerCentreSession)  # no link this time
    again = client.chat_login(again)
    assert client.conversation_list(again).conversations


def test_password_change_ends_sessions_and_logins(client, demo, session):
    demo.change_password(SHOP_ID, "new-secret-42")
    with pytest.raises(SessionExpired):
        client.conversation_list(session)
    with pytest.raises(WrongPassword):
        client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=session.device_id)
    fresh = client.login(account=ACCOUNT, password="new-secret-42", device_id=session.device_id)
    assert client.conversation_list(client.chat_login(fresh)).conversations


def test_session_revoked_by_shopee(client, demo, session):
    answer = requests.post(f"{demo.url}/_sandbox/shops/{SHOP_ID}/sellercentre/revoke", timeout=5)
    assert answer.json() == {"ended": 1}
    with pytest.raises(SessionExpired):
        client.conversation_list(session)


def test_sessions_and_trusted_devices_survive_a_sandbox_restart(make_sandbox, tmp_path):
    state = tmp_path / "sandbox.json"
    first = make_sandbox(demo=True, state_file=state)
    client = SellerCentreClient(seller_url=first.url, timeout=5)
    session = verified_session(client, first, new_device_id())
    first.stop()
    second = make_sandbox(state_file=state)
    client = SellerCentreClient(seller_url=second.url, timeout=5)
    assert client.conversation_list(session).conversations
    assert isinstance(
        client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=session.device_id),
        SellerCentreSession,
    )


def test_the_stored_session_survives_json(client, session):
    stored = json.dumps(session.to_dict())
    assert client.conversation_list(SellerCentreSession.from_dict(json.loads(stored))).conversations
    assert session.chat_token not in repr(session)  # secrets stay out of logs


# -- web chat ------------------------------------------------------------------------------------


def test_web_chat_shows_the_same_conversations_as_the_open_platform(client, demo):
    caller = Caller(
        demo.url, partner_id=demo.configure()["partner_id"], partner_key=demo.configure()["partner_key"]
    )
    total = 0
    for shop in demo.shops():
        session = verified_session(client, demo, new_device_id(), shop["account"], shop["shop_id"])
        web, mark = client.conversations_since(session, since_nano=0)
        op = caller.shop_session(shop["shop_id"], demo.authorize_code(shop["shop_id"]))
        listed = op.get(
            "/api/v2/sellerchat/get_conversation_list", direction="older", type="all", page_size=25
        ).json()["response"]
        assert web[0].conversation_id == listed["conversations"][0]["conversation_id"]
        assert [c.last_message_nano for c in web] == sorted((c.last_message_nano for c in web), reverse=True)
        assert mark == web[0].last_message_nano
        total += len(web)
    assert total == 48  # the demo's conversations


def test_incremental_pull_costs_one_call_when_nothing_changed(client, demo, session):
    everything, mark = client.conversations_since(session, since_nano=0)
    demo.reset_calls()
    assert client.conversations_since(session, since_nano=mark) == ([], mark)
    assert sum(call["count"] for call in demo.calls()) == 1

    buyer = everything[3]
    demo.buyer_says(SHOP_ID, "請問還有貨嗎？", buyer_id=buyer.buyer_id)
    changed, newer = client.conversations_since(session, since_nano=mark)
    assert [c.conversation_id for c in changed] == [buyer.conversation_id]
    assert changed[0].last_message_text == "請問還有貨嗎？" and changed[0].last_message_from_buyer
    assert newer > mark


def test_send_read_and_mark_read(client, demo, session):
    conversation = client.conversation_list(session).conversations[0]
    key = str(uuid.uuid4())
    sent = reply(client, session, conversation, "已出貨囉，謝謝您🙏", key)
    assert (sent.request_id, sent.text, sent.from_buyer) == (key, "已出貨囉，謝謝您🙏", False)

    newest = client.message_list(session, conversation.conversation_id)
    assert newest[0].message_id == sent.message_id and newest[0].request_id == key
    assert [m.created_timestamp for m in newest] == sorted(
        (m.created_timestamp for m in newest), reverse=True
    )
    assert client.message_find(session, conversation.conversation_id, key) == sent

    delivered = demo.deliveries(shop_id=SHOP_ID)
    assert [(d["message_id"], d["via"], d["request_id"]) for d in delivered] == [
        (sent.message_id, "seller_centre", key)
    ]

    demo.buyer_says(SHOP_ID, "好的～", buyer_id=conversation.buyer_id)
    unread = client.conversation_list(session, unread_only=True).conversations
    target = next(c for c in unread if c.conversation_id == conversation.conversation_id)
    client.conversation_read(
        session, conversation_id=target.conversation_id, last_read_message_id=target.last_message_id
    )
    after = next(
        c
        for c in client.conversation_list(session).conversations
        if c.conversation_id == target.conversation_id
    )
    assert after.unread_count == 0 and after.last_read_message_id == target.last_message_id


def test_the_same_request_id_twice_delivers_once(client, demo, session):
    conversation = client.conversation_list(session).conversations[0]
    key = str(uuid.uuid4())
    first = reply(client, session, conversation, "一次就好", key)
    second = reply(client, session, conversation, "一次就好", key)
    assert second.message_id == first.message_id
    assert len(demo.deliveries(shop_id=SHOP_ID)) == 1


def test_chat_rules_are_platform_rules(client, demo, session):
    conversation = client.conversation_list(session).conversations[0]
    conversation_id_of_another = conversation.conversation_id

    def send(text: str):
        return reply(client, session, conversation, text)

    send("字" * 600)
    with pytest.raises(PlatformRule) as too_long:
        send("字" * 601)
    assert too_long.value.code == "message_too_long"
    for n in range(4):
        send(f"第 {n + 2} 則")
    with pytest.raises(PlatformRule) as streak:
        send("第 6 則")
    assert streak.value.code == "reach_5_message_limit"
    assert len(demo.deliveries(shop_id=SHOP_ID)) == 5

    stranger = demo.create_order(shop_id=SHOP_ID, buyer_id="399000001")
    with pytest.raises(PlatformRule) as first:
        client.message_send(session, to_id="399000001", text="您好", request_id=str(uuid.uuid4()))
    assert first.value.code == "first_chat_without_order_info"
    assert client.conversation_with(session, "399000001") is None
    opened = client.message_send(  # no conversation yet: by to_id, Shopee opens one
        session,
        to_id="399000001",
        text="您好，訂單已收到",
        request_id=str(uuid.uuid4()),
        order_sn=stranger["order_sn"],
    )
    conversation = client.conversation_with(session, "399000001")
    assert opened.conversation_id == conversation.conversation_id
    assert [m.message_id for m in client.message_list(session, opened.conversation_id)] == [opened.message_id]

    old = demo.create_order(shop_id=SHOP_ID, buyer_id="399000002", create_time=demo.now() - 40 * 86400)
    with pytest.raises(PlatformRule) as unreachable:  # ordered 40 days ago, never chatted
        client.message_send(
            session, to_id="399000002", text="您好", request_id=str(uuid.uuid4()), order_sn=old["order_sn"]
        )
    assert unreachable.value.code == "user_is_forbidden"
    assert client.conversation_with(session, "399000002") is None

    with pytest.raises(BadRequest):  # another buyer's conversation is not this buyer's
        client.message_send(
            session,
            to_id="399000001",
            conversation_id=conversation_id_of_another,
            text="您好",
            request_id=str(uuid.uuid4()),
        )


# -- faults --------------------------------------------------------------------------------------


def test_interface_changed_is_a_clear_error_and_sends_nothing(client, demo, session):
    conversation = client.conversation_list(session).conversations[0]
    demo.set_faults(sc_interface_changed=True)
    with pytest.raises(InterfaceChanged):
        client.conversation_list(session)
    with pytest.raises(InterfaceChanged):
        reply(client, session, conversation, "測試", "k-1")
    with pytest.raises(InterfaceChanged):
        client.chat_login(session)
    with pytest.raises(InterfaceChanged):
        client.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=session.device_id)
    assert demo.deliveries() == []
    demo.set_faults(clear=True)
    assert client.conversation_list(session).conversations


def test_outage_errors_and_rate_limits_apply_here_too(client, demo, session):
    demo.set_faults(outage_seconds=30)
    with pytest.raises(Transient):
        client.conversation_list(session)
    demo.set_faults(clear=True, error_share=1.0, paths=["/mini/conversations"])
    with pytest.raises(Transient):
        client.conversation_list(session)
    demo.set_faults(clear=True, shop_calls_per_second=0.01)
    client.conversation_list(session)
    with pytest.raises(RateLimited) as limited:
        client.conversation_list(session)
    assert limited.value.retry_after >= 1


def test_latency_and_timeouts_apply_here_too(demo, session):
    quick = SellerCentreClient(seller_url=demo.url, timeout=1.0)
    demo.set_faults(latency_ms=300)
    started = time.monotonic()
    quick.conversation_list(session)
    assert time.monotonic() - started >= 0.3
    demo.set_faults(clear=True, timeout_share=1.0, timeout_seconds=2.0)
    with pytest.raises(Transient):
        quick.conversation_list(session)
    quick.close()


def test_control_routes_over_http(client, demo, session):
    links = requests.get(
        f"{demo.url}/_sandbox/sellercentre/links", params={"shop_id": SHOP_ID}, timeout=5
    ).json()
    assert [link["status"] for link in links["links"]] == ["tapped"] and links["links"][0]["used"]
    sessions = requests.get(
        f"{demo.url}/_sandbox/sellercentre/sessions", params={"shop_id": SHOP_ID}, timeout=5
    )
    assert [(s["valid"], s["chat_login"]) for s in sessions.json()["sessions"]] == [(True, True)]
    nothing = requests.post(f"{demo.url}/_sandbox/shops/318990021/sellercentre/tap_link", timeout=5)
    assert nothing.status_code == 404
    faults = requests.post(f"{demo.url}/_sandbox/faults", json={"sc_captcha": "yes"}, timeout=5)
    assert faults.status_code == 400  # type-checked like every fault


def test_accept_then_hang_is_found_by_its_request_id(demo, session):
    slow = SellerCentreClient(seller_url=demo.url, timeout=0.5)
    conversation = slow.conversation_list(session).conversations[0]
    demo.set_faults(hang_seconds=2, hang_count=1)
    key = str(uuid.uuid4())
    with pytest.raises(Transient):
        reply(slow, session, conversation, "在嗎", key)
    found = slow.message_find(session, conversation.conversation_id, key)
    assert found is not None and found.text == "在嗎"
    assert slow.message_find(session, conversation.conversation_id, "never-sent") is None
    slow.close()


def test_the_in_doubt_check_falls_back_to_text_and_time_only_without_echoes(client, demo, session):
    conversation = client.conversation_list(session).conversations[0]
    before = demo.now()
    # Typed in Seller Centre by a person: the list shows it without a request_id.
    demo.seller_centre_says(SHOP_ID, conversation.buyer_id, "稍等一下喔")
    found = client.message_find(
        session, conversation.conversation_id, "lost-key", text="稍等一下喔", sent_after=before
    )
    assert found is not None and found.text == "稍等一下喔" and found.request_id == ""
    assert (
        client.message_find(
            session, conversation.conversation_id, "lost-key", text="稍等一下喔", sent_after=before + 60
        )
        is None
    )
    assert client.message_find(session, conversation.conversation_id, "lost-key") is None

    # Once the list echoes request ids, only the key counts.
    reply(client, session, conversation, "好了", "k-2")
    assert (
        client.message_find(
            session, conversation.conversation_id, "lost-key", text="稍等一下喔", sent_after=before
        )
        is None
    )


def test_a_path_override_reaches_the_login_steps_too(demo):
    # Shopee moving a call is an InterfaceChanged; the override is how staff point at the new one.
    moved = SellerCentreClient(seller_url=demo.url, timeout=5, paths={"login": "/api/v4/account/login_moved"})
    with pytest.raises(InterfaceChanged):
        moved.login(account=ACCOUNT, password=DEMO_PASSWORD, device_id=new_device_id())
    moved.close()


def test_unauthenticated_chat_calls_are_refused(client, session):
    stale = SellerCentreSession.from_dict(session.to_dict() | {"chat_token": "eyJ-made-up"})
    with pytest.raises(SessionExpired):
        client.conversation_list(stale)
    with pytest.raises(SessionExpired):
        client.conversation_list(SellerCentreSession.from_dict(session.to_dict() | {"chat_token": ""}))


def test_signed_mode_refuses_plain_calls_with_the_anti_bot_error(client, demo, session):
    demo.configure(sc_signed=True)
    with pytest.raises(AntiBotRefused) as refused:
        client.conversation_list(session)
    assert refused.value.code == "90309999" and "page" in str(refused.value)
    with pytest.raises(AntiBotRefused):
        client.chat_login(session)


def test_a_tw_shop_refused_on_the_open_platform_still_sends_through_seller_centre(client, demo, session):
    config = demo.configure(tw_send_refused=True)
    caller = Caller(demo.url, partner_id=config["partner_id"], partner_key=config["partner_key"])
    op = caller.shop_session(SHOP_ID, demo.authorize_code(SHOP_ID))
    conversation = client.conversation_list(session).conversations[0]
    refused = op.post(
        "/api/v2/sellerchat/send_message",
        {"to_id": int(conversation.buyer_id), "message_type": "text", "content": {"text": "您好"}},
    ).json()
    assert refused["error"] == "region_not_supported"
    sent = reply(client, session, conversation, "您好")
    assert [d["message_id"] for d in demo.deliveries()] == [sent.message_id]


def test_the_open_platform_face_refuses_tw_sends_by_default_as_documented():
    from shopee.sandbox import Sandbox

    assert Sandbox(partner_id=1, partner_key="k").configure()["tw_send_refused"] is True

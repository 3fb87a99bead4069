"""Made for a team, on the server: who else has a conversation open or is typing (in the shared
cache), the question before a second answer to one buyer, quick replies filled in for the buyer,
the 新增 link's admin, and each person's switch for desktop notifications."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from chat.models import InboxSettings, QuickReply
from inbox import presence
from outbox.models import OutgoingMessage
from outbox.placeholders import conversation_values, render_known
from tests.factories import ConversationFactory, MessageFactory, OrderFactory
from tests.inbox.helpers import HTMX, pane

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_presence():
    cache.clear()  # the test's own cache (Redis DB of this worktree or the var/ file cache)
    yield


@pytest.fixture
def conv(own_shop):
    return ConversationFactory(
        shop=own_shop,
        buyer_name="小明",
        last_message_at=timezone.now() - timedelta(minutes=5),
        last_message_from_buyer=True,
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def beat(client, conv, **data):
    return client.post(f"/chat/c/{conv.pk}/presence/", data, **HTMX)


def seen_at(html: str) -> str:
    return re.search(r'name="seen_at" value="(\d+)"', html).group(1)


def send(client, conv, text, *, seen, key="reply:mine", **extra):
    data = {"text": text, "idempotency_key": key, "seen_at": seen, **extra}
    return client.post(f"/chat/c/{conv.pk}/send/", data, **HTMX)


# -- who else is here -----------------------------------------------------------------------------


def test_presence_lives_in_a_cache_every_process_shares():
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend.endswith(("RedisCache", "FileBasedCache")), backend  # never one process's memory


def test_colleagues_see_who_else_has_the_conversation_open_and_who_is_typing(
    conv, salesperson, manager, other_staff
):
    mine, boss = signed_in(salesperson), signed_in(manager)

    alone = beat(mine, conv)
    assert alone.status_code == 200 and "也在看" not in alone.text

    beat(boss, conv)
    seen_by_me = beat(mine, conv).text
    assert "主管 也在看這段對話" in seen_by_me
    assert "小美" not in seen_by_me  # never oneself
    assert "小美 也在看這段對話" in beat(boss, conv).text

    beat(mine, conv, typing="1")
    assert "小美 正在輸入…" in beat(boss, conv).text
    beat(mine, conv, typing="0")  # stopped typing: still there, no longer typing
    assert "小美 也在看這段對話" in beat(boss, conv).text

    mine.post(f"/chat/c/{conv.pk}/presence/", {"leave": "1"}, **HTMX)
    assert "小美" not in beat(boss, conv).text

    # A conversation of a shop they do not see: no beat, no names.
    assert beat(signed_in(other_staff), conv).status_code == 404


def test_a_person_whose_pane_stopped_beating_is_gone(conv, salesperson, manager):
    presence.presence_beat(conversation_pk=conv.pk, user=salesperson, typing=True)
    key = f"inbox:presence:{conv.pk}:{salesperson.pk}"
    name, _seen, typing_until = cache.get(key)
    cache.set(key, (name, _seen - presence.VIEWING_SECONDS - 1, typing_until), 60)  # beat 7 s ago

    assert presence.colleagues_in(conversation_pk=conv.pk, user=manager) == []


def test_the_pane_beats_from_the_moment_it_opens(staff_client, conv):
    html = pane(staff_client, conv)
    assert f'hx-post="/chat/c/{conv.pk}/presence/"' in html
    assert 'hx-trigger="load, every 2s, presence:typing"' in html


# -- no second answer unasked -------------------------------------------------------------------


def test_a_colleagues_reply_since_opening_is_asked_about_before_a_second_one(conv, salesperson, manager):
    mine, boss = signed_in(salesperson), signed_in(manager)
    opened = seen_at(pane(mine, conv))
    boss_opened = seen_at(pane(boss, conv))
    assert send(boss, conv, "您好,今天出貨", seen=boss_opened, key="reply:boss").status_code == 200

    asked = send(mine, conv, "您好,明天出貨", seen=opened)

    assert asked.status_code == 200
    assert asked["HX-Retarget"] == "#composer-question"
    assert re.search(r"主管 剛在 \d+ 秒前回覆了這位買家。", asked.text)
    assert "您好,今天出貨" in asked.text  # what they said
    assert "仍要傳送" in asked.text and "取消" in asked.text
    assert list(OutgoingMessage.objects.values_list("text", flat=True)) == ["您好,今天出貨"]  # nothing queued

    sent = send(mine, conv, "您好,明天出貨", seen=opened, confirm="1")

    assert sent.status_code == 200 and "HX-Retarget" not in sent
    assert OutgoingMessage.objects.filter(text="您好,明天出貨", queued_by=salesperson).count() == 1
    # The fresh composer starts from now: the same colleague's reply is not asked about again.
    assert send(mine, conv, "還有問題嗎?", seen=seen_at(sent.text), key="reply:next").status_code == 200
    assert OutgoingMessage.objects.filter(text="還有問題嗎?").exists()


def test_ones_own_replies_and_those_before_opening_ask_nothing(conv, salesperson, manager):
    mine, boss = signed_in(salesperson), signed_in(manager)
    send(boss, conv, "稍早的回覆", seen=seen_at(pane(boss, conv)), key="reply:boss")
    opened = seen_at(pane(mine, conv))
    send(mine, conv, "第一則", seen=opened, key="reply:1")

    second = send(mine, conv, "第二則", seen=opened, key="reply:2")

    assert "HX-Retarget" not in second
    assert OutgoingMessage.objects.filter(queued_by=salesperson).count() == 2


def test_an_answer_typed_in_seller_centre_is_asked_about_but_shopees_auto_reply_is_not(conv, salesperson):
    mine = signed_in(salesperson)
    opened = seen_at(pane(mine, conv))
    MessageFactory(conversation=conv, from_buyer=False, text="您好,本店休息中", status="offwork_autoreply")

    assert "HX-Retarget" not in send(mine, conv, "在的", seen=opened, key="reply:1")

    opened = seen_at(pane(mine, conv))
    MessageFactory(conversation=conv, from_buyer=False, text="賣家中心:已出貨")
    asked = send(mine, conv, "今天會寄出", seen=opened, key="reply:2")

    assert "有人在蝦皮賣家中心 剛在" in asked.text and "賣家中心:已出貨" in asked.text
    assert not OutgoingMessage.objects.filter(text="今天會寄出").exists()


def test_without_htmx_the_question_comes_in_the_page(conv, salesperson, manager):
    mine, boss = signed_in(salesperson), signed_in(manager)
    opened = seen_at(pane(mine, conv))
    send(boss, conv, "已回覆", seen=seen_at(pane(boss, conv)), key="reply:boss")

    page = mine.post(
        f"/chat/c/{conv.pk}/send/", {"text": "我也回", "idempotency_key": "k", "seen_at": opened}
    )

    assert page.status_code == 200 and "主管 剛在" in page.text and ">我也回</textarea>" in page.text
    assert not OutgoingMessage.objects.filter(text="我也回").exists()


@pytest.mark.parametrize("seen", ["yesterday", "-5", "99999999999999999999"])
def test_a_bad_seen_time_is_refused_and_queues_nothing(staff_client, conv, seen):
    answer = send(staff_client, conv, "您好", seen=seen)

    assert answer.status_code == 200 and "頁面已過期：請重新整理後再傳送。" in answer.text
    assert not OutgoingMessage.objects.exists()


# -- quick replies filled in for the buyer ---------------------------------------------------


def test_quick_replies_are_filled_from_the_conversation_and_show_what_the_buyer_has_no_value_for(
    staff_client, conv, own_shop
):
    OrderFactory(shop=own_shop, order_sn="2412010001", buyer_user_id=conv.buyer_id, tracking_number="")
    QuickReply.objects.create(
        title="出貨",
        text="[買家名稱] 您好,訂單 [訂單單號] 的物流單號是 [物流單號]。[賣場名稱] 敬上",
        shop=own_shop,
    )

    html = pane(staff_client, conv)

    assert 'data-text="小明 您好,訂單 2412010001 的物流單號是 [物流單號]。我的測試賣場 敬上"' in html
    assert 'data-empty="[物流單號]"' in html
    assert "在訊息框輸入 / 即可挑選。" in html

    # Sent as it is, the gap is refused in words and nothing is queued.
    refused = send(staff_client, conv, "訂單 2412010001 的物流單號是 [物流單號]", seen=seen_at(html))
    assert "[物流單號]" in refused.text and 'id="reply-errors"' in refused.text
    assert not OutgoingMessage.objects.exists()


def test_placeholders_in_a_chat_follow_the_notices_rules(conv, own_shop):
    without_order = conversation_values(conv, None)
    order = OrderFactory(shop=own_shop, order_sn="2412010002", tracking_number="TW123", buyer_username="ming")

    assert render_known("[買家名稱],[賣場名稱],[訂單單號]", without_order) == (
        "小明,我的測試賣場,[訂單單號]",
        ["[訂單單號]"],
    )
    assert render_known("[物流單號]/[寄件編號] [訂單單號]", conversation_values(conv, order)) == (
        "TW123/TW123 2412010002",
        [],
    )
    # Unknown bracketed words and full-width brackets stay as written, and are no gap.
    assert render_known("【贈品】[不存在]", without_order) == ("【贈品】[不存在]", [])


def test_staff_add_quick_replies_for_their_shops_from_the_inbox_link(
    staff_client, conv, own_shop, others_shop
):
    html = pane(staff_client, conv)
    link = re.search(r'class="quick-add" href="([^"]+)"', html).group(1).replace("&amp;", "&")

    form = staff_client.get(link)
    assert form.status_code == 200
    assert form.context["adminform"].form.initial["shop"] == str(own_shop.pk)

    added = staff_client.post(
        link, {"title": "到貨", "text": "[買家名稱] 您好", "shop": own_shop.pk, "position": 0}
    )
    theirs = staff_client.post(link, {"title": "別家", "text": "您好", "shop": others_shop.pk, "position": 0})

    assert added.status_code == 302
    assert theirs.status_code == 200 and theirs.context["adminform"].form.errors["shop"]
    assert list(QuickReply.objects.values_list("title", "shop")) == [("到貨", own_shop.pk)]
    assert "到貨" in pane(staff_client, conv)


# -- desktop notifications -------------------------------------------------------------------


def test_desktop_notifications_are_switched_on_and_off_per_person(staff_client, salesperson, manager, conv):
    assert "桌面通知：關" in staff_client.get("/chat/").text

    switched = staff_client.post("/chat/alerts/", {"on": "1"}, **HTMX)

    assert switched.status_code == 200 and "桌面通知：開" in switched.text and 'data-on="1"' in switched.text
    assert InboxSettings.objects.get(user=salesperson).desktop_alerts is True
    assert "桌面通知：開" in staff_client.get("/chat/").text
    assert "桌面通知：關" in signed_in(manager).get("/chat/").text  # their own choice, not mine

    assert staff_client.post("/chat/alerts/", {"on": "yes"}, **HTMX).status_code == 400
    assert InboxSettings.objects.get(user=salesperson).desktop_alerts is True  # unchanged
    staff_client.post("/chat/alerts/", {"on": "0"}, **HTMX)
    assert InboxSettings.objects.get(user=salesperson).desktop_alerts is False


def test_rows_worth_a_notification_are_mine_or_unassigned_with_the_buyer_last(
    staff_client, salesperson, manager, own_shop
):
    def row(name, **fields):
        return ConversationFactory(
            shop=own_shop, buyer_name=name, last_message_at=timezone.now() - timedelta(minutes=1), **fields
        )

    row("未指派", last_message_from_buyer=True)
    row("我的", last_message_from_buyer=True, assignee=salesperson)
    row("主管的", last_message_from_buyer=True, assignee=manager)
    row("已回覆", last_message_from_buyer=False)

    html = staff_client.get("/chat/").text

    assert sorted(re.findall(r'class="conv-alert" hidden data-buyer="([^"]+)"', html)) == ["我的", "未指派"]
    assert "inbox/alert.wav" in html

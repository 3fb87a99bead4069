"""The inbox pages as the server renders them: filters, permissions, the conversation pane,
replies through the outbox, live updates, and a query count that does not grow with rows."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import REASON_REVOKED, Shop, ShopSync
from chat import services, sync
from chat.models import Conversation, Message, QuickReply
from inbox.forms import QuickReplyForm
from outbox.models import OutgoingMessage
from telemetry.health import HEARTBEAT_KEY
from tests.chat.helpers import busy_chat, buyer_id, remote_conversations, verified_shop
from tests.factories import (
    ConversationFactory,
    MessageFactory,
    OrderFactory,
    OutgoingMessageFactory,
    ShopFactory,
)
from tests.inbox.helpers import HTMX, buyers_listed, buyers_on_every_page, list_poll_url, pane

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


def conversation(
    shop: Shop,
    *,
    name: str = "小明",
    ago: timedelta = timedelta(hours=1),
    at: datetime | None = None,
    unread: int = 0,
    last_from_buyer: bool = True,
    text: str = "請問有貨嗎?",
    messages: int = 1,
) -> Conversation:
    """A stored conversation whose last message was `ago` ago (or `at`), with `messages` messages."""
    number = next(_ids)
    at = at or timezone.now() - ago
    conv = ConversationFactory(
        shop=shop,
        conversation_id=str(10**17 + number),
        buyer_id=buyer_id(number),
        buyer_name=name,
        unread_count=unread,
        last_message_at=at,
        last_message_ns=int(at.timestamp()) * 10**9,
        last_message_text=text,
        last_message_from_buyer=last_from_buyer,
    )
    Message.objects.bulk_create(
        MessageFactory.build(
            conversation=conv,
            message_id=f"{number}{n:05d}",
            from_buyer=n % 2 == 0 or n == messages - 1,
            text=text if n == messages - 1 else f"第{n}則",
            created_at=at - timedelta(seconds=messages - n),
        )
        for n in range(messages)
    )
    return conv


def outgoing(conv: Conversation, text: str = "馬上處理", **fields) -> OutgoingMessage:
    """One of our replies to the conversation's buyer, as the outbox keeps it."""
    return OutgoingMessageFactory(
        shop=conv.shop, conversation=conv, buyer_id=conv.buyer_id, text=text, **fields
    )


def seller_message(conv: Conversation, text: str, at: datetime) -> Message:
    """A message of ours as pulled from Shopee (sent through the API or typed in Seller Centre)."""
    return MessageFactory(conversation=conv, from_buyer=False, text=text, created_at=at)


def local_noon(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=12))


# -- the list and its filters ------------------------------------------------------------------


def test_default_range_is_the_last_7_days_newest_first(staff_client, own_shop):
    today = timezone.localdate()
    conversation(own_shop, name="上週的", at=local_noon(today - timedelta(days=6)))
    conversation(own_shop, name="剛剛的", ago=timedelta(minutes=1))
    conversation(own_shop, name="八天前的", at=local_noon(today - timedelta(days=7)))

    response = staff_client.get("/chat/")

    assert response.status_code == 200
    assert buyers_listed(response) == ["剛剛的", "上週的"]
    assert f'value="{today - timedelta(days=6):%Y-%m-%d}"' in response.content.decode()


def test_date_range_picks_buyers_active_in_it(staff_client, own_shop):
    conversation(own_shop, name="上個月的", ago=timedelta(days=30))
    conversation(own_shop, name="剛剛的", ago=timedelta(minutes=5))
    day = timezone.localdate() - timedelta(days=30)

    response = staff_client.get(
        "/chat/",
        {"last_from": day - timedelta(days=1), "last_to": day + timedelta(days=1)},
        **HTMX,
        HTTP_HX_TARGET="conversation-list",
    )

    assert buyers_listed(response) == ["上個月的"]
    assert "<html" not in response.content.decode()  # just the list


def test_unread_unreplied_shop_and_search_filters(staff_client, salesperson, own_shop):
    second = ShopFactory(
        verified=True, shop_id="405512873", account="tmsgadget", name="3C小舖", salesperson=salesperson
    )
    conversation(own_shop, name="未讀的", unread=2)
    conversation(own_shop, name="已回覆的", last_from_buyer=False, text="好的,已出貨")
    conversation(second, name="另一家的", text="耳機壞了")

    def listed(**query):
        return sorted(buyers_listed(staff_client.get("/chat/", query)))

    assert listed(unread="on") == ["未讀的"]
    assert listed(unreplied="on") == ["另一家的", "未讀的"]
    assert listed(shop=second.pk) == ["另一家的"]
    assert listed(q="耳機") == ["另一家的"]  # message text
    assert listed(q="已回覆") == ["已回覆的"]  # buyer name


def test_staff_see_only_their_shops_and_others_conversations_answer_404(
    client, other_staff, manager, own_shop, others_shop
):
    mine = conversation(own_shop, name="我的買家")
    theirs = conversation(others_shop, name="別人的買家")
    client.force_login(other_staff)

    assert buyers_listed(client.get("/chat/")) == ["別人的買家"]
    assert client.get(f"/chat/c/{mine.pk}/", **HTMX).status_code == 404
    assert client.get(f"/chat/?c={mine.pk}").status_code == 404
    assert client.get(f"/chat/c/{mine.pk}/updates/").status_code == 404
    assert (
        client.post(f"/chat/c/{mine.pk}/send/", {"text": "hi", "idempotency_key": "k1"}, **HTMX).status_code
        == 404
    )
    assert client.post(f"/chat/c/{mine.pk}/read/").status_code == 404
    assert not OutgoingMessage.objects.exists()
    client.force_login(manager)
    assert sorted(buyers_listed(client.get("/chat/"))) == ["別人的買家", "我的買家"]
    assert client.get(f"/chat/c/{theirs.pk}/", **HTMX).status_code == 200


def test_signed_out_visitor_is_sent_to_sign_in(client, own_shop):
    conv = conversation(own_shop)
    assert client.get("/chat/").status_code == 302
    assert client.post(f"/chat/c/{conv.pk}/send/", {"text": "hi", "idempotency_key": "k"}).status_code == 302
    assert not OutgoingMessage.objects.exists()


def test_list_pages_through_thousands_without_repeating_anyone(staff_client, own_shop):
    for n in range(120):
        conversation(own_shop, name=f"買家{n:03d}", ago=timedelta(minutes=n))
    first = staff_client.get("/chat/")

    assert buyers_on_every_page(staff_client, first) == [f"買家{n:03d}" for n in range(120)]
    assert "共 120 位買家" in first.content.decode()


def test_a_busy_range_is_counted_up_to_a_limit_and_said_to_be_over_it(staff_client, own_shop, settings):
    settings.CHAT_LIST_COUNT_MAX = 100
    for n in range(101):
        conversation(own_shop, name=f"買家{n:03d}", ago=timedelta(minutes=n))
    over = staff_client.get("/chat/")
    assert "超過 100 位買家" in over.content.decode()
    assert len(buyers_on_every_page(staff_client, over)) == 101  # every one is still listed

    Conversation.objects.filter(buyer_name="買家100").delete()
    assert "共 100 位買家" in staff_client.get("/chat/").content.decode()


def test_list_and_pane_run_the_same_number_of_queries_however_many_rows(staff_client, own_shop):
    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(path, **HTMX).status_code == 200
        return len(captured)

    few = [conversation(own_shop, messages=3) for _ in range(3)]
    list_few, pane_few = queries("/chat/"), queries(f"/chat/c/{few[0].pk}/")
    many = [conversation(own_shop, messages=250) for _ in range(60)]
    OrderFactory(shop=own_shop, order_sn="2411270001", status="SHIPPED", buyer_user_id=many[0].buyer_id)
    QuickReply.objects.create(title="感謝", text="感謝您的訂單 [訂單單號]")

    assert queries("/chat/") == list_few
    assert queries(f"/chat/c/{many[0].pk}/") == pane_few


@pytest.mark.django_db(transaction=True)  # the list's horizon waits for running transactions
def test_list_tells_what_changed_since_it_last_looked(staff_client, own_shop):
    conv = conversation(own_shop, name="小明")
    page = staff_client.get("/chat/").content.decode()
    poll = list_poll_url(page)

    assert staff_client.get(poll).status_code == 204  # nothing new

    Conversation.objects.filter(pk=conv.pk).update(last_message_text="新的留言", updated_at=timezone.now())
    changed = staff_client.get(poll)
    assert changed.status_code == 200 and "新的留言" in changed.content.decode()


def test_empty_inbox_says_why_it_is_empty(staff_client, salesperson):
    assert "目前沒有指派給你的賣場帳號" in staff_client.get("/chat/").content.decode()

    shop = ShopFactory(shop_id="242826267", account="ktmst", name="我的測試賣場", salesperson=salesperson)
    assert "尚無已驗證的賣場帳號" in staff_client.get("/chat/").content.decode()

    Shop.objects.filter(pk=shop.pk).update(state=Shop.State.VERIFIED)
    assert "這段期間沒有聊聊" in staff_client.get("/chat/").content.decode()


def test_end_date_before_start_date_is_refused_with_the_reason_and_lists_nobody(staff_client, own_shop):
    conversation(own_shop, name="小明")
    today = timezone.localdate()

    response = staff_client.get(
        "/chat/",
        {"last_from": today, "last_to": today - timedelta(days=3)},
        **HTMX,
        HTTP_HX_TARGET="conversation-list",
    )

    body = response.content.decode()
    assert 'role="alert"' in body and "結束日期早於開始日期" in body
    assert buyers_listed(response) == [] and "list/changes" not in body


# -- the conversation pane ---------------------------------------------------------------------


def test_pane_shows_the_300_newest_messages_and_older_ones_on_demand(staff_client, own_shop):
    conv = conversation(own_shop, messages=350, text="最新的一則")
    body = staff_client.get(f"/chat/c/{conv.pk}/", **HTMX).content.decode()

    assert body.count('class="msg ') == 300
    assert "第49則" not in body and "第50則" in body and "最新的一則" in body
    older = re.search(r'hx-get="(/chat/c/\d+/older/\?before=\d+)"', body).group(1)
    rest = staff_client.get(older).content.decode()
    assert rest.count('class="msg ') == 50 and "第0則" in rest and "/older/" not in rest


def test_buyer_text_is_shown_as_text_never_as_markup(staff_client, own_shop):
    conv = conversation(own_shop, text='<script>alert("x")</script><b>粗體</b> 😀')

    body = staff_client.get(f"/chat/c/{conv.pk}/", **HTMX).content.decode()

    assert "<script>alert" not in body and "<b>粗體" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;粗體&lt;/b&gt; 😀" in body


def test_times_are_shown_in_taipei(staff_client, own_shop):
    conv = conversation(own_shop)
    Message.objects.filter(conversation=conv).update(created_at=datetime(2026, 11, 26, 16, 30, tzinfo=UTC))

    body = staff_client.get(f"/chat/c/{conv.pk}/", **HTMX).content.decode()

    assert "11/27 00:30" in body  # 16:30 UTC is half past midnight in Taipei


def test_buyers_orders_and_quick_replies_sit_beside_the_conversation(staff_client, own_shop):
    conv = conversation(own_shop)
    OrderFactory(
        shop=own_shop,
        order_sn="241127ABCD",
        status="SHIPPED",
        buyer_user_id=conv.buyer_id,
        total_amount=1234,
        shipping_carrier="7-ELEVEN",
        tracking_number="TW123456789",
    )
    QuickReply.objects.create(title="出貨通知", text="您的訂單:[訂單單號] 已出貨")

    body = staff_client.get(f"/chat/c/{conv.pk}/", **HTMX).content.decode()

    for shown in ("241127ABCD", "NT$1,234", "7-ELEVEN", "TW123456789", "已出貨", "出貨通知"):
        assert shown in body
    assert 'data-text="您的訂單:241127ABCD 已出貨"' in body  # placeholder filled from the newest order


def test_opening_an_unread_conversation_reads_it_here_and_on_shopee(
    sandbox, salesperson, staff_client, eager_tasks, django_capture_on_commit_callbacks
):
    shop = verified_shop(sandbox, salesperson)
    busy_chat(sandbox, shop, conversations=2, long_messages=4)
    sync.chat_sync_shop(shop=shop)
    conv = Conversation.objects.get(shop=shop, buyer_id=buyer_id(0))
    assert conv.unread_count > 0
    body = staff_client.get(f"/chat/c/{conv.pk}/", **HTMX).content.decode()
    read_url = re.search(r'hx-post="(/chat/c/\d+/read/)" hx-trigger="load"', body).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(read_url, **HTMX)

    assert response.status_code == 204 and "chat:read" in response["HX-Trigger"]
    conv.refresh_from_db()
    assert conv.unread_count == 0
    assert remote_conversations(sandbox, shop)[conv.conversation_id]["unread_count"] == 0


# -- replying ------------------------------------------------------------------------------------


def test_reply_is_queued_and_shown_at_once_as_not_yet_sent(
    staff_client, own_shop, django_capture_on_commit_callbacks
):
    conv = conversation(own_shop)

    response = staff_client.post(
        f"/chat/c/{conv.pk}/send/", {"text": "您好,今天出貨 <b>", "idempotency_key": "reply:1"}, **HTMX
    )

    body = response.content.decode()
    queued = OutgoingMessage.objects.get()
    assert (queued.text, queued.conversation, queued.origin, queued.state) == (
        "您好,今天出貨 <b>",
        conv,
        "reply",
        "queued",
    )
    assert f'id="out-{queued.pk}"' in body and "state-queued" in body and "&lt;b&gt;" in body
    assert 'hx-swap-oob="true"' in body
    assert (
        'name="idempotency_key"' in body and 'value="reply:1"' not in body
    )  # a fresh form for the next message


def test_double_submitted_reply_is_queued_once(staff_client, own_shop):
    conv = conversation(own_shop)
    for _ in range(2):
        staff_client.post(
            f"/chat/c/{conv.pk}/send/", {"text": "好的", "idempotency_key": "reply:same"}, **HTMX
        )

    assert OutgoingMessage.objects.count() == 1


@pytest.mark.parametrize(
    "text, reason",
    [("", "請先輸入訊息"), ("字" * 601, "601"), ("您的訂單 [訂單單號]", "[訂單單號]")],
    ids=["empty", "too long", "placeholder without order"],
)
def test_refused_reply_shows_the_reason_keeps_the_text_and_queues_nothing(
    staff_client, own_shop, text, reason
):
    conv = conversation(own_shop)

    body = staff_client.post(
        f"/chat/c/{conv.pk}/send/", {"text": text, "idempotency_key": "reply:x"}, **HTMX
    ).content.decode()

    assert reason in body and 'role="alert"' in body
    assert text in body
    assert not OutgoingMessage.objects.exists()


@pytest.mark.parametrize("queued_in_conversation", [True, False], ids=["reply", "notice queued by buyer"])
def test_failed_message_shows_why_and_retry_queues_it_again(staff_client, own_shop, queued_in_conversation):
    conv = conversation(own_shop)
    failed = OutgoingMessageFactory(
        shop=own_shop,
        conversation=conv if queued_in_conversation else None,
        buyer_id=conv.buyer_id,
        text="在嗎",
        origin="reply" if queued_in_conversation else "batch_notice",
        state=OutgoingMessage.State.FAILED,
        error_code="reach_5_message_limit",
    )
    body = staff_client.get(f"/chat/c/{conv.pk}/", **HTMX).content.decode()
    assert "state-failed" in body and f"/chat/outgoing/{failed.pk}/retry/" in body
    assert "買家回覆後才能再傳送" in body  # the 5-message rule, in the reader's words

    retried = staff_client.post(f"/chat/outgoing/{failed.pk}/retry/", **HTMX)

    failed.refresh_from_db()
    assert failed.state == OutgoingMessage.State.QUEUED
    assert f'id="out-{failed.pk}"' in retried.content.decode() and "state-queued" in retried.content.decode()


def test_open_conversation_learns_of_new_messages_and_delivered_replies(staff_client, own_shop):
    conv = conversation(own_shop)
    body = staff_client.get(f"/chat/c/{conv.pk}/", **HTMX).content.decode()
    poll = re.search(r'hx-get="(/chat/c/\d+/updates/[^"]+)"', body).group(1).replace("&amp;", "&")
    assert staff_client.get(poll).status_code == 204  # nothing changed

    queued = outgoing(conv, "馬上處理")
    pending = staff_client.get(poll).content.decode()
    assert "state-queued" in pending and "馬上處理" in pending

    # Delivered: the outbox records the Shopee message and marks the row sent.
    services.chat_message_store(
        shop=own_shop,
        raw={
            "message_id": "999001",
            "conversation_id": conv.conversation_id,
            "from_shop_id": own_shop.shop_id,
            "to_id": conv.buyer_id,
            "content": {"text": "馬上處理"},
            "created_timestamp": int(timezone.now().timestamp()),
        },
    )
    OutgoingMessage.objects.filter(pk=queued.pk).update(
        state=OutgoingMessage.State.SENT, shopee_message_id="999001"
    )
    delivered = staff_client.get(poll).content.decode()
    assert 'hx-swap-oob="beforeend:#thread"' in delivered
    assert "from-seller" in delivered and "state-queued" not in delivered
    next_poll = re.search(r'hx-get="(/chat/c/\d+/updates/[^"]+)"', delivered).group(1).replace("&amp;", "&")
    assert staff_client.get(next_poll).status_code == 204


def test_reply_in_doubt_is_shown_once_when_its_message_arrived_from_shopee(staff_client, own_shop):
    conv = conversation(own_shop)
    doubt = timezone.now() - timedelta(minutes=2)
    arrived = outgoing(conv, "已幫您改好地址", doubt_since=doubt, attempts=1)
    not_arrived = outgoing(conv, "明天出貨", doubt_since=doubt, attempts=1)
    same_text_earlier = outgoing(conv, "謝謝", doubt_since=doubt, attempts=1)
    # The pull brought what Shopee has: the first reply (a clock a few seconds apart), and an
    # older "謝謝" that cannot be the in-doubt one.
    seller_message(conv, "已幫您改好地址", doubt - timedelta(seconds=5))
    seller_message(conv, "謝謝", doubt - timedelta(minutes=5))

    body = pane(staff_client, conv)

    assert f'id="out-{arrived.pk}"' not in body
    assert body.count("已幫您改好地址") == 1  # the delivered message, not a red copy
    assert f'id="out-{not_arrived.pk}"' in body and f'id="out-{same_text_earlier.pk}"' in body


def test_reply_in_doubt_stays_red_when_its_text_arrived_as_another_replys_delivery(staff_client, own_shop):
    conv = conversation(own_shop)
    delivered = seller_message(conv, "好的", timezone.now())
    outgoing(conv, "好的", state=OutgoingMessage.State.SENT, shopee_message_id=delivered.message_id)
    in_doubt = outgoing(conv, "好的", doubt_since=timezone.now() - timedelta(seconds=30), attempts=1)

    assert f'id="out-{in_doubt.pk}"' in pane(staff_client, conv)


def test_queued_reply_nobody_delivers_says_the_sending_service_is_down(staff_client, own_shop):
    conv = conversation(own_shop)
    stuck = outgoing(conv, "請問要改哪一天?", next_attempt_at=timezone.now() - timedelta(minutes=3))
    fresh = outgoing(conv, "剛剛才排的")
    cache.set(HEARTBEAT_KEY, (timezone.now() - timedelta(minutes=10)).isoformat())

    body = pane(staff_client, conv)

    stuck_row = body[body.index(f'id="out-{stuck.pk}"') : body.index(f'id="out-{fresh.pk}"')]
    assert "傳送服務目前沒有在執行" in stuck_row and 'href="/status/"' in stuck_row
    assert "尚未送出(排程中)" in body[body.index(f'id="out-{fresh.pk}"') :]

    cache.set(HEARTBEAT_KEY, timezone.now().isoformat())  # the worker is back, but slow
    assert "已等待 3 分鐘" in pane(staff_client, conv)


def test_reply_waiting_to_be_tried_again_says_why_and_when(staff_client, own_shop):
    conv = conversation(own_shop)
    again = timezone.now() + timedelta(minutes=2)
    outgoing(
        conv,
        attempts=2,
        error_code=OutgoingMessage.Problem.UNREACHABLE,
        last_error="connection reset",
        next_attempt_at=again,
    )

    body = pane(staff_client, conv)

    assert "無法連線" in body and "connection reset" in body
    assert f"將於 {timezone.localtime(again):%H:%M} 自動重試" in body


def test_conversation_of_a_revoked_shop_says_replies_wait_for_verification(staff_client, own_shop):
    conv = conversation(own_shop)
    Shop.objects.filter(pk=own_shop.pk).update(state=Shop.State.EXPIRED, state_reason=REASON_REVOKED)

    body = pane(staff_client, conv)
    listed = staff_client.get("/chat/").content.decode()

    assert "此賣場的蝦皮API授權為「已失效」" in body and "賣家已在蝦皮取消授權" in body
    assert f'href="/shops/{own_shop.pk}/"' in body
    assert "蝦皮API授權：已失效" in listed


def test_a_late_pulled_older_message_is_sent_to_the_open_pane_once(staff_client, own_shop):
    conv = conversation(own_shop, messages=2)
    body = pane(staff_client, conv)
    poll = re.search(r'hx-get="(/chat/c/\d+/updates/[^"]+)"', body).group(1).replace("&amp;", "&")
    newest = Message.objects.filter(conversation=conv).latest("created_at")
    buyer_now = MessageFactory(
        conversation=conv, text="在嗎", created_at=newest.created_at + timedelta(minutes=5)
    )
    centre = seller_message(conv, "賣家中心先回了", newest.created_at + timedelta(minutes=1))

    update = staff_client.get(poll).content.decode()

    assert update.index(f'id="msg-{centre.pk}"') < update.index(f'id="msg-{buyer_now.pk}"')
    assert f'data-at="{int(centre.created_at.timestamp())}"' in update  # the page places it by time
    next_poll = re.search(r'hx-get="(/chat/c/\d+/updates/[^"]+)"', update).group(1).replace("&amp;", "&")
    assert staff_client.get(next_poll).status_code == 204


def test_history_pulled_after_a_pushed_message_is_not_sent_again_to_the_open_pane(staff_client, own_shop):
    # The buyer's message came by push; the pull then stored 320 older ones, with higher ids.
    conv = conversation(own_shop, messages=1, text="最新的一則")
    newest = Message.objects.get(conversation=conv)
    Message.objects.bulk_create(
        Message(
            shop=own_shop,
            conversation=conv,
            message_id=f"77{n:05d}",
            from_buyer=True,
            text=f"歷史{n}",
            created_at=newest.created_at - timedelta(minutes=n + 1),
        )
        for n in range(320)
    )
    body = pane(staff_client, conv)
    poll = re.search(r'hx-get="(/chat/c/\d+/updates/[^"]+)"', body).group(1).replace("&amp;", "&")

    assert "歷史298" in body and "歷史299" not in body  # the 300 newest
    assert staff_client.get(poll).status_code == 204


def test_quick_reply_with_an_unknown_placeholder_or_too_long_is_refused():
    def errors(text):
        form = QuickReplyForm({"title": "出貨", "text": text, "position": 0})
        return form.errors.get("text", [])

    assert errors("您的訂單 [訂單單號] 已出貨") == []
    assert "[訂單編號]" in errors("您的訂單 [訂單編號] 已出貨")[0]
    assert "601" in errors("字" * 601)[0]


# -- status ----------------------------------------------------------------------------------------


def test_status_page_shows_each_shops_last_pull_lag_and_error(staff_client, own_shop, others_shop):
    ShopSync.objects.create(
        shop=own_shop,
        kind=ShopSync.Kind.CHAT,
        last_success_at=timezone.now() - timedelta(seconds=42),
        last_error_code="error_server",
        last_error="error_server: boom",
        last_error_at=timezone.now(),
    )

    body = staff_client.get("/status/").content.decode()

    assert "與蝦皮同步" in body and "ktmst" in body and "42" in body
    assert "[聊聊] 蝦皮內部發生錯誤" in body and 'title="詳細內容： error_server: boom"' in body
    assert "tmsbaby" not in body  # another salesperson's shop

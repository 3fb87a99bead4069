"""批次通知 against the sandbox over HTTP: placeholders, what the preview shows before anything is
sent, one message per buyer counted on the sandbox, double submission, a shop whose chat lapses
mid-batch, and the inbox's replies going before a batch."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest
from django.urls import reverse

from accounts.models import Shop
from chat.models import Conversation
from chat.sync import chat_sync_shop
from notifications.models import NoticeBatch
from notifications.services import notice_plan, plan_orders
from outbox.claim import claim_due
from outbox.delivery import outbox_deliver_due
from outbox.models import OutgoingMessage
from tests.notifications.helpers import deliver_all, new_buyer, pull, remote_order, select
from tests.outbox.helpers import queue, verify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks", "require_postgres")]

State = OutgoingMessage.State


def compose(client, text: str, *, action: str = "preview", combine: bool = True, token: str | None = None):
    page = client.get(reverse("notifications:compose"))
    token = token or page.context["form"]["token"].value()
    data = {"token": token, "text": text, "action": action}
    if combine:
        data["combine"] = "on"
    return client.post(reverse("notifications:compose"), data)


def confirm(client, text: str, *, combine: bool = True):
    """Preview, then press the confirm button of that preview (with its token)."""
    preview = compose(client, text, combine=combine)
    token = preview.context["form"]["token"].value()
    data = {"token": token, "text": text, "action": "confirm"}
    if combine:
        data["combine"] = "on"
    return client.post(reverse("notifications:compose"), data), data


def test_every_placeholder_is_filled_from_the_order(sandbox, shop, salesperson):
    remote = remote_order(
        sandbox,
        shop,
        new_buyer(),
        carrier="全家",
        items=[{"item_name": "米餅", "item_sku": "R", "quantity": 1, "price": 100}],
        shipping_fee=60,
    )
    [order] = pull(shop, [remote])
    text = "[訂單單號]|[買家帳號]|[物流方式]|[寄件編號]|[結帳金額]|[商品名稱]|[賣場名稱]"

    plan = notice_plan(orders=[order], text=text)
    as_confirmed = notice_plan(orders=plan_orders([order.pk], text=text), text=text)  # plain rows

    [message] = plan.messages
    assert message.text == (
        f"{remote['order_sn']}|{remote['buyer_username']}|全家|{remote['tracking_number']}|NT$160|米餅|{shop.name}"
    )
    assert [m.text for m in as_confirmed.messages] == [message.text]


def test_an_unknown_placeholder_is_a_form_error_naming_the_valid_ones(
    sandbox, shop, staff_client, salesperson
):
    [order] = pull(shop, [remote_order(sandbox, shop, new_buyer())])
    select(salesperson, [order])

    page = compose(staff_client, "您的訂單 [訂單編號] 已出貨", action="confirm")

    assert page.status_code == 200
    [error] = page.context["form"].errors["text"]
    assert "[訂單編號]" in error and "[訂單單號]" in error and "[賣場名稱]" in error
    assert not OutgoingMessage.objects.exists() and not NoticeBatch.objects.exists()


def test_a_missing_value_is_reported_per_order_before_sending_and_that_order_is_skipped(
    sandbox, shop, staff_client, salesperson
):
    with_number = remote_order(sandbox, shop, new_buyer())
    without = remote_order(sandbox, shop, new_buyer(), tracking_number=None)
    orders = pull(shop, [with_number, without])
    select(salesperson, orders)

    preview = compose(staff_client, "[訂單單號] 寄件編號 [寄件編號]")

    assert not OutgoingMessage.objects.exists()
    [(skipped, reason)] = preview.context["plan"].skipped
    assert skipped.order_sn == without["order_sn"] and "[寄件編號]" in reason
    assert without["order_sn"] in preview.content.decode()

    response, _data = confirm(staff_client, "[訂單單號] 寄件編號 [寄件編號]")
    deliver_all()
    texts = [d["content"]["text"] for d in sandbox.deliveries(shop_id=shop.shop_id)]
    assert texts == [f"{with_number['order_sn']} 寄件編號 {with_number['tracking_number']}"]
    result = staff_client.get(response["Location"])
    states = {row.order_sn: (row.state, row.why) for row in result.context["rows"]}
    assert states[without["order_sn"]][0] == "skipped" and "[寄件編號]" in states[without["order_sn"]][1]
    assert states[with_number["order_sn"]][0] == "sent"


def test_500_orders_over_three_shops_reach_each_buyer_once_combined(
    sandbox, make_shop, staff_client, salesperson
):
    shops = [make_shop(name, rate=1000.0) for name in ("我的測試賣場", "寶寶生活館", "3C小舖")]
    remote_by_shop = defaultdict(list)
    n = 0
    while n < 500:
        shop = shops[n % 3]
        buyer = new_buyer()
        for _k in range(1 + (n % 4 == 0) + (n % 12 == 0)):  # some buyers have two or three orders
            if n < 500:
                remote_by_shop[shop].append(remote_order(sandbox, shop, buyer))
                n += 1
    orders = [order for shop in shops for order in pull(shop, remote_by_shop[shop])]
    assert len(orders) == 500
    select(salesperson, orders)
    expected = defaultdict(set)  # (shop_id, buyer) -> order numbers
    for shop, remote in remote_by_shop.items():
        for order in remote:
            expected[(shop.shop_id, order["buyer_id"])].add(order["order_sn"])

    preview = compose(staff_client, "親愛的客戶您好:\n您的訂單:[訂單單號] 已出貨")
    per_shop = {c.shop.pk: c.messages for c in preview.context["plan"].per_shop.values()}
    assert sum(per_shop.values()) == len(expected)
    response, _data = confirm(staff_client, "親愛的客戶您好:\n您的訂單:[訂單單號] 已出貨")
    deliver_all(timeout=120)

    deliveries = sandbox.deliveries()
    received = Counter((d["shop_id"], d["buyer_id"]) for d in deliveries)
    assert received == Counter(dict.fromkeys(expected, 1))  # every buyer exactly once
    for d in deliveries:
        listed = set(re.search(r"您的訂單:(\S+) 已出貨", d["content"]["text"]).group(1).split("、"))
        assert listed == expected[(d["shop_id"], d["buyer_id"])]
        assert d["source_content"]["order_sn"] in listed  # the order attached, as Shopee expects
    result = staff_client.get(response["Location"])
    counts = {state: count for state, _label, count in result.context["counts"]}
    assert result.context["total"] == counts["sent"] == 500 and result.context["settled"]
    pages = [result] + [
        staff_client.get(response["Location"], {"page": n})
        for n in range(2, result.context["page"].paginator.num_pages + 1)
    ]
    listed = [row for page in pages for row in page.context["rows"]]
    assert {row.state for row in listed} == {"sent"} and len({row.order_sn for row in listed}) == 500


def test_the_same_batch_submitted_twice_sends_once(sandbox, shop, staff_client, client, salesperson):
    orders = pull(shop, [remote_order(sandbox, shop, new_buyer()) for _n in range(3)])
    select(salesperson, orders)
    first, data = confirm(staff_client, "[訂單單號] 已出貨")

    again = staff_client.post(reverse("notifications:compose"), data)  # double click, reload
    client.force_login(salesperson)  # another tab previewed the same before the first confirmed
    other_tab = client.post(reverse("notifications:compose"), data)
    deliver_all()

    assert first["Location"] == again["Location"] == other_tab["Location"]
    assert NoticeBatch.objects.count() == 1 and OutgoingMessage.objects.count() == 3
    assert len(sandbox.deliveries()) == 3
    back = compose(staff_client, "[訂單單號] 已出貨")  # back to the form: a new batch only if sent again
    assert back.context["batch_sent"] is False
    again_preview = staff_client.post(reverse("notifications:compose"), {**data, "action": "preview"})
    assert again_preview.context["form"]["token"].value() != data["token"]


def test_a_shop_whose_chat_lapses_mid_batch_is_held_then_delivered_once_the_others_unaffected(
    sandbox, make_shop, staff_client, salesperson, django_capture_on_commit_callbacks
):
    lapsing, steady = make_shop("寶寶生活館", rate=2.0), make_shop("3C小舖", rate=1000.0)
    orders = pull(lapsing, [remote_order(sandbox, lapsing, new_buyer()) for _n in range(6)])
    orders += pull(steady, [remote_order(sandbox, steady, new_buyer()) for _n in range(6)])
    select(salesperson, orders)
    response, _data = confirm(staff_client, "[訂單單號] 已出貨")

    outbox_deliver_due(budget_seconds=0.3)  # the lapsing shop's rate lets a couple go first
    early = len(sandbox.deliveries(shop_id=lapsing.shop_id))
    assert 0 < early < 6
    sandbox.revoke(lapsing.shop_id)
    Shop.objects.filter(pk=lapsing.pk).update(send_rate_per_second=1000.0)
    deliver_all()

    assert len(sandbox.deliveries(shop_id=steady.shop_id)) == 6
    rows = staff_client.get(response["Location"]).context["rows"]
    held = [row for row in rows if row.state == "held"]
    assert len(held) == 6 - early and {row.shop_name for row in held} == {"寶寶生活館"}

    with django_capture_on_commit_callbacks(execute=True):  # shop_verified releases the held ones
        verify(sandbox, lapsing.shop_id, salesperson, shop=Shop.objects.get(pk=lapsing.pk))
    deliver_all()

    received = Counter(d["buyer_id"] for d in sandbox.deliveries(shop_id=lapsing.shop_id))
    assert sorted(received.values()) == [1] * 6
    rows = staff_client.get(response["Location"]).context["rows"]
    assert {row.state for row in rows} == {"sent"}


def test_inbox_replies_are_claimed_before_batch_notices_of_the_same_shop(
    sandbox, shop, staff_client, salesperson
):
    orders = pull(shop, [remote_order(sandbox, shop, new_buyer()) for _n in range(20)])
    select(salesperson, orders)
    confirm(staff_client, "[訂單單號] 已出貨")
    replying = new_buyer()
    sandbox.buyer_says(shop.shop_id, "請問?", buyer_id=replying)
    reply = queue(shop, replying, "馬上處理")

    [claim] = claim_due(shop_pk=shop.pk, limit=1)

    assert claim.message.pk == reply.pk


def test_a_refused_notice_shows_its_reason_and_retry_failed_sends_it_once(
    sandbox, shop, staff_client, salesperson
):
    buyer = new_buyer()
    orders = pull(shop, [remote_order(sandbox, shop, buyer), remote_order(sandbox, shop, new_buyer())])
    for n in range(5):  # five seller messages in a row already: Shopee refuses a sixth
        sandbox.seller_centre_says(shop.shop_id, buyer, f"賣家中心訊息 {n}")
    select(salesperson, orders)
    response, _data = confirm(staff_client, "[訂單單號] 已出貨")
    deliver_all()

    rows = {row.order_sn: row for row in staff_client.get(response["Location"]).context["rows"]}
    refused = rows[orders[0].order_sn]
    assert refused.state == "failed" and "5" in refused.why
    assert rows[orders[1].order_sn].state == "sent"

    sandbox.buyer_says(shop.shop_id, "好的", buyer_id=buyer)
    staff_client.post(reverse("notifications:retry_failed", args=[NoticeBatch.objects.get().pk]))
    deliver_all()

    assert {row.state for row in staff_client.get(response["Location"]).context["rows"]} == {"sent"}
    assert [d["content"]["text"] for d in sandbox.deliveries(buyer_id=buyer)] == [
        f"{orders[0].order_sn} 已出貨"
    ]


DAY = 86400


def test_a_tw_notice_to_a_buyer_who_never_chatted_opens_the_conversation_once(
    sandbox, tw_shop, staff_client, salesperson
):
    """Seller Centre's web chat: no conversation yet, so the notice goes by the buyer's id and
    Shopee opens the conversation; a buyer outside Shopee's windows fails with the rule."""
    shop = tw_shop
    newcomer, lapsed = new_buyer(), new_buyer()
    orders = pull(
        shop,
        [
            remote_order(sandbox, shop, newcomer),
            remote_order(sandbox, shop, lapsed, create_time=sandbox.now() - 40 * DAY),
        ],
    )
    select(salesperson, orders)
    response, _data = confirm(staff_client, "[訂單單號] 已出貨")
    deliver_all()

    [delivered] = sandbox.deliveries(shop_id=shop.shop_id)
    message = OutgoingMessage.objects.get(buyer_id=newcomer)
    assert (delivered["via"], delivered["buyer_id"]) == ("seller_centre", newcomer)
    assert delivered["request_id"] == message.idempotency_key
    assert delivered["content"]["text"] == f"{orders[0].order_sn} 已出貨"
    assert message.state == State.SENT and message.conversation.buyer_id == newcomer

    rows = {row.order_sn: row for row in staff_client.get(response["Location"]).context["rows"]}
    assert rows[orders[0].order_sn].state == "sent"
    failed = rows[orders[1].order_sn]
    assert failed.state == "failed" and "30 天內沒有訂單" in failed.why and "蝦皮拒絕" not in failed.why

    chat_sync_shop(shop=shop)  # the next pull finds it stored: one message, in the new conversation
    conversation = Conversation.objects.get(shop=shop, buyer_id=newcomer)
    assert conversation.pk == message.conversation_id
    assert list(conversation.messages.values_list("text", flat=True)) == [f"{orders[0].order_sn} 已出貨"]
    inbox = staff_client.get(reverse("inbox:inbox")).content.decode()
    assert f"/chat/c/{conversation.pk}/" in inbox
    pane = staff_client.get(f"/chat/c/{conversation.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert pane.count(f"{orders[0].order_sn} 已出貨") == 1
    assert not Conversation.objects.filter(shop=shop, buyer_id=lapsed).exists()
    assert not sandbox.deliveries(buyer_id=lapsed)


def test_a_notice_that_finally_failed_shows_shopees_reason_on_the_result_page(
    sandbox, shop, staff_client, salesperson, fast_outbox
):
    orders = pull(shop, [remote_order(sandbox, shop, new_buyer())])
    select(salesperson, orders)
    sandbox.set_faults(error_share=1.0, paths=["send_message"])
    response, _data = confirm(staff_client, "[訂單單號] 已出貨")
    deliver_all()

    [row] = staff_client.get(response["Location"]).context["rows"]
    assert row.state == "failed"
    assert row.why == "無法連線蝦皮（蝦皮內部發生錯誤；稍後會再試）"  # what failed, and Shopee's reason
    assert row.detail.startswith("error_server: ")  # as Shopee said it, for its support
    page = staff_client.get(response["Location"]).content.decode()
    assert f'title="詳細內容： {row.detail}"' in page and f">{row.detail}" not in page  # on hover only

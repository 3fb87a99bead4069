"""The compose page without Shopee: what the preview shows before confirming (held shops, hidden
buyers), the last text remembered per person, named templates."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Shop
from notifications.models import NoticeTemplate
from outbox.models import OutgoingMessage
from tests.factories import OrderFactory, ShopFactory
from tests.notifications.helpers import select

pytestmark = [pytest.mark.django_db]


def post(client, text, action="preview", token="t" * 32, **extra):
    return client.post(
        reverse("notifications:compose"),
        {"token": token, "text": text, "combine": "on", "action": action, **extra},
    )


def test_unverified_shops_and_hidden_buyers_are_shown_before_confirming(staff_client, salesperson):
    lapsed = ShopFactory(name="寶寶生活館", salesperson=salesperson)  # chat not verified
    orders = [
        OrderFactory(shop=lapsed, buyer_user_id="800000001", buyer_username="amy"),
        OrderFactory(shop=lapsed, buyer_user_id="", buyer_username="****"),  # Shopee hides the buyer
    ]
    select(salesperson, orders)

    preview = post(staff_client, "[訂單單號] 已出貨")

    [count] = preview.context["plan"].per_shop.values()
    assert count.held and count.messages == 1 and count.skipped == 1
    html = preview.content.decode()
    assert "data-held" in html and orders[1].order_sn in html
    assert not OutgoingMessage.objects.exists()

    token = preview.context["form"]["token"].value()
    result = staff_client.get(
        post(staff_client, "[訂單單號] 已出貨", action="confirm", token=token)["Location"]
    )
    states = {row.order_sn: row.state for row in result.context["rows"]}
    assert states == {orders[0].order_sn: "held", orders[1].order_sn: "skipped"}
    assert result.context["settled"]  # held ones wait for re-verification, not for the page


def test_the_last_text_is_remembered_per_person_and_templates_are_picked(
    staff_client, salesperson, other_staff
):
    shop = ShopFactory(verified=True, salesperson=salesperson)
    select(salesperson, [OrderFactory(shop=shop, buyer_user_id="800000002")])
    post(staff_client, "您的訂單 [訂單單號] 今天出貨")

    assert (
        staff_client.get(reverse("notifications:compose")).context["form"]["text"].value()
        == "您的訂單 [訂單單號] 今天出貨"
    )
    client = Client()  # another person
    client.force_login(other_staff)
    assert client.get(reverse("notifications:compose")).context["form"]["text"].value() == ""

    saved = post(
        staff_client,
        "[買家帳號] 您好，[訂單單號] 已寄出",
        action="save_template",
        name="已寄出",
        shop=str(shop.pk),
    )
    assert saved.status_code == 200
    template = NoticeTemplate.objects.get(name="已寄出")
    assert template.shop == shop
    picked = staff_client.get(reverse("notifications:compose"), {"template": template.pk})
    assert picked.context["form"]["text"].value() == "[買家帳號] 您好，[訂單單號] 已寄出"
    assert (
        client.get(reverse("notifications:compose"), {"template": template.pk}).status_code == 404
    )  # not their shop


def test_a_saved_template_is_edited_with_its_text_checked_and_deleted_after_confirming(
    staff_client, salesperson, other_staff
):
    shop = ShopFactory(verified=True, salesperson=salesperson)
    theirs = ShopFactory(verified=True, salesperson=other_staff)
    template = NoticeTemplate.objects.create(name="已寄出", text="[訂單單號] 已寄出", shop=shop)
    NoticeTemplate.objects.create(name="到貨", text="[訂單單號] 已到貨")  # shared by everyone
    listed = staff_client.get(reverse("notifications:templates"))
    assert {t.name for t in listed.context["templates"]} == {"已寄出", "到貨"}
    edit = reverse("notifications:template_edit", args=[template.pk])

    typo = staff_client.post(edit, {"name": "已出貨", "text": "[訂單編號] 已出貨", "shop": str(shop.pk)})
    taken = staff_client.post(edit, {"name": "到貨", "text": "[訂單單號] 已出貨", "shop": ""})
    not_theirs = staff_client.post(
        edit, {"name": "已出貨", "text": "[訂單單號] 已出貨", "shop": str(theirs.pk)}
    )

    [error] = typo.context["form"].errors["text"]
    assert "[訂單編號]" in error and "[訂單單號]" in error  # names the valid ones, as on creation
    assert "到貨" in taken.context["form"].errors["name"][0]
    assert "shop" in not_theirs.context["form"].errors
    template.refresh_from_db()
    assert (template.name, template.text, template.shop) == ("已寄出", "[訂單單號] 已寄出", shop)

    saved = staff_client.post(edit, {"name": "已出貨", "text": "您好，[訂單單號] 已出貨", "shop": ""})
    assert saved.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.text, template.shop) == ("已出貨", "您好，[訂單單號] 已出貨", None)
    picked = staff_client.get(reverse("notifications:compose"), {"template": template.pk})
    assert picked.context["form"]["text"].value() == "您好，[訂單單號] 已出貨"

    delete = reverse("notifications:template_delete", args=[template.pk])
    confirm_page = staff_client.get(delete)
    assert confirm_page.status_code == 200 and NoticeTemplate.objects.filter(pk=template.pk).exists()
    assert staff_client.post(delete).status_code == 302
    assert not NoticeTemplate.objects.filter(pk=template.pk).exists()


def test_a_template_of_another_salespersons_shop_cannot_be_edited_or_deleted(staff_client, other_staff):
    theirs = ShopFactory(verified=True, salesperson=other_staff)
    template = NoticeTemplate.objects.create(name="他們的", text="[訂單單號]", shop=theirs)

    edit = staff_client.post(
        reverse("notifications:template_edit", args=[template.pk]), {"name": "改", "text": "x", "shop": ""}
    )
    delete = staff_client.post(reverse("notifications:template_delete", args=[template.pk]))

    assert edit.status_code == delete.status_code == 404
    template.refresh_from_db()
    assert template.name == "他們的"
    assert (
        reverse("notifications:template_edit", args=[template.pk])
        not in staff_client.get(reverse("notifications:templates")).content.decode()
    )


def test_the_result_page_of_a_large_batch_polls_counts_and_one_page_and_stops_once_settled(
    staff_client, salesperson, django_assert_max_num_queries
):
    shop = ShopFactory(verified=True, salesperson=salesperson)
    orders = [OrderFactory(shop=shop, buyer_user_id=str(810_000_000 + n)) for n in range(130)]
    select(salesperson, orders)
    token = post(staff_client, "[訂單單號] 已出貨").context["form"]["token"].value()
    result_url = post(staff_client, "[訂單單號] 已出貨", action="confirm", token=token)["Location"]
    poll_url = result_url + "rows/"
    messages = OutgoingMessage.objects.order_by("id")
    OutgoingMessage.objects.filter(pk__in=[m.pk for m in messages[:100]]).update(state="sent")
    OutgoingMessage.objects.filter(pk=messages[100].pk).update(state="failed", error_code="refused")

    with django_assert_max_num_queries(12):
        poll = staff_client.get(poll_url, HTTP_HX_REQUEST="true")

    counts = {state: count for state, _label, count in poll.context["counts"]}
    assert (counts["sent"], counts["failed"], counts["queued"], poll.context["total"]) == (100, 1, 29, 130)
    assert len(poll.context["rows"]) == 100  # one page of rows, not the whole batch
    assert 'hx-trigger="every' in poll.content.decode()
    failed = staff_client.get(result_url, {"state": "failed"})
    assert [row.state for row in failed.context["rows"]] == ["failed"]
    OutgoingMessage.objects.filter(pk=messages[101].pk).update(state="sending")  # still read as queued
    queued = staff_client.get(result_url, {"state": "queued"})
    assert [row.state for row in queued.context["rows"]] == ["queued"] * 29
    second = staff_client.get(poll_url, {"page": 2}, HTTP_HX_REQUEST="true")
    assert len(second.context["rows"]) == 30 and "page=2" in second.content.decode()

    OutgoingMessage.objects.filter(state__in=["queued", "sending"]).update(state="sent")
    settled = staff_client.get(poll_url, HTTP_HX_REQUEST="true")
    assert settled.context["settled"] and "hx-get" not in settled.content.decode()  # polling stops


def test_the_preview_says_how_long_each_shop_takes_and_what_waits_for_tomorrow(
    staff_client, salesperson, settings
):
    settings.SELLERCENTRE_SEND_RATE_PER_SECOND = 1 / 3
    settings.SELLERCENTRE_DAILY_CAP = 30
    tw = ShopFactory(
        name="我的測試賣場",
        verified=True,
        salesperson=salesperson,
        chat_transport=Shop.ChatTransport.SELLER_CENTRE,
        chat_state=Shop.ChatState.VERIFIED,
    )
    fast = ShopFactory(name="國際賣場", verified=True, salesperson=salesperson, send_rate_per_second=10)
    OutgoingMessage.objects.create(shop=tw, buyer_id="700000000", text="稍早的回覆", idempotency_key="ahead")
    orders = [OrderFactory(shop=tw, buyer_user_id=str(800_000_100 + n)) for n in range(40)]
    orders += [OrderFactory(shop=fast, buyer_user_id=str(800_000_200 + n)) for n in range(5)]
    select(salesperson, orders)

    html = post(staff_client, "您的訂單:[訂單單號] 已出貨").content.decode()

    rows = {shop: html.split(f'data-shop="{shop.pk}"')[1].split("</tr>")[0] for shop in (tw, fast)}
    # 1 waiting + 29 more fit today's 30 at one every 3 s: 90 s; the other 11 go tomorrow.
    assert "約 2 分鐘" in rows[tw] and "排在已等待的 1 則之後" in rows[tw]
    assert "11 則超過今日聊聊上限，將於明天送出" in rows[tw]
    assert "不到 1 分鐘" in rows[fast] and "data-tomorrow" not in rows[fast]
    assert "每個賣場每 3 秒一則，每天最多 30 則" in html

"""自動出貨通知: converting an order to a shipment (the order book, against the sandbox) queues
exactly one notice per order; the switch, the text's checks, and the review mode."""

from __future__ import annotations

import pytest
from django.urls import reverse

from book.imports import book_import
from book.models import Product
from book.shipment import book_convert
from notifications.models import AutoNotice
from outbox.models import OutgoingMessage
from outbox.rate import send_rate
from tests.book.helpers import line, product, pull, remote_order
from tests.notifications.helpers import deliver_all

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("eager_tasks", "require_postgres"),
]

TEXT = "您的訂單:[訂單單號] 已出貨 寄件編號 [寄件編號]"


def imported(sandbox, shop, user, count: int = 1):
    if not Product.objects.filter(sku="CUP").exists():
        product("CUP", 100)
    remote = [remote_order(sandbox, shop, line("CUP", 1), carrier="全家") for _n in range(count)]
    orders = pull(shop, *remote)
    book_import(order_pks=[o.pk for o in orders], user=user)
    return orders


def settings_post(client, shop, *, enabled=True, text=TEXT, review=False):
    data = {"text": text}
    if enabled:
        data["enabled"] = "on"
    if review:
        data["review"] = "on"
    return client.post(reverse("notifications:shop_settings", args=[shop.pk]), data)


def texts(sandbox, shop):
    return [d["content"]["text"] for d in sandbox.deliveries(shop_id=shop.shop_id)]


def test_conversion_sends_one_notice_and_a_repeated_conversion_still_one(
    sandbox, shop, staff_client, salesperson
):
    settings_post(staff_client, shop)
    orders = imported(sandbox, shop, salesperson, count=2)

    book_convert(order_pks=[o.pk for o in orders], user=salesperson, sender="王小美")
    book_convert(order_pks=[o.pk for o in orders], user=salesperson, sender="王小美")
    deliver_all()

    sent = texts(sandbox, shop)
    assert len(sent) == 2  # bulk conversion: each order its own, once
    for order in orders:
        order.refresh_from_db()
        [notice] = [t for t in sent if order.order_sn in t]
        assert notice == f"您的訂單:{order.order_sn} 已出貨 寄件編號 {order.book_entry.tracking_number}"
    assert AutoNotice.objects.count() == 2


def test_switch_off_sends_none_but_keeps_queued_ones(sandbox, shop, staff_client, salesperson):
    settings_post(staff_client, shop, enabled=False)
    [order] = imported(sandbox, shop, salesperson)
    book_convert(order_pks=[order.pk], user=salesperson, sender="王小美")
    deliver_all()
    assert texts(sandbox, shop) == [] and not OutgoingMessage.objects.exists()

    # Queued while on, switched off before delivery: it still goes.
    settings_post(staff_client, shop)
    send_rate().pause(shop.pk, seconds=30)  # Shopee asked this shop to slow down: nothing goes yet
    [second] = imported(sandbox, shop, salesperson)
    book_convert(order_pks=[second.pk], user=salesperson, sender="王小美")
    assert OutgoingMessage.objects.get().state == OutgoingMessage.State.QUEUED
    settings_post(staff_client, shop, enabled=False)
    send_rate().pause(shop.pk, seconds=0)
    deliver_all()
    assert len(texts(sandbox, shop)) == 1 and second.order_sn in texts(sandbox, shop)[0]


def test_review_mode_sends_none_until_approved_then_one(sandbox, shop, staff_client, salesperson):
    settings_post(staff_client, shop, review=True)
    [order] = imported(sandbox, shop, salesperson)
    book_convert(order_pks=[order.pk], user=salesperson, sender="王小美")
    deliver_all()
    assert texts(sandbox, shop) == []
    page = staff_client.get(reverse("notifications:auto"))
    assert order.order_sn in page.content.decode()

    staff_client.post(reverse("notifications:auto"))
    staff_client.post(reverse("notifications:auto"))  # approved twice: still one
    deliver_all()

    [sent] = texts(sandbox, shop)
    assert order.order_sn in sent
    assert order.order_sn not in staff_client.get(reverse("notifications:auto")).context[
        "waiting"
    ].values_list("order__order_sn", flat=True)


def test_the_shops_text_is_checked_when_saved(sandbox, shop, staff_client):
    page = settings_post(staff_client, shop, text="您的訂單 [訂單編號] 已出貨")

    assert page.status_code == 200
    [error] = page.context["form"].errors["text"]
    assert "[訂單編號]" in error and "[訂單單號]" in error
    shop.refresh_from_db()
    assert shop.auto_notice_enabled is False

"""The order page (訂單): the user's orders with amounts in TWD, filters that say why they refuse."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_orders_page_lists_orders_with_amounts_in_twd(staff_client, own_shop, others_shop):
    OrderFactory(
        shop=own_shop,
        order_sn="241127MINE",
        status="READY_TO_SHIP",
        total_amount=1980,
        shipping_carrier="全家",
        items=[{"item_name": "保溫杯"}],
    )
    OrderFactory(shop=others_shop, order_sn="241127THEIRS", status="READY_TO_SHIP")

    body = staff_client.get("/orders/", {"carrier": "全家"}).content.decode()

    assert "241127MINE" in body and "NT$1,980" in body and "保溫杯" in body and "待出貨" in body
    assert "241127THEIRS" not in body
    today = timezone.localdate()
    refused = staff_client.get("/orders/", {"created_from": today, "created_to": today - timedelta(days=1)})
    assert "結束日期早於開始日期" in refused.content.decode() and "241127MINE" not in refused.content.decode()

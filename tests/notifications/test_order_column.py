"""The order table's 通知 column (registered by notifications in orders.columns): each order's
latest shipping notice — sent with its time, held with why, nothing for one never notified —
on the page and in 匯出Excel."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from outbox.models import OutgoingMessage
from tests.notifications.helpers import deliver_all, new_buyer, pull, remote_order, select
from tests.notifications.test_batch import confirm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks", "require_postgres")]


def notice_column(html: str) -> dict[str, str]:
    """Order number -> the text of its notice cell."""
    rows = re.findall(r'<tr data-order="([^"]+)">(.*?)</tr>', html, re.S)
    return {
        sn: " ".join(
            re.sub(
                r"<[^>]+>", " ", re.search(r'<td class="extra notice">(.*?)</td>', body, re.S).group(1)
            ).split()
        )
        for sn, body in rows
    }


def test_the_order_table_shows_each_orders_latest_notice(sandbox, shop, staff_client, salesperson):
    sent, held, never = pull(shop, [remote_order(sandbox, shop, new_buyer()) for _n in range(3)])
    select(salesperson, [sent])
    confirm(staff_client, "[訂單單號] 已出貨")
    deliver_all()
    select(salesperson, [held])
    confirm(staff_client, "[訂單單號] 已出貨")
    sandbox.revoke(shop.shop_id)  # Shopee stops taking the shop's messages: the notice is held
    deliver_all()
    message = OutgoingMessage.objects.get(order_sn=held.order_sn)
    assert message.state == OutgoingMessage.State.HELD

    page = staff_client.get(reverse("orders:list"))

    html = page.content.decode()
    assert "<th>通知</th>" in html
    cells = notice_column(html)
    sent_at = OutgoingMessage.objects.get(order_sn=sent.order_sn).sent_at
    assert cells[sent.order_sn] == f"已送出 {timezone.localtime(sent_at):%Y/%m/%d %H:%M}"
    assert cells[held.order_sn] == f"暫停 {message.error_text}" and message.error_text
    assert cells[never.order_sn] == ""

    select(salesperson, [sent, held, never])
    export = staff_client.post(reverse("orders:export"), {"query": ""})
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    column = header.index("通知")
    by_sn = {row[1]: row[column] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert by_sn[sent.order_sn].startswith("已送出 ") and by_sn[held.order_sn].startswith("暫停 ")
    assert by_sn[never.order_sn] is None

"""匯出Excel: the file opened with openpyxl — headers, values, formats, widths, frozen header,
formula-safe text, the selection or the filter, large exports as a job."""

from __future__ import annotations

import io
import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from book.models import BookOrder
from orders import excel
from orders.models import OrderExport
from tests.factories import OrderFactory, ShopFactory

pytestmark = pytest.mark.django_db

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture
def own_shop(salesperson):
    return ShopFactory(verified=True, account="ktmst", name="我的測試賣場", salesperson=salesperson)


@pytest.fixture
def orders(own_shop):
    made = [
        OrderFactory(
            shop=own_shop,
            order_sn="241101AAAA0001",
            status="READY_TO_SHIP",
            shipping_carrier="全家",
            channel_kind="store",
            tracking_number="12345678901",
            total_amount=Decimal("1238.00"),
            buyer_username="yating88",
            created_on_shopee=datetime(2024, 11, 1, 9, 30, tzinfo=TAIPEI),
            items=[
                {
                    "item_name": '=HYPERLINK("http://evil.example","點我")',
                    "model_name": "",
                    "sku": "A1",
                    "quantity": 2,
                    "price": 500,
                },
                {
                    "item_name": "寶寶米餅 原味 50g",
                    "model_name": "原味",
                    "sku": "B2",
                    "quantity": 1,
                    "price": 178,
                },
            ],
        ),
        OrderFactory(
            shop=own_shop,
            order_sn="241102BBBB0002",
            status="SHIPPED",
            shipping_carrier="黑貓宅急便",
            channel_kind="home",
            buyer_username="+886912345678",
            total_amount=Decimal("99"),
            created_on_shopee=datetime(2024, 11, 2, 23, 5, tzinfo=TAIPEI),
            items=[{"item_name": "@SUM(1+1)", "quantity": 1, "price": 99}],
        ),
    ]
    BookOrder.objects.create(order=made[1], imported_at=made[1].created_on_shopee)
    return made


def export(client, query=""):
    response = client.post(reverse("orders:export"), {"query": query})
    assert response.status_code == 200, response
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, load_workbook(io.BytesIO(body))


def test_the_excel_file_has_the_tables_columns_values_and_formats(staff_client, orders):
    response, book = export(staff_client, "created_from=2024-11-01&created_to=2024-11-02")
    assert response["Content-Disposition"] == 'attachment; filename="orders_ktmst_20241101-20241102.xlsx"'
    sheet, items = book.worksheets
    header = [cell.value for cell in sheet[1]]
    assert header == [
        "帳號",
        "訂單單號",
        "成立時間",
        "狀態",
        "物流方式",
        "配送類型",
        "寄件編號",
        "結帳金額",
        "商品名稱",
        "買家",
        "已匯入",  # the order book's columns (registered in orders.columns)
        "庫存足夠",
        "通知",  # the notice column notifications registers
    ]
    newest = [cell for cell in sheet[2]]
    assert newest[1].value == "241102BBBB0002"
    assert newest[2].value == datetime(2024, 11, 2, 23, 5) and newest[2].number_format == "yyyy/mm/dd hh:mm"
    assert newest[5].value == "宅配" and newest[10].value == "已匯入"
    oldest = [cell.value for cell in sheet[3]]
    assert oldest[10:12] == ["否", "否 未知商品: A1、B2"]  # not imported; no product for either SKU
    assert oldest[:2] == ["ktmst", "241101AAAA0001"]
    assert oldest[4:8] == ["全家", "超商取貨", "12345678901", 1238]
    assert sheet["H3"].number_format == '"NT$"#,##0' and sheet["H3"].data_type == "n"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["I"].width == 50

    assert [cell.value for cell in items[1]] == [
        "帳號",
        "訂單單號",
        "商品名稱",
        "規格",
        "貨號",
        "數量",
        "單價",
    ]
    assert [cell.value for cell in items[3]][2:] == [
        '=HYPERLINK("http://evil.example","點我")',
        None,
        "A1",
        2,
        500,
    ]
    assert items.max_row == 4


def test_chinese_emoji_empty_fields_and_big_amounts_come_out_as_staff_typed_them(staff_client, own_shop):
    OrderFactory(
        shop=own_shop,
        order_sn="241231CCCC0003",
        status="A_STATUS_WE_DO_NOT_KNOW",
        shipping_carrier="",
        channel_kind="",
        tracking_number="",
        total_amount=Decimal("12345678.90"),
        buyer_username="小美🌸 ",
        created_on_shopee=datetime(2024, 12, 31, 23, 59, tzinfo=TAIPEI),  # 15:59 in UTC
        items=[
            {"item_name": "🎁 禮盒 <限量> & 加購", "model_name": None, "sku": "", "price": 1999999.5},
            {"item_name": "", "sku": "Z9", "quantity": 3, "price": None},
        ],
    )
    _response, book = export(staff_client)
    sheet, items = book.worksheets
    assert [sheet.title, items.title] == ["訂單", "商品"]
    row = sheet[2]
    assert [cell.value for cell in row[:10]] == [
        "ktmst",
        "241231CCCC0003",
        datetime(2024, 12, 31, 23, 59),  # Taipei's time, not UTC's
        "A_STATUS_WE_DO_NOT_KNOW",
        None,  # empty fields stay empty cells
        None,
        None,
        12345678.9,
        "🎁 禮盒 <限量> & 加購、",
        "小美🌸 ",
    ]
    assert row[2].number_format == "yyyy/mm/dd hh:mm" and row[2].is_date
    assert row[7].number_format == '"NT$"#,##0' and row[7].data_type == "n"
    assert all(cell.data_type == "s" for cell in (row[0], row[1], row[3], row[8], row[9]))
    assert [[cell.value for cell in line] for line in items.iter_rows(min_row=2)] == [
        ["ktmst", "241231CCCC0003", "🎁 禮盒 <限量> & 加購", None, None, 0, 1999999.5],
        ["ktmst", "241231CCCC0003", None, None, "Z9", 3, None],
    ]
    assert items["F2"].data_type == "n" and items["G2"].number_format == '"NT$"#,##0'
    assert [items.column_dimensions[letter].width for letter in "ABCDEFG"] == [14, 18, 40, 16, 16, 8, 10]
    assert items.freeze_panes == "A2"


def test_text_that_looks_like_a_formula_stays_text(staff_client, orders):
    _response, book = export(staff_client)
    sheet, items = book.worksheets
    hyperlink = items["C3"]
    assert hyperlink.data_type == "s" and hyperlink.quotePrefix
    assert sheet["I3"].value.startswith("=HYPERLINK") and sheet["I3"].data_type == "s"
    assert items["C2"].data_type == "s" and items["C2"].value == "@SUM(1+1)"
    assert sheet["J2"].value == "+886912345678" and sheet["J2"].data_type == "s"


def test_the_selection_is_exported_when_there_is_one(staff_client, orders):
    staff_client.post(reverse("orders:selection_toggle", args=[orders[0].pk]), {"on": "1"})
    response, book = export(staff_client)
    assert [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)] == ["241101AAAA0001"]
    assert response["Content-Disposition"] == 'attachment; filename="orders_ktmst_selected-1.xlsx"'


def export_button(html: str) -> str:
    return re.search(r'<button type="submit" id="export-button"[^>]*>(.*?)</button>', html, re.S).group(1)


def test_the_export_button_says_it_exports_the_filtered_list_until_orders_are_ticked(staff_client, orders):
    page = staff_client.get(
        reverse("orders:list"), {"created_from": "2024-11-01", "created_to": "2024-11-02"}
    )
    assert export_button(page.content.decode()) == "匯出篩選結果 (2 筆)"

    ticked = staff_client.post(
        reverse("orders:selection_toggle", args=[orders[1].pk]), {"on": "1", "filtered": "2"}
    ).content.decode()
    assert export_button(ticked) == "匯出所選 1 筆"  # swapped in out of band by htmx
    assert "已選 1 筆" in ticked
    page = staff_client.get(reverse("orders:list"))
    assert export_button(page.content.decode()) == "匯出所選 1 筆"

    unticked = staff_client.post(
        reverse("orders:selection_toggle", args=[orders[1].pk]), {"on": "", "filtered": "2"}
    ).content.decode()
    assert export_button(unticked) == "匯出篩選結果 (2 筆)"
    junk = staff_client.post(
        reverse("orders:selection_toggle", args=[orders[1].pk]), {"on": "", "filtered": "2x"}
    ).content.decode()
    assert export_button(junk) == "匯出篩選結果"


def test_the_filtered_list_is_exported_under_the_filters_dates_when_nothing_is_ticked(staff_client, orders):
    response, book = export(staff_client, "created_from=2024-11-02&created_to=2024-11-02")
    assert [row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)] == ["241102BBBB0002"]
    assert response["Content-Disposition"] == 'attachment; filename="orders_ktmst_20241102-20241102.xlsx"'


def test_a_large_export_runs_as_a_job_with_a_download_link(staff_client, orders, monkeypatch, salesperson):
    monkeypatch.setattr(excel, "INLINE_MAX", 1)
    response = staff_client.post(reverse("orders:export"), {"query": ""})
    assert response.status_code == 302
    job = OrderExport.objects.get()
    assert job.total == 2 and job.state == "queued"

    excel.export_run(export_pk=job.pk)  # what the worker does

    panel = staff_client.get(reverse("orders:exports_panel")).content.decode()
    link = reverse("orders:export_file", args=[job.pk])
    assert link in panel
    file = staff_client.get(link)
    book = load_workbook(io.BytesIO(b"".join(file.streaming_content)))
    assert book.worksheets[0].max_row == 3


def test_someone_elses_export_is_not_found(client, other_staff, orders, salesperson):
    job = OrderExport.objects.create(user=salesperson, filename="x.xlsx", state="done")
    client.force_login(other_staff)
    assert client.get(reverse("orders:export_file", args=[job.pk])).status_code == 404

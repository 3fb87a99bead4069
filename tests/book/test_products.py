"""Products from an .xlsx file (openpyxl): a bad row is reported by its number and nothing is
half-imported; the products page and the admin."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from book.models import Product
from book.products import MAX_ROWS, products_import_xlsx
from tests.book.helpers import product

pytestmark = [pytest.mark.django_db]


def workbook(*rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "products.xlsx"
    return out


def test_a_good_file_creates_and_updates_products_keeping_reservations():
    existing = product("CUP", 1, "舊名稱")
    Product.objects.filter(pk=existing.pk).update(reserved=2)

    result = products_import_xlsx(
        file=workbook(
            ("料號", "品名", "庫存"),
            ("CUP", "北歐風馬克杯", 12),
            ("BAG", "收納籃", "3"),
            (None, None, None),
            (1001, "數字料號", 5.0),
        )
    )

    assert (result.ok, result.created, result.updated) == (True, 2, 1)
    assert sorted(Product.objects.values_list("sku", "name", "on_hand", "reserved")) == [
        ("1001", "數字料號", 5, 0),
        ("BAG", "收納籃", 3, 0),
        ("CUP", "北歐風馬克杯", 12, 2),
    ]


def test_bad_rows_are_reported_by_number_and_nothing_is_imported():
    product("CUP", 1, "舊名稱")

    result = products_import_xlsx(
        file=workbook(
            ("SKU", "Name", "On hand"),
            ("CUP", "新名稱", 50),
            ("", "沒有料號", 3),
            ("BAG", "收納籃", "很多"),
            ("CUP", "重複", 1),
            ("OK", "好的一列", 4),
            ("NEG", "負數", -1),
        )
    )

    assert not result.ok
    assert [error.split("：")[0] for error in result.errors] == ["第 3 列", "第 4 列", "第 5 列", "第 7 列"]
    assert "料號 CUP 已在第 2 列出現" in result.errors[2]
    assert list(Product.objects.values_list("sku", "name", "on_hand")) == [("CUP", "舊名稱", 1)]


def test_a_file_that_is_not_a_workbook_or_lacks_the_columns_is_refused():
    assert products_import_xlsx(file=io.BytesIO(b"sku,name\nCUP,1\n")).errors == [
        "檔案不是 Excel 活頁簿（.xlsx）。"
    ]
    assert "第 1 列" in products_import_xlsx(file=workbook(("貨品", "數目"), ("CUP", 1))).errors[0]
    assert not Product.objects.exists()


def rezipped(source: io.BytesIO, change) -> io.BytesIO:
    """The workbook with each member's bytes passed through change(name, data)."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for member in old.infolist():
            new.writestr(member.filename, change(member.filename, old.read(member.filename)))
    out.seek(0)
    return out


def test_a_small_file_declaring_a_huge_sheet_is_refused_in_words_before_its_rows_are_read(staff_client):
    bomb = workbook(("料號", "品名", "庫存"), ("CUP", "杯", 10))
    bomb = rezipped(
        bomb, lambda name, data: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD20001"', data)
    )

    response = staff_client.post("/orders/products/", {"file": bomb})

    assert response.status_code == 400
    assert "工作表宣告了 16384 欄、20001 列；商品清單最多 100 欄、20000 列" in response.content.decode()
    assert not Product.objects.exists()


def test_a_sheet_with_more_rows_than_it_declares_is_refused_while_streaming():
    rows = [("料號", "品名", "庫存")] + [(f"S{n}", "品", 1) for n in range(MAX_ROWS + 1)]
    lying = rezipped(
        workbook(*rows),
        lambda name, data: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:C2"', data),
    )

    assert products_import_xlsx(file=lying).errors == ["一次最多 20000 列。"]
    assert not Product.objects.exists()


def test_a_file_that_unpacks_to_far_more_than_a_product_list_is_refused():
    bomb = rezipped(workbook(("料號", "品名", "庫存"), ("CUP", "杯", 10)), lambda name, data: data)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(65 * 1024 * 1024))
    bomb.seek(0)
    assert len(bomb.getvalue()) < 200_000

    assert products_import_xlsx(file=bomb).errors == ["檔案解壓縮後超過 64 MB：商品清單不會這麼大。"]
    assert not Product.objects.exists()


def test_the_products_page_imports_a_file_and_shows_negative_stock_in_red(staff_client):
    product("CUP", 1)
    Product.objects.filter(sku="CUP").update(reserved=3)

    page = staff_client.get("/orders/products/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="num available error">-2<' in html

    bad = staff_client.post(
        "/orders/products/", {"file": workbook(("料號", "品名", "庫存"), ("X", "x", "?"))}
    )
    assert bad.status_code == 400 and "第 2 列" in bad.content.decode()
    good = staff_client.post(
        "/orders/products/", {"file": workbook(("料號", "品名", "庫存"), ("CUP", "杯", 10))}, follow=True
    )
    assert "新增 0 筆，更新 1 筆" in good.content.decode()
    assert Product.objects.get(sku="CUP").available == 7


def test_admin_edits_products_and_shows_imported_orders_read_mostly(admin_client):
    response = admin_client.post(
        "/admin/book/product/add/", {"sku": "LAMP", "name": "小夜燈", "on_hand": 8}, follow=True
    )
    assert response.status_code == 200 and Product.objects.get(sku="LAMP").on_hand == 8
    assert admin_client.get("/admin/book/bookorder/").status_code == 200
    assert admin_client.get("/admin/book/bookorder/add/").status_code == 403


def test_the_demo_has_products_for_the_sandbox_demo_orders_skus():
    from django.core.management import call_command

    from shopee.sandbox import Sandbox

    call_command("create_demo_admin", stdout=io.StringIO())
    sandbox = Sandbox()
    sandbox.reset(demo=True)  # the demo seed, in memory (no server needed)
    skus = {
        line.get("model_sku") or line.get("item_sku")
        for order in sandbox.state()["orders"].values()
        for line in order["items"]
    }
    known = set(Product.objects.values_list("sku", flat=True))
    assert skus and skus <= known
    assert Product.objects.filter(on_hand__lt=5).exists()  # some orders cannot be imported

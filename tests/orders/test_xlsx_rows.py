"""orders.xlsx_rows writes the rows' XML itself: the file must be byte for byte what openpyxl writes
for the same cells (the way 匯出Excel made them before), text a spreadsheet could run as a formula
must stay text, and what Excel can't hold must be refused as openpyxl refuses it."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import IllegalCharacterError

from orders.xlsx_rows import SheetRows, Style

# Written out, not imported: the reference must not share the guard it checks.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

MONEY = Style(number_format='"NT$"#,##0')
WHEN = Style(number_format="yyyy/mm/dd hh:mm")
STYLES = [None, WHEN, MONEY, None]
HEADER = ["帳號", "成立時間", "結帳金額", "商品名稱"]

ROWS = [
    ["ktmst", datetime(2024, 11, 2, 23, 5), Decimal("1238.00"), "寶寶米餅 原味 50g"],
    ["蝦皮小舖😀", datetime(1900, 1, 1, 8, 0), Decimal("99999999999.99"), "🎉 emoji 與 全形　空白"],
    ["", None, None, None],  # empty fields
    [
        " 前後空白 ",
        datetime(2024, 2, 29, 0, 0, 59),
        12345678901234567890,
        "a & b < c > d \"quoted\" 'single'",
    ],
    ['=HYPERLINK("http://evil.example","點我")', datetime(2024, 1, 1), 0, "line1\nline2\r\nline3\ttab"],
    ["+886912345678", datetime(2024, 1, 1), -1, "-5"],
    ["@SUM(1+1)", datetime(2024, 1, 1), 0.1 + 0.2, "\tx"],
    ["=", datetime(2024, 1, 1), 1e-7, "\rcarriage"],
    ["#N/A", datetime(2024, 1, 1), float("nan"), "#DIV/0!"],
    ["長" * 40_000, datetime(2024, 1, 1), float("inf"), "\u3000\u00a0\x85\ufffd"],
    [True, date(2024, 11, 1), "199", 5],  # odd values go through openpyxl itself
    [None, None, None, None, "past the last styled column", 7],
]


def openpyxl_sheet(sheet, rows, styles):
    """The rows as 匯出Excel made them with openpyxl's cells: formula-like text quoted, formats
    on the styled columns."""
    sheet.append(HEADER)
    for values in rows:
        row = []
        for column, value in enumerate(values):
            style = styles[column] if column < len(styles) else None
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cell.quotePrefix = True
            elif style is not None and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = style.number_format
            else:
                cell = value
            row.append(cell)
        sheet.append(row)


def parts(write) -> dict[str, bytes]:
    book = Workbook(write_only=True)
    for title in ("訂單", "商品"):
        sheet = book.create_sheet(title)
        sheet.column_dimensions["A"].width = 14
        sheet.freeze_panes = "A2"
        write(sheet)
    out = io.BytesIO()
    book.save(out)
    with zipfile.ZipFile(out) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist() if name != "docProps/core.xml"}


def ours(sheet, rows=ROWS):
    writer = SheetRows(sheet, header=HEADER, column_styles=STYLES)
    for values in rows:
        writer.append(values)


def test_the_file_is_byte_for_byte_what_openpyxl_writes():
    expected = parts(lambda sheet: openpyxl_sheet(sheet, ROWS, STYLES))
    written = parts(ours)
    assert written.keys() == expected.keys()
    for name, content in expected.items():
        assert written[name] == content, name
    assert b"&#128512;" in written["xl/worksheets/sheet1.xml"]  # the emoji, as openpyxl spells it


def test_styles_are_numbered_as_openpyxl_numbers_them_whichever_comes_first():
    rows = [["=quoted first", None, 5, None], ["x", datetime(2024, 1, 1), None, None]]
    assert parts(lambda sheet: ours(sheet, rows)) == parts(lambda sheet: openpyxl_sheet(sheet, rows, STYLES))


def test_a_sheet_with_only_its_header_is_what_openpyxl_writes():
    assert parts(lambda sheet: ours(sheet, [])) == parts(lambda sheet: openpyxl_sheet(sheet, [], STYLES))


def test_the_file_opens_with_the_values_types_and_formats():
    book = Workbook(write_only=True)
    ours(book.create_sheet("訂單"))
    out = io.BytesIO()
    book.save(out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert [cell.value for cell in sheet[1]] == [*HEADER, None, None]  # the last row is wider
    assert sheet["A3"].value == "蝦皮小舖😀" and sheet["D3"].value == "🎉 emoji 與 全形　空白"
    assert (
        sheet["B2"].value == datetime(2024, 11, 2, 23, 5) and sheet["B2"].number_format == "yyyy/mm/dd hh:mm"
    )
    assert sheet["C3"].value == 99999999999.99 and sheet["C3"].number_format == '"NT$"#,##0'
    assert sheet["C3"].data_type == "n"
    assert sheet["A4"].value is None and sheet["B4"].value is None  # empty text, no date
    assert sheet["A5"].value == " 前後空白 " and sheet["D5"].value == "a & b < c > d \"quoted\" 'single'"
    assert (
        sheet["A6"].value.startswith("=HYPERLINK")
        and sheet["A6"].data_type == "s"
        and sheet["A6"].quotePrefix
    )
    assert sheet["D6"].value == "line1\nline2\r\nline3\ttab"
    assert sheet["A7"].value == "+886912345678" and sheet["A7"].quotePrefix
    assert sheet["A10"].data_type == "e"  # as openpyxl: an error code is an error cell
    assert len(sheet["A11"].value) == 32_767  # Excel's limit
    assert sheet["F13"].value == 7


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("bell \x07", IllegalCharacterError),
        ("\x00", IllegalCharacterError),
        ("form feed \x0c", IllegalCharacterError),
        ({"price": 1}, ValueError),  # a JSON object where a value was expected
        (datetime(2024, 1, 1, tzinfo=UTC), TypeError),  # Excel has no time zones
    ],
)
def test_what_excel_cannot_hold_is_refused_as_openpyxl_refuses_it(value, error):
    book = Workbook(write_only=True)
    writer = SheetRows(book.create_sheet("訂單"), column_styles=[None, WHEN])
    with pytest.raises(error):
        writer.append(["ok", value])
    writer.append(["the next row"])
    out = io.BytesIO()
    book.save(out)
    assert [row for row in load_workbook(out).worksheets[0].values] == [("the next row",)]


def test_a_sheet_openpyxl_has_started_is_refused():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("訂單")
    sheet.append(["header by openpyxl"])
    with pytest.raises(ValueError):
        SheetRows(sheet)
    book.save(io.BytesIO())


def test_a_row_given_to_openpyxl_after_the_rows_began_is_refused_not_lost():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("訂單")
    rows = SheetRows(sheet)
    rows.append(["h"])
    with pytest.raises(TypeError):
        sheet.append(["lost"])

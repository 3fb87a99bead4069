"""Rows of a write-only openpyxl sheet written as XML text by us, byte for byte what openpyxl
writes for the same cells, several times faster: openpyxl builds a cell object and an lxml element
per value, which is most of a 100,000-order 匯出Excel's time.

openpyxl still writes everything around the rows (sheet properties, frozen header, column
widths, styles, the workbook, the zip); `SheetRows` takes over the sheet's <sheetData> only, so
set widths and panes before making it, and append every row, header included, through it.

Strings, numbers and naive date-times in a column with a date format are written here; any other
value (booleans, error codes such as #N/A, NaN, dates, a time zone that Excel would refuse) goes
through openpyxl's own cell writer, so the file is what openpyxl alone would write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from io import BytesIO

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter, create_temporary_file
from openpyxl.xml.functions import xmlfile

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STRING_MAX = 32767  # Excel's limit; openpyxl cuts longer text there
ERRORS = frozenset(ERROR_CODES)


@dataclass(frozen=True)
class Style:
    """A cell format shared by many cells: an Excel number format, or text shown as typed."""

    number_format: str = "General"
    quote_prefix: bool = False


class SheetRows:
    """Appends rows to `sheet` after its `header` row. `column_styles[i]` formats column i+1's
    values below the header (None: none); text a spreadsheet could take for a formula (= + - @,
    tab, carriage return first) is written as quoted text, never as a formula, in every column."""

    def __init__(
        self,
        sheet: WriteOnlyWorksheet,
        *,
        header: Sequence[str] = (),
        column_styles: Sequence[Style | None] = (),
    ):
        if sheet._writer is not None:
            raise ValueError("SheetRows must write the sheet's first row")
        self.sheet = sheet
        self.epoch = sheet.parent.epoch
        self.column_styles = list(column_styles)
        self.quoted = Style(quote_prefix=True)
        self.style_ids: dict[Style, str] = {}  # filled on first use, in the order openpyxl would
        self.letters: list[str] = []
        self.row_idx = 0
        self.writer = sheet._writer = _Writer(sheet)
        self.writer.write_top()
        sheet._rows = _sheet_data(self.writer)  # closed by openpyxl when the workbook is saved
        next(sheet._rows)
        if header:
            self._append(header, ())

    def append(self, values: Iterable) -> None:
        self._append(values, self.column_styles)

    def _append(self, values: Iterable, styles: Sequence[Style | None]) -> None:
        self.row_idx += 1
        try:
            text = self._row(values, styles)
        except Exception:  # a value Excel can't hold: the row is not written, the next takes its number
            self.row_idx -= 1
            raise
        self.writer.file.write(text.encode("ascii", "xmlcharrefreplace"))

    def _row(self, values: Iterable, styles: Sequence[Style | None]) -> str:
        row = self.row_idx
        letters = self.letters
        parts = [f'<row r="{row}">']
        for column, value in enumerate(values):
            if value is None:
                continue
            if column >= len(letters):
                letters.extend(get_column_letter(n + 1) for n in range(len(letters), column + 1))
            style = styles[column] if column < len(styles) else None
            ref = f"{letters[column]}{row}"
            kind = type(value)
            if kind is str:
                parts.append(self._text(ref, column, value, style))
            elif kind is int or kind is float or kind is Decimal:
                number = "%.16g" % value  # noqa: UP031 (openpyxl's: a float's digits, for Decimal too)
                if number[-1] in "fn":  # inf, nan: openpyxl writes an empty value
                    parts.append(self._by_openpyxl(ref, column, value, style))
                    continue
                s = f' s="{self.style_ids.get(style) or self._style_id(style, value)}"' if style else ""
                parts.append(f'<c r="{ref}"{s} t="n"><v>{number}</v></c>')
            elif (
                kind is datetime
                and value.tzinfo is None
                and style is not None
                and is_date_format(style.number_format)
            ):
                s = self.style_ids.get(style) or self._style_id(style, value)
                number = "%.16g" % to_excel(value, self.epoch)  # noqa: UP031
                parts.append(f'<c r="{ref}" s="{s}" t="n"><v>{number}</v></c>')
            else:
                parts.append(self._by_openpyxl(ref, column, value, style))
        parts.append("</row>")
        text = "".join(parts)
        if ILLEGAL_CHARACTERS_RE.search(text):
            raise IllegalCharacterError(f"row {row} has characters that cannot be used in worksheets")
        return text

    def _text(self, ref: str, column: int, value: str, style: Style | None) -> str:
        if value.startswith(FORMULA_STARTS):
            style = self.quoted
        elif value in ERRORS:
            return self._by_openpyxl(ref, column, value, style)
        if len(value) > STRING_MAX:
            value = value[:STRING_MAX]
        s = f' s="{self.style_ids.get(style) or self._style_id(style, value)}"' if style else ""
        if not value:
            return f'<c r="{ref}"{s} t="inlineStr"></c>'
        space = ' xml:space="preserve"' if value != value.strip() else ""
        if "&" in value:
            value = value.replace("&", "&amp;")
        if "<" in value:
            value = value.replace("<", "&lt;")
        if ">" in value:
            value = value.replace(">", "&gt;")
        if "\r" in value:
            value = value.replace("\r", "&#13;")
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{value}</t></is></c>'

    def _cell(self, column: int, value, style: Style | None) -> WriteOnlyCell:
        """The cell openpyxl would make of this value (raising as it would on what Excel can't hold)."""
        cell = WriteOnlyCell(self.sheet, value=value)
        if style is not None:
            cell.number_format = style.number_format
            cell.quotePrefix = style.quote_prefix
            if style.quote_prefix:
                cell.data_type = "s"
        cell.column, cell.row = column + 1, self.row_idx
        return cell

    def _style_id(self, style: Style, value) -> str:
        # Made from the style's first value, as openpyxl registers a date's default format first.
        self.style_ids[style] = style_id = str(self._cell(0, value, style).style_id)
        return style_id

    def _by_openpyxl(self, ref: str, column: int, value, style: Style | None) -> str:
        cell = self._cell(column, value, style)
        if style is not None and style not in self.style_ids:
            self.style_ids[style] = str(cell.style_id)
        out = BytesIO()
        with xmlfile(out) as xf:
            write_cell(xf, self.sheet, cell, cell.has_style)
        return out.getvalue().decode("ascii")


class _Writer(WorksheetWriter):
    """openpyxl's sheet writer, on a file we may write to between its elements."""

    def __init__(self, ws):
        self.path = create_temporary_file()
        self.file = open(self.path, "wb")  # noqa: SIM115 (closed with the sheet, in close())
        super().__init__(ws, out=self.file)

    def close(self):
        super().close()
        self.file.close()
        self.out = self.path  # what the workbook packs into the zip and then removes


def _sheet_data(writer: _Writer):
    """The sheet's <sheetData>: openpyxl's element around the row text sent in."""
    xf = writer.xf.send(True)
    with xf.element("sheetData"):
        xf.flush()  # what openpyxl wrote so far goes before the rows
        try:
            while True:
                if (yield) is not None:  # a row given to openpyxl's sheet.append would be lost
                    raise TypeError("this sheet's rows go through SheetRows.append")
        except GeneratorExit:
            pass
    writer.xf.send(None)

"""Products from an .xlsx file: SKU, name and on-hand quantity per row.

Contract of `products_import_xlsx(file=…)`: the first sheet's first row names the columns (SKU /
料號 / 貨號, name / 品名 / 商品名稱, on hand / 庫存 / 數量; any order). Every row is checked first;
when one is bad, the answer lists each bad row by its number in the sheet and nothing is stored.
Otherwise every row is stored in one statement: new SKUs created, known ones get the file's name
and on-hand quantity (what imported orders reserve is left as it is).

A small file can declare a huge sheet (16,384 columns × 20,001 rows in 267 KB) and a web worker
would spend gigabytes padding it with empty cells, so before any row is read the file's unpacked
size and the sheet's declared dimensions are checked, and the rows are then streamed (read-only,
at most MAX_COLUMNS wide, stopping after MAX_ROWS), keeping only the three columns used.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from book.models import Product

HEADERS = {
    "sku": ("sku", "料號", "貨號", "商品編號", "品號"),
    "name": ("name", "product name", "品名", "商品名稱", "名稱"),
    "on_hand": ("on hand", "on_hand", "stock", "quantity", "庫存", "數量", "庫存數量", "現有庫存"),
}
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # a 20,000-row product list unpacks to a few MB


@dataclass
class ProductImport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Refused(Exception):
    """The file is refused before its rows are checked: the words say why."""


def products_import_xlsx(*, file: IO[bytes]) -> ProductImport:
    try:
        rows = _read_rows(file)
    except _Refused as refusal:
        return ProductImport(errors=[str(refusal)])
    result, parsed = _check_rows(rows)
    if result.errors:
        return result
    if not parsed:
        return ProductImport(errors=[_("The sheet has no product rows.")])

    now = timezone.now()
    with transaction.atomic():
        known = set(Product.objects.filter(sku__in=parsed).values_list("sku", flat=True))
        Product.objects.bulk_create(
            [
                Product(sku=sku, name=name, on_hand=quantity, created_at=now, updated_at=now)
                for sku, (name, quantity) in parsed.items()
            ],
            update_conflicts=True,
            unique_fields=["sku"],
            update_fields=["name", "on_hand", "updated_at"],
        )
    result.updated = len(known)
    result.created = len(parsed) - len(known)
    return result


def _read_rows(file: IO[bytes]) -> list[dict[str, object]]:
    """The product rows below the header, each as {column name: value}; _Refused when the file is
    no workbook, too big unpacked, declares too large a sheet or has too many rows."""
    from openpyxl import load_workbook

    not_a_workbook = _("The file is not an Excel workbook (.xlsx).")
    if _unpacked_size(file) > MAX_UNPACKED_BYTES:
        raise _Refused(
            _("The file unpacks to more than %(megabytes)s MB: a product list is far smaller.")
            % {"megabytes": MAX_UNPACKED_BYTES // (1024 * 1024)}
        )
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not an .xlsx
        raise _Refused(not_a_workbook) from None
    try:
        sheet = workbook.worksheets[0]
        _check_declared(rows=sheet.max_row or 0, columns=sheet.max_column or 0)
        stream = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS, max_row=MAX_ROWS + 2)
        header = next(stream, None)
        if header is None:
            raise _Refused(_("The sheet is empty."))
        columns = _columns(header)
        if not {"sku", "on_hand"} <= columns.keys():
            raise _Refused(
                _("Row 1 must name the columns SKU, name and on-hand quantity (e.g. 料號, 品名, 庫存).")
            )
        rows = [{name: (row[i] if i < len(row) else None) for name, i in columns.items()} for row in stream]
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):  # e.g. a sheet cut short
        raise _Refused(not_a_workbook) from None
    finally:
        workbook.close()
    if len(rows) > MAX_ROWS:
        raise _Refused(_("At most %(count)s rows at a time.") % {"count": MAX_ROWS})
    return rows


def _check_declared(*, rows: int, columns: int) -> None:
    if rows > MAX_ROWS + 1 or columns > MAX_COLUMNS:
        raise _Refused(
            _(
                "The sheet declares %(columns)s columns and %(rows)s rows; a product list may have at "
                "most %(max_columns)s columns and %(max_rows)s rows: copy the SKU, name and on-hand "
                "columns into a new workbook and upload that."
            )
            % {"columns": columns, "rows": rows, "max_columns": MAX_COLUMNS, "max_rows": MAX_ROWS}
        )


def _check_rows(rows: list[dict[str, object]]) -> tuple[ProductImport, dict[str, tuple[str, int]]]:
    """Every row checked: the errors by row number, and the products of the good rows by SKU."""
    result = ProductImport()
    parsed: dict[str, tuple[str, int]] = {}
    seen_at: dict[str, int] = {}
    for number, cells in enumerate(rows, start=2):
        if all(value in (None, "") for value in cells.values()):
            continue  # blank line
        sku = _text(cells.get("sku"))
        name = _text(cells.get("name"))
        quantity = _quantity(cells.get("on_hand"))
        if not sku:
            result.errors.append(_("Row %(row)s: the SKU is empty.") % {"row": number})
        elif len(sku) > 100:
            result.errors.append(_("Row %(row)s: the SKU is longer than 100 characters.") % {"row": number})
        elif sku in seen_at:
            result.errors.append(
                _("Row %(row)s: SKU %(sku)s is already on row %(first)s.")
                % {"row": number, "sku": sku, "first": seen_at[sku]}
            )
        if quantity is None or quantity < 0:
            result.errors.append(
                _("Row %(row)s: the on-hand quantity must be a whole number of at least 0.") % {"row": number}
            )
            quantity = None
        if sku and quantity is not None and sku not in seen_at:
            parsed[sku] = (name[:255], quantity)
        if sku:
            seen_at.setdefault(sku, number)
    return result, parsed


def _unpacked_size(file: IO[bytes]) -> int:
    """What the .xlsx (a zip) declares it unpacks to; 0 when it is no zip (the load then says so).
    A member that unpacks to more than it declares is cut there by zipfile, and then fails to parse."""
    try:
        with zipfile.ZipFile(file) as archive:
            return sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0
    finally:
        file.seek(0)


def _columns(header: tuple) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, value in enumerate(header):
        label = _text(value).lower()
        for name, labels in HEADERS.items():
            if label in labels and name not in columns:
                columns[name] = index
    return columns


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric SKU typed into Excel
    return str(value).strip()


def _quantity(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = _text(value).replace(",", "")
    if text.lstrip("-").isdigit():
        return int(text)
    return None

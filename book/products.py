"""Products from an .xlsx file: SKU, name and on-hand quantity per row.

Contract of `products_import_xlsx(file=…)`: the first sheet's first row names the columns (SKU /
料號 / 貨號, name / 品名 / 商品名稱, on hand / 庫存 / 數量; any order). Every row is checked first;
when one is bad, the answer lists each bad row by its number in the sheet and nothing is stored.
Otherwise every row is stored in one statement: new SKUs created, known ones get the file's name
and on-hand quantity (what imported orders reserve is left as it is).
"""

from __future__ import annotations

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


@dataclass
class ProductImport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def products_import_xlsx(*, file: IO[bytes]) -> ProductImport:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not an .xlsx
        return ProductImport(errors=[_("The file is not an Excel workbook (.xlsx).")])
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + 1))
    finally:
        workbook.close()
    if not rows:
        return ProductImport(errors=[_("The sheet is empty.")])
    columns = _columns(rows[0])
    missing = [name for name in ("sku", "on_hand") if name not in columns]
    if missing:
        return ProductImport(
            errors=[_("Row 1 must name the columns SKU, name and on-hand quantity (e.g. 料號, 品名, 庫存).")]
        )
    if len(rows) > MAX_ROWS:
        return ProductImport(errors=[_("At most %(count)s rows at a time.") % {"count": MAX_ROWS}])

    result = ProductImport()
    parsed: dict[str, tuple[str, int]] = {}
    seen_at: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = {name: (row[index] if index < len(row) else None) for name, index in columns.items()}
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

"""匯出Excel (F10): the order table as .xlsx, streamed with openpyxl's write-only mode so memory
stays flat however many orders go out.

Sheet 訂單 has one row per order with the table's columns (items joined), sheet 商品 one row per
item. Amounts are numbers formatted NT$, times are Asia/Taipei date-times; the header is frozen
and columns have widths. Text that a spreadsheet could take for a formula (starting with = + - @,
tab or carriage return) is stored as text with a quote prefix, never as a formula.

Small exports are written in the request (`orders_excel_write`); larger ones become an
`OrderExport` job a worker writes (`export_start` / `export_run`), and the page links the file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from accounts.models import Shop
from orders.channels import ChannelKind
from orders.columns import column_cells, extra_columns
from orders.models import STATUS_LABELS, Order, OrderExport

log = logging.getLogger(__name__)

INLINE_MAX = 2000  # more orders than this are exported by a worker
CHUNK = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = '"NT$"#,##0'
DATETIME_FORMAT = "yyyy/mm/dd hh:mm"

ORDER_FIELDS = (
    "pk",
    "shop_id",
    "order_sn",
    "created_on_shopee",
    "status",
    "shipping_carrier",
    "channel_kind",
    "tracking_number",
    "total_amount",
    "buyer_username",
    "items",
)


def _order_columns() -> list[tuple[str, int]]:
    """(header, width) of the orders sheet, in the reader's language."""
    return [
        (_("Account"), 14),
        (_("Order number"), 18),
        (_("Created"), 17),
        (_("Status"), 12),
        (_("Logistics"), 14),
        (_("Delivery"), 12),
        (_("Tracking number"), 18),
        (_("Checkout amount"), 12),
        (_("Product name"), 50),
        (_("Buyer"), 16),
    ]


def _item_columns() -> list[tuple[str, int]]:
    return [
        (_("Account"), 14),
        (_("Order number"), 18),
        (_("Product name"), 40),
        (_("Model"), 16),
        (_("SKU"), 16),
        (_("Quantity"), 8),
        (_("Price"), 10),
    ]


def orders_excel_write(*, orders: QuerySet[Order], out: IO[bytes], progress=None) -> int:
    """Write the orders (in the queryset's order) as .xlsx to `out`; returns how many.
    `progress(done)` is called after each chunk."""
    shop_names = dict(Shop.objects.values_list("pk", "account"))
    kinds = {value: str(label) for value, label in ChannelKind.choices}
    statuses = {value: str(label) for value, label in STATUS_LABELS.items()}
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(_("Orders"))
    items_sheet = wb.create_sheet(_("Items"))
    extra = extra_columns()
    _header(sheet, [*_order_columns(), *((str(column.header), 20) for column in extra)])
    _header(items_sheet, _item_columns())
    count = 0
    for row, cells in _rows(orders):
        account = shop_names.get(row["shop_id"], "")
        items = row["items"] or []
        names = "、".join(str(item.get("item_name") or "") for item in items)
        sheet.append(
            [
                _text(sheet, account),
                _text(sheet, row["order_sn"]),
                _when(sheet, row["created_on_shopee"]),
                statuses.get(row["status"]) or _text(sheet, row["status"]),
                _text(sheet, row["shipping_carrier"]),
                kinds.get(row["channel_kind"], ""),
                _text(sheet, row["tracking_number"]),
                _money(sheet, row["total_amount"]),
                _text(sheet, names),
                _text(sheet, row["buyer_username"]),
                *(_text(sheet, cell.plain()) if cell else None for cell in cells),
            ]
        )
        for item in items:
            items_sheet.append(
                [
                    _text(items_sheet, account),
                    _text(items_sheet, row["order_sn"]),
                    _text(items_sheet, str(item.get("item_name") or "")),
                    _text(items_sheet, str(item.get("model_name") or "")),
                    _text(items_sheet, str(item.get("sku") or "")),
                    int(item.get("quantity") or 0),
                    _money(items_sheet, item.get("price")),
                ]
            )
        count += 1
        if progress and count % CHUNK == 0:
            progress(count)
    wb.save(out)
    return count


def export_filename(
    *, accounts: list[str], created_from: date | None, created_to: date | None, selected: int | None = None
) -> str:
    """The file is named after what it holds: orders_<account or all>_<from>-<to>.xlsx for the
    filtered list (dates as YYYYMMDD; missing ends left out), orders_<account>_selected-<N>.xlsx
    for a selection (the filter's dates say nothing of which orders were ticked)."""
    shop = accounts[0] if len(accounts) == 1 else ("all" if not accounts else "+".join(accounts[:3]))
    if selected is not None:
        span = f"selected-{selected}"
    else:
        span = "-".join(day.strftime("%Y%m%d") for day in (created_from, created_to) if day)
    safe = "".join(ch for ch in f"orders_{shop}_{span}".rstrip("_") if ch.isalnum() or ch in "_-+")
    return f"{safe}.xlsx"


def export_start(*, user, order_pks: list[int], filename: str) -> OrderExport:
    with transaction.atomic():
        export = OrderExport.objects.create(
            user=user, order_pks=order_pks, filename=filename, total=len(order_pks)
        )
        transaction.on_commit(lambda: _kick(export.pk))
    return export


def export_path(export: OrderExport) -> Path:
    return Path(settings.SHARED_DIR) / "exports" / f"{export.pk}.xlsx"  # the web serves what a worker wrote


def export_run(*, export_pk: int) -> OrderExport | None:
    export = OrderExport.objects.filter(pk=export_pk).first()
    if export is None or export.state == OrderExport.State.DONE:
        return export
    OrderExport.objects.filter(pk=export.pk).update(state=OrderExport.State.RUNNING)
    path = export_path(export)
    path.parent.mkdir(parents=True, exist_ok=True)
    orders = Order.objects.filter(pk__in=export.order_pks).order_by("-created_on_shopee", "-id")
    try:
        with open(path.with_suffix(".part"), "wb") as out:
            orders_excel_write(
                orders=orders,
                out=out,
                progress=lambda done: OrderExport.objects.filter(pk=export.pk).update(done=done),
            )
        path.with_suffix(".part").replace(path)
    except Exception as exc:
        log.exception("export %s failed", export.pk)
        OrderExport.objects.filter(pk=export.pk).update(state=OrderExport.State.FAILED, error=str(exc)[:500])
        raise
    OrderExport.objects.filter(pk=export.pk).update(state=OrderExport.State.DONE, done=export.total)
    export.refresh_from_db()
    return export


def _kick(export_pk: int) -> None:
    from orders.tasks import order_export_run

    order_export_run.delay(export_pk)


def _rows(orders: QuerySet[Order]) -> Iterator[tuple[dict[str, Any], list]]:
    """Each order's values with its extra columns' cells (orders.columns), read a chunk at a time."""
    rows = orders.values(*ORDER_FIELDS).iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        columns = [cells for _column, cells in column_cells([row["pk"] for row in chunk])]
        for row in chunk:
            yield row, [cells.get(row["pk"]) for cells in columns]


def _header(sheet, columns: Iterable[tuple[str, int]]) -> None:
    columns = list(columns)
    for number, (_title, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([title for title, _width in columns])


def _text(sheet, value: str):
    """Plain strings go as they are; one that could be read as a formula goes as quoted text."""
    if value and value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def _money(sheet, value):
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=float(value) if isinstance(value, Decimal) else value)
    cell.number_format = MONEY_FORMAT
    return cell


def _when(sheet, value: datetime | None):
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=timezone.localtime(value).replace(tzinfo=None))
    cell.number_format = DATETIME_FORMAT
    return cell

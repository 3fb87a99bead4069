"""匯出Excel (F10): the order table as .xlsx, streamed with openpyxl's write-only mode so memory
stays flat however many orders go out; the rows' XML is written by orders.xlsx_rows (the same
bytes openpyxl writes, several times faster).

Sheet 訂單 has one row per order with the table's columns (items joined), sheet 商品 one row per
item. Amounts are numbers formatted NT$, times are Asia/Taipei date-times; the header is frozen
and columns have widths. Text that a spreadsheet could take for a formula (starting with = + - @,
tab or carriage return) is stored as text with a quote prefix, never as a formula.

Small exports are written in the request (`orders_excel_write`); larger ones become an
`OrderExport` job a worker writes (`export_start` / `export_run`), and the page links the file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from accounts.models import Shop
from db.lookups import any_of
from orders.channels import ChannelKind
from orders.columns import column_cells, extra_columns
from orders.models import STATUS_LABELS, Order, OrderExport
from orders.xlsx_rows import SheetRows, Style

log = logging.getLogger(__name__)

INLINE_MAX = 2000  # more orders than this are exported by a worker
CHUNK = 2000
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


MONEY = Style(number_format=MONEY_FORMAT)
WHEN = Style(number_format=DATETIME_FORMAT)


def _order_columns() -> list[tuple[str, int, Style | None]]:
    """(header, width, format) of the orders sheet, in the reader's language."""
    return [
        (_("Account"), 14, None),
        (_("Order number"), 18, None),
        (_("Created"), 17, WHEN),
        (_("Status"), 12, None),
        (_("Logistics"), 14, None),
        (_("Delivery"), 12, None),
        (_("Tracking number"), 18, None),
        (_("Checkout amount"), 12, MONEY),
        (_("Product name"), 50, None),
        (_("Buyer"), 16, None),
    ]


def _item_columns() -> list[tuple[str, int, Style | None]]:
    return [
        (_("Account"), 14, None),
        (_("Order number"), 18, None),
        (_("Product name"), 40, None),
        (_("Model"), 16, None),
        (_("SKU"), 16, None),
        (_("Quantity"), 8, None),
        (_("Price"), 10, MONEY),
    ]


def orders_excel_write(*, orders: QuerySet[Order], out: IO[bytes], progress=None) -> int:
    """Write the orders (in the queryset's order) as .xlsx to `out`; returns how many.
    `progress(done)` is called after each chunk."""
    shop_names = dict(Shop.objects.values_list("pk", "account"))
    kinds = {value: str(label) for value, label in ChannelKind.choices}
    statuses = {value: str(label) for value, label in STATUS_LABELS.items()}
    here = timezone.get_current_timezone()
    wb = Workbook(write_only=True)
    extra = [(str(column.header), 20, None) for column in extra_columns()]
    sheet = _sheet(wb.create_sheet(_("Orders")), [*_order_columns(), *extra])
    items_sheet = _sheet(wb.create_sheet(_("Items")), _item_columns())
    count = 0
    for row, cells in _rows(orders):
        account = shop_names.get(row["shop_id"], "")
        order_sn = row["order_sn"]
        created = row["created_on_shopee"]
        items = row["items"] or []
        names = [str(item.get("item_name") or "") for item in items]
        sheet.append(
            [
                account,
                order_sn,
                created.astimezone(here).replace(tzinfo=None) if created else None,
                statuses.get(row["status"]) or row["status"],
                row["shipping_carrier"],
                kinds.get(row["channel_kind"], ""),
                row["tracking_number"],
                row["total_amount"],
                "、".join(names),
                row["buyer_username"],
                *(cell.plain() if cell else None for cell in cells),
            ]
        )
        for item, name in zip(items, names, strict=True):
            items_sheet.append(
                [
                    account,
                    order_sn,
                    name,
                    str(item.get("model_name") or ""),
                    str(item.get("sku") or ""),
                    int(item.get("quantity") or 0),
                    item.get("price"),
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
    orders = Order.objects.filter(any_of("pk", export.order_pks)).order_by("-created_on_shopee", "-id")
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


def _sheet(sheet, columns: list[tuple[str, int, Style | None]]) -> SheetRows:
    """The sheet's widths and frozen header row; its rows go through the returned writer."""
    for number, (_title, width, _style) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    return SheetRows(
        sheet,
        header=[title for title, _width, _style in columns],
        column_styles=[style for *_, style in columns],
    )

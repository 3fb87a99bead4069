"""商品 .xlsx upload: a small file declaring a huge sheet, and a large valid product list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tmschat_bench \
    .venv/bin/python bench/products_xlsx.py [--rows 20000]

The bomb is what the attack probe sent: a few hundred KB whose sheet declares 16,384 columns ×
20,001 rows (its product rows plus one cell in column XFD of the last row). Before the check,
reading it padded every row to 16,384 cells (about 2.5 GB in one web worker). Targets: refused in
under 1 s with under 200 MB peak. A third file understates its sheet (a cell in column XFD on
every row, declared A1:C…): it passes the declared check, and the streaming read, 100 columns at
most, must keep it small by itself. The valid file has `--rows` products in three columns; its
import runs in a transaction rolled back at the end, so the database keeps nothing.

Time is measured without tracing; peak memory in a second run, as the peak of Python allocations
(tracemalloc) and as the growth of the process's maximum resident size.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmschat.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from book.products import products_import_xlsx  # noqa: E402


def product_list(rows: int, *, bomb: bool) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["料號", "品名", "庫存"])
    for number in range(rows):
        sheet.append([f"BENCH{number:06d}", f"測試商品 {number}", number % 50])
    if bomb:
        sheet.cell(row=rows + 1, column=16_384, value="x")  # the sheet now declares A1:XFD<rows+1>
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def understated(rows: int) -> bytes:
    """Every row has a cell in column XFD too, but the sheet declares only A1:C<rows+1>: the
    declared check passes and the streaming read must stay narrow by itself."""
    book = Workbook()
    sheet = book.active
    sheet.append(["料號", "品名", "庫存"])
    for number in range(rows):
        sheet.append([f"BENCH{number:06d}", f"測試商品 {number}", number % 50])
        sheet.cell(row=number + 2, column=16_384, value="x")
    packed = io.BytesIO()
    book.save(packed)
    out = io.BytesIO()
    with zipfile.ZipFile(packed) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for member in old.infolist():
            data = old.read(member.filename)
            if member.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:C%d"' % (rows + 1), data)
            new.writestr(member.filename, data)
    return out.getvalue()


def measure(name: str, content: bytes) -> None:
    def run():
        with transaction.atomic():
            result = products_import_xlsx(file=io.BytesIO(content))
            transaction.set_rollback(True)
        return result

    started = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    answer = (
        f"refused: {result.errors[0]}" if result.errors else f"{result.created} new, {result.updated} updated"
    )
    print(
        f"{name}: {len(content) / 1024:.0f} KB, {elapsed:.3f} s, peak Python allocations "
        f"{peak / 2**20:.1f} MB, max RSS growth {rss_growth / 1024:.1f} MB; {answer}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    print(f"database: {connection.vendor}")
    measure("bomb (declares 16384 columns x 20001 rows)", product_list(args.rows, bomb=True))
    measure("understated (a cell in XFD on every row, declares A1:C)", understated(args.rows))
    measure(f"valid ({args.rows} products, 3 columns)", product_list(args.rows, bomb=False))


if __name__ == "__main__":
    main()

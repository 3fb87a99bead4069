"""The order page in a real browser against the live server, the sandbox and a real worker:
download a range with a scope, watch the progress line reach the end, select, export Excel."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.orders.helpers import SCOPE_EXPECTED, SCOPE_ORDERS, seed_scope_orders
from tests.utils import screenshot_on_failure, wait_until

WORKER_SETTINGS = "tests.orders.download_worker_settings"


@pytest.mark.browser
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_staff_download_a_scope_watch_it_finish_select_and_export_excel(
    sandbox, shop, salesperson, browser_as, start_worker, order_day, require_postgres, require_redis
):
    seed_scope_orders(sandbox, shop, order_day)
    sandbox.set_faults(latency_ms=300, paths=["/get_order_detail", "/get_tracking_number"])
    worker = start_worker(queues="interactive,sync", DJANGO_SETTINGS_MODULE=WORKER_SETTINGS)
    wait_until(lambda: " ready." in worker.log(), timeout=30, interval=0.05, message="worker ready")
    page = browser_as(salesperson)

    with screenshot_on_failure(page, "orders_journey"):
        page.goto(f"{page.base_url}/orders/")
        page.select_option("#dl_shop", str(shop.pk))
        page.fill("#dl_created_from", order_day.isoformat())
        page.fill("#dl_created_to", order_day.isoformat())
        page.select_option("#dl_scope", "pending")
        page.click("#download-button")

        total = len(SCOPE_ORDERS)
        line = page.locator(".progress-line").first
        expect(line).to_contain_text(f"{shop.shop_id}/{shop.account}/{shop.name}: ")
        expect(line).to_contain_text(f"下載訂單明細 進度 {total}/{total}, 目前單號:", timeout=30_000)
        expect(page.locator(".download .state").first).to_have_text("完成")
        # New or unchanged: the shop's first scheduled sync may have stored them already.
        expect(page.locator(".download .summary").first).to_contain_text("失敗 0")

        page.reload()  # the table lists the scope's orders once they are in
        expected = SCOPE_EXPECTED["pending"]
        expect(page.locator("table.orders tbody tr")).to_have_count(len(expected))
        page.click("button[value=all]")
        expect(page.locator("#selected-count")).to_have_text(f"已選 {len(expected)} 筆")
        expect(page.locator("table.orders tbody input[type=checkbox]:checked")).to_have_count(len(expected))
        first_box = page.locator("table.orders tbody input[type=checkbox]").first
        first_box.uncheck()
        expect(page.locator("#selected-count")).to_have_text(f"已選 {len(expected) - 1} 筆")

        with page.expect_download() as info:
            page.click("#export-button")
        download = info.value
        assert download.suggested_filename.startswith(f"orders_{shop.account or shop.name}_")
        book = load_workbook(io.BytesIO(open(download.path(), "rb").read()))
        exported = {row[1] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
        assert len(exported) == len(expected) - 1 and exported < expected

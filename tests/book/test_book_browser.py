"""The order book in a real browser against the live server and the sandbox, on the order table:
select the orders with enough stock, import them, convert them to shipment, generate their
shipping documents, and see the stock go down."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from book.models import BookAction, BookOrder
from tests.book.helpers import line, product, pull, remote_order, stock
from tests.utils import screenshot_on_failure

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_postgres", "eager_tasks"),
]


def row(order: dict) -> str:
    return f"tr[data-order='{order['order_sn']}']"


def result(order: dict) -> str:
    return f"table.results tr[data-order-sn='{order['order_sn']}']"


def test_import_convert_print_and_see_stock_go_down(sandbox, shop, salesperson, browser_as):
    product("CUP", 5, "北歐風陶瓷馬克杯")
    product("LAMP", 1, "LED 感應小夜燈")
    cup = remote_order(sandbox, shop, line("CUP", 2), carrier="7-ELEVEN")
    cups = remote_order(sandbox, shop, line("CUP", 1), carrier="全家")
    lamps = remote_order(sandbox, shop, line("LAMP", 3), carrier="全家")  # only 1 LAMP on hand
    pull(shop, cup, cups, lamps)
    page = browser_as(salesperson)

    with screenshot_on_failure(page, "order_book_journey"):
        page.goto(f"{page.base_url}/orders/")
        expect(page.locator(row(lamps) + " .stock")).to_have_text("否 缺貨: LAMP")
        expect(page.locator(row(cup) + " .stock")).to_have_text("是")
        page.get_by_role("button", name="選庫存足夠").click()
        expect(page.locator("#selected-count")).to_have_text("已選 2 筆")
        page.get_by_role("button", name="匯入訂單", exact=True).click()

        expect(page.locator("table.results tr[data-code]")).to_have_count(2)
        expect(page.locator(result(cup))).to_contain_text("已匯入")
        expect(page.locator("#summary")).to_contain_text("完成 2 筆")

        page.get_by_role("link", name="回到訂單").click()
        expect(page.locator(row(cup) + " .book-state")).to_have_text("已匯入")
        page.get_by_role("button", name="選已匯入").click()
        expect(page.locator("#selected-count")).to_have_text("已選 2 筆")
        page.get_by_label("寄件人").fill("王小美")
        page.get_by_role("button", name="轉出貨").click()
        expect(page.locator(result(cup))).to_contain_text("已轉出貨，寄件編號 F")
        expect(page.locator("#summary")).to_contain_text("完成 2 筆")

        page.get_by_role("link", name="回到訂單").click()
        expect(page.get_by_label("寄件人")).to_have_value("王小美")  # remembered
        page.get_by_role("button", name="產生寄件單").click()  # the same selection
        expect(page.locator("#summary")).to_contain_text("完成 2 筆", timeout=30_000)
        link = page.locator("#document-link")
        expect(link).to_be_visible()
        document = page.request.get(page.base_url + link.get_attribute("href"))
        assert document.ok and document.headers["content-type"].startswith("text/html")
        assert cup["order_sn"] in document.text() and cups["order_sn"] in document.text()

        page.goto(f"{page.base_url}/orders/")
        page.get_by_role("navigation", name="主選單").get_by_role("link", name="商品").click()
        expect(page.locator("tr[data-sku=CUP] .on-hand")).to_have_text("2")
        expect(page.locator("tr[data-sku=CUP] .reserved")).to_have_text("0")
        expect(page.locator("tr[data-sku=LAMP] .on-hand")).to_have_text("1")

    assert stock("CUP") == (2, 0)
    assert set(BookOrder.objects.values_list("state", "sender")) == {("shipped", "王小美")}
    assert sandbox.state()["orders"][lamps["order_sn"]]["status"] == "READY_TO_SHIP"


def test_a_running_actions_results_page_follows_its_progress_and_shows_the_results_when_done(
    salesperson, browser_as
):
    """The page's poll is our own script file: the Content-Security-Policy lets it run."""
    action = BookAction.objects.create(kind="convert", user=salesperson, order_pks=[1, 2, 3], total=3)
    page = browser_as(salesperson)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))

    with screenshot_on_failure(page, "order_book_running_action"):
        page.goto(f"{page.base_url}/orders/actions/{action.pk}/")
        expect(page.locator("#progress")).to_have_text("處理中：0 / 3 筆訂單…")

        BookAction.objects.filter(pk=action.pk).update(done=2)
        expect(page.locator("#progress")).to_have_text("處理中：2 / 3 筆訂單…")

        results = [
            {"order_sn": f"24110{n}ABCDEF", "code": "converted", "params": {"tracking": f"F{n}"}}
            for n in range(3)
        ]
        BookAction.objects.filter(pk=action.pk).update(done=3, results=results, finished_at=timezone.now())
        expect(page.locator("#summary")).to_contain_text("完成 3 筆")
        expect(page.locator("table.results tr[data-code=converted]")).to_have_count(3)

    assert errors == []

"""批次通知 in a real browser against the live server and the sandbox: select orders in the order
table, 批次通知, type a text with [訂單單號], preview, confirm, and watch 執行結果 settle to sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from outbox.delivery import outbox_deliver_due
from tests.notifications.helpers import new_buyer, pull, remote_order
from tests.utils import screenshot_on_failure, wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("require_redis"),
]


class FirstAnswerLast:
    """A network that holds the server's first answer to ticking ("1 selected") until released."""

    def __init__(self) -> None:
        self.held: list = []

    def __call__(self, route) -> None:
        answer = route.fetch()
        if "已選 1 筆" in answer.text():
            self.held.append((route, answer))
        else:
            route.fulfill(response=answer)

    def release(self) -> None:
        for route, answer in self.held:
            route.fulfill(response=answer)


def test_select_orders_send_a_batch_notice_and_watch_it_settle(sandbox, make_shop, salesperson, browser_as):
    shop = make_shop(rate=1000.0)
    orders = pull(shop, [remote_order(sandbox, shop, new_buyer()) for _n in range(3)])
    page = browser_as(salesperson)

    with screenshot_on_failure(page, "notice_batch_journey"):
        page.goto(f"{page.base_url}/orders/")
        # Ticked faster than the server answers, on a network that brings the first answer
        # ("1 selected") last: the count still ends at all three.
        network = FirstAnswerLast()
        page.route("**/orders/selection/*/", network)
        boxes = page.locator("tr[data-order] input[type=checkbox]")
        expect(boxes).to_have_count(3)
        boxes.evaluate_all("boxes => boxes.forEach(box => box.click())")
        page.wait_for_timeout(1000)  # the other answers arrive meanwhile, if the page asked already
        network.release()
        expect(page.locator("#selected-count")).to_have_text("已選 3 筆")
        expect(boxes.and_(page.locator(":checked"))).to_have_count(3)
        page.locator("#batch-notice-button").click()
        page.locator("textarea[name=text]").fill("親愛的客戶您好:\n您的訂單:[訂單單號] 已出貨")
        page.get_by_role("button", name="預覽").click()
        preview = page.locator("#preview")
        expect(preview).to_contain_text(f"您的訂單:{orders[0].order_sn} 已出貨")
        expect(preview.locator("[data-messages]")).to_have_text("3")
        page.locator("#confirm-button").click()

        expect(page.locator("h1")).to_contain_text("執行結果")
        expect(page.locator("tr[data-order]")).to_have_count(3)
        # No worker here: this test delivers, the page refreshes itself until all are sent.
        wait_until(lambda: outbox_deliver_due(budget_seconds=5) == 0 and len(sandbox.deliveries()) == 3)
        expect(page.locator("#notice-rows[data-settled=yes]")).to_have_count(1, timeout=10_000)
        expect(page.locator("tr[data-state=sent]")).to_have_count(3)

    texts = sorted(d["content"]["text"] for d in sandbox.deliveries())
    assert texts == sorted(f"親愛的客戶您好:\n您的訂單:{o.order_sn} 已出貨" for o in orders)

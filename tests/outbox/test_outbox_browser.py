"""The 通知 page in a real browser against the live server and the sandbox: a staff member finds
the message Shopee refused, retries it once the buyer has answered, and sees it sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from outbox.delivery import outbox_deliver_due
from outbox.models import OutgoingMessage
from tests.outbox.helpers import buyers_who_wrote, delivered_texts, queue
from tests.utils import screenshot_on_failure

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("eager_tasks"),
]


def test_staff_retry_a_refused_notice_after_the_buyer_answers(sandbox, make_shop, salesperson, browser_as):
    shop = make_shop()
    (buyer,) = buyers_who_wrote(sandbox, shop, 1)
    texts = [f"出貨進度通知 第{n}則" for n in range(1, 7)]
    for text in texts:
        queue(shop, buyer, text)
    outbox_deliver_due(budget_seconds=10)  # five go out; Shopee refuses the sixth
    sandbox.buyer_says(shop.shop_id, "收到，謝謝", buyer_id=buyer)
    page = browser_as(salesperson)

    with screenshot_on_failure(page, "outbox_retry_journey"):
        page.goto(f"{page.base_url}/notices/")
        page.locator(".state-counts a[data-state=failed]").click()
        row = page.locator("tr[data-state=failed]")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("出貨進度通知 第6則")
        expect(row).to_contain_text("已達 5 則訊息上限：買家回覆後才能再傳送")

        row.get_by_role("button", name="重新傳送").click()
        expect(page.locator(".flash")).to_contain_text("訊息已重新排入傳送")
        expect(page.locator("tr[data-state=failed]")).to_have_count(0)  # still the 失敗 filter
        page.locator(".state-counts a[data-state=sent]").click()
        expect(page.locator(".state-counts a[data-state=sent] .count")).to_have_text("6")
        expect(page.locator("tr[data-state=sent]").first).to_contain_text("出貨進度通知 第6則")

    assert delivered_texts(sandbox, shop) == dict.fromkeys(texts, 1)
    assert not OutgoingMessage.objects.exclude(state=OutgoingMessage.State.SENT).exists()

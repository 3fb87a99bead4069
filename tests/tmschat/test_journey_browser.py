"""The seed's journey in one browser session, as a new user walks it, under our Content-Security-
Policy: 帳號, a Taiwanese shop's chat login confirmed by the page's own poll, the inbox and a
conversation, 訂單 with a finished action (匯入訂單) and a running one (轉出貨, watched until it ends),
商品, 批次通知 preview and 執行結果, 自動出貨通知, 通知, 狀態, the admin's index and a list.

It fails on any console error, uncaught script error, Content-Security-Policy violation or server
error anywhere on the way: a page whose script the policy blocks is a dead page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.services import shop_create
from book.models import BookAction
from book.tasks import book_action_run
from chat.sync import chat_sync_shop
from tests.book.helpers import line, product, pull, remote_order
from tests.chat.helpers import verified_shop
from tests.utils import screenshot_on_failure, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every violation of the page's policy, from the first script on (the console says it too).
CSP_LISTENER = """
window.__refused = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__refused.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


class Trouble:
    """What went wrong in the browser on the way, page by page."""

    def __init__(self, page) -> None:
        self.page, self.found = page, []
        page.add_init_script(CSP_LISTENER)
        page.on(
            "console", lambda m: m.type == "error" and self.found.append(f"console: {m.text} ({m.location})")
        )
        page.on("pageerror", lambda error: self.found.append(f"script: {error} ({page.url})"))
        page.on("response", lambda r: r.status >= 500 and self.found.append(f"{r.status}: {r.url}"))

    def visit(self, path: str) -> None:
        self.check()
        self.page.goto(f"{self.page.base_url}{path}")

    def check(self) -> None:
        """The policy's refusals on the page open now (each page starts its own list)."""
        if self.page.url.startswith("http"):
            refused = self.page.evaluate("window.__refused || []")
            self.found += [f"CSP: {violation} ({self.page.url})" for violation in refused]


@pytest.fixture
def world(sandbox, salesperson):
    """A superuser salesperson's shop verified on the sandbox with a buyer's chat and orders to
    ship, a Taiwanese shop waiting for its chat login, and stock for the orders."""
    salesperson.is_superuser = True
    salesperson.save()
    shop = verified_shop(sandbox, salesperson, name="我的測試賣場")
    sandbox.buyer_says(shop.shop_id, "請問今天會出貨嗎？🙏", buyer_id="700000001", buyer_name="王小明")
    chat_sync_shop(shop=shop)
    product("CUP", 10, "北歐風陶瓷馬克杯")
    orders = [
        remote_order(sandbox, shop, line("CUP", 1), buyer_id=f"70000000{n}", buyer_name=f"買家{n}")
        for n in range(1, 4)
    ]
    pull(shop, *orders)
    remote_tw = sandbox.create_shop(account="twjourney", password="pw-1234", name="台灣小舖", region="TW")
    taiwanese = shop_create(name="台灣小舖", account="twjourney", salesperson=salesperson)
    return shop, taiwanese, remote_tw, orders


def test_every_page_of_the_journey_works_under_its_policy_without_an_error(
    world, sandbox, salesperson, browser_as, settings
):
    settings.SELLERCENTRE_LINK_POLL_SECONDS = 1.0
    shop, taiwanese, remote_tw, orders = world
    page = browser_as(salesperson)
    trouble = Trouble(page)

    with screenshot_on_failure(page, "journey"):
        trouble.visit("/shops/")  # 帳號
        expect(page.locator(f"tr[data-shop='{shop.pk}']")).to_contain_text("我的測試賣場")

        trouble.visit(f"/shops/{taiwanese.pk}/chat-login/")  # 聊聊登入認證, confirmed by the page's poll
        page.fill("input[name=password]", "pw-1234")
        page.click("button.chat-login.start")
        expect(page.locator("#chat-link-sent")).to_contain_text("請在手機上點擊蝦皮傳送的驗證連結")
        sandbox.sc_tap_link(remote_tw["shop_id"])
        page.wait_for_url(f"{page.base_url}/shops/")
        expect(page.locator(".flash")).to_contain_text("台灣小舖：聊聊登入認證已驗證")

        trouble.visit("/chat/")  # the inbox, then a conversation loaded into its pane
        page.get_by_text("王小明", exact=True).click()
        expect(page.locator("#thread")).to_contain_text("請問今天會出貨嗎？🙏")
        box = page.locator("#reply-text")
        box.evaluate("box => { box.style.height = '120px' }")  # as dragging its resize handle does
        box.fill("好的，今天出貨 📦")
        box.press("Enter")  # htmx swaps the composer: its settling must not set a style attribute
        expect(page.locator("#thread, #pending").get_by_text("好的，今天出貨 📦")).to_have_count(1)
        box.press("Enter")  # an empty reply: refused in words, nothing queued

        trouble.visit("/orders/")  # 訂單: a finished action …
        expect(page.locator("#export-button")).to_have_text("匯出篩選結果 (3 筆)")
        page.get_by_role("button", name="全選").click()
        expect(page.locator("#export-button")).to_have_text("匯出所選 3 筆")
        page.get_by_role("button", name="匯入訂單", exact=True).click()
        expect(page.locator("#summary")).to_contain_text("完成 3 筆")

        trouble.check()  # … and a running one, watched until it ends (no worker: this test runs it)
        page.get_by_role("link", name="回到訂單").click()
        page.get_by_label("寄件人").fill("王小美")
        page.get_by_role("button", name="轉出貨").click()
        expect(page.locator("#progress")).to_contain_text("處理中：0 / 3 筆訂單")
        action = BookAction.objects.get(kind=BookAction.Kind.CONVERT)
        book_action_run(action.pk)
        expect(page.locator("#summary")).to_contain_text("完成 3 筆", timeout=20_000)

        trouble.visit("/orders/products/")  # 商品
        expect(page.locator("tr[data-sku=CUP] .on-hand")).to_have_text("7")

        trouble.visit("/orders/")  # 批次通知: preview, then 執行結果
        page.locator("#batch-notice-button").click()
        page.locator("textarea[name=text]").fill("您的訂單:[訂單單號] 已出貨 📦")
        page.get_by_role("button", name="預覽").click()
        expect(page.locator("#preview")).to_contain_text(f"您的訂單:{orders[0]['order_sn']} 已出貨 📦")
        trouble.check()
        page.locator("#confirm-button").click()
        expect(page.locator("h1")).to_contain_text("執行結果")
        expect(page.locator("tr[data-order]")).to_have_count(3)
        page.wait_for_timeout(1500)  # the results poll at least once

        trouble.visit("/notices/batches/auto/")  # 自動出貨通知
        expect(page.locator("h1")).to_have_text("自動出貨通知")
        trouble.visit("/notices/")  # 通知
        expect(page.locator("tr[data-message]")).to_have_count(4)  # the reply and the batch
        trouble.visit("/status/")  # 狀態
        expect(page.locator("h1")).to_contain_text("狀態")
        trouble.visit("/reports/")  # 報表: the charts are drawn by the server, no script
        expect(page.locator("h1")).to_have_text("報表")

        page.get_by_role("navigation", name="主選單").get_by_role("link", name="管理後台").click()
        expect(page).to_have_title(re.compile("TMS Chat 管理"))
        # The admin's pages have no icon link of ours: the browser's own ask finds the icon.
        icon = page.request.get(f"{page.base_url}/favicon.ico")
        assert icon.ok and icon.headers["content-type"].startswith("image/svg")
        trouble.visit("/admin/outbox/outgoingmessage/")
        expect(page.locator("#result_list tbody tr")).to_have_count(4)
        trouble.check()

    assert trouble.found == [], "\n".join(trouble.found)
    wait_until(lambda: BookAction.objects.filter(finished_at__isnull=False).count() == 2)

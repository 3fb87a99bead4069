"""The inbox in a real browser against the live server, the sandbox and a real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chat import sync
from tests.chat.sync_fixtures import (  # noqa: F401 - fixtures
    WORKER_SETTINGS,
    buyer_id,
    pushes_to_fixture,
    remote_conversations,
    shop_fixture,
)
from tests.utils import screenshot_on_failure, wait_until

PENDING_RED = "rgb(209, 36, 47)"  # --pending in app.css


@pytest.mark.browser
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_staff_find_a_buyer_reply_and_watch_the_conversation_live(
    sandbox,
    shop,
    salesperson,
    browser_as,
    live_server,
    pushes_to,
    start_worker,
    require_postgres,
    require_redis,
):
    sandbox.shift_clock(-20 * 86400)
    sandbox.buyer_says(shop.shop_id, "上個月買的還沒到", buyer_id=buyer_id(1), buyer_name="老王")
    sandbox.shift_clock(20 * 86400)
    sandbox.buyer_says(
        shop.shop_id, "<script>alert('hi')</script>請問何時出貨?", buyer_id=buyer_id(2), buyer_name="小明"
    )
    sync.chat_sync_shop(shop=shop)
    pushes_to(live_server.url)
    start_worker(DJANGO_SETTINGS_MODULE=WORKER_SETTINGS)
    page = browser_as(salesperson)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    with screenshot_on_failure(page, "inbox_journey"):
        page.goto(f"{page.base_url}/chat/")
        page.evaluate("window.__samePage = true")
        buyers = page.locator("#conversation-list .conv-buyer")
        expect(buyers).to_have_text(["小明"])  # the last 7 days

        month_ago = timezone.localdate() - timedelta(days=30)
        page.fill("#id_last_from", month_ago.isoformat())
        expect(buyers).to_have_text(["小明", "老王"])

        page.get_by_text("小明", exact=True).click()
        thread = page.locator("#thread")
        expect(thread).to_contain_text("<script>alert('hi')</script>請問何時出貨?")
        conversation_id = next(
            cid for cid, c in remote_conversations(sandbox, shop).items() if str(c["buyer_id"]) == buyer_id(2)
        )
        wait_until(
            lambda: remote_conversations(sandbox, shop)[conversation_id]["unread_count"] == 0,
            message="read on Shopee",
        )

        box = page.locator("#reply-text")
        box.fill("您好,")
        box.press("Shift+Enter")
        box.type("今天會出貨 😀")
        assert box.input_value() == "您好,\n今天會出貨 😀"
        box.press("Enter")

        pending = page.locator("#pending .msg.outgoing", has_text="今天會出貨")
        expect(pending).to_be_visible()
        assert pending.locator(".bubble").evaluate("el => getComputedStyle(el).color") == PENDING_RED
        expect(box).to_have_value("")

        expect(pending).to_have_count(0, timeout=20_000)  # the worker delivered it
        delivered = thread.locator(".msg.from-seller", has_text="今天會出貨")
        expect(delivered).to_be_visible()
        assert delivered.locator(".bubble").evaluate("el => getComputedStyle(el).color") != PENDING_RED
        assert [d["content"]["text"] for d in sandbox.deliveries(shop_id=shop.shop_id)] == [
            "您好,\n今天會出貨 😀"
        ]

        sandbox.buyer_says(shop.shop_id, "收到,謝謝!", buyer_id=buyer_id(2))
        expect(thread.locator(".msg.from-buyer", has_text="收到,謝謝!")).to_be_visible(timeout=10_000)

        page.locator(".pane-head").click()  # leave the message box; arrows now move between buyers
        page.keyboard.press("ArrowDown")
        expect(page.locator(".pane-buyer")).to_have_text("老王")
        expect(page.locator("#thread")).to_contain_text("上個月買的還沒到")

        assert page.evaluate("window.__samePage") is True, "the page was reloaded"
        assert dialogs == [], "a buyer's script ran"

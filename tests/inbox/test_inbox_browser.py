"""The inbox in a real browser against the live server, the sandbox and a real worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chat import sync
from chat.models import Conversation
from tests.chat.helpers import (
    WORKER_SETTINGS,
    buyer_id,
    pushes_to_server,
    remote_conversations,
    verified_shop,
)
from tests.utils import screenshot_on_failure, wait_until

PENDING_RED = "rgb(209, 36, 47)"  # --pending in app.css


@pytest.mark.browser
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_staff_find_a_buyer_reply_and_watch_the_conversation_live(
    sandbox,
    settings,
    salesperson,
    browser_as,
    live_server,
    start_worker,
    require_postgres,
    require_redis,
):
    shop = verified_shop(sandbox, salesperson)
    sandbox.shift_clock(-20 * 86400)
    sandbox.buyer_says(shop.shop_id, "上個月買的還沒到", buyer_id=buyer_id(1), buyer_name="老王")
    sandbox.shift_clock(20 * 86400)
    sandbox.buyer_says(
        shop.shop_id, "<script>alert('hi')</script>請問何時出貨?", buyer_id=buyer_id(2), buyer_name="小明"
    )
    sync.chat_sync_shop(shop=shop)
    pushes_to_server(sandbox, settings, live_server.url)
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

        # A colleague answers in Seller Centre; seconds later the buyer writes. The buyer's message
        # comes by push at once, the colleague's with the next pull, and goes above it.
        sandbox.seller_centre_says(shop.shop_id, buyer_id(2), "賣家中心:已安排出貨")
        sandbox.shift_clock(2)
        sandbox.buyer_says(shop.shop_id, "收到,謝謝!", buyer_id=buyer_id(2))
        expect(thread.locator(".msg.from-buyer", has_text="收到,謝謝!")).to_be_visible(timeout=10_000)
        sync.chat_sync_shop(shop=shop)
        expect(thread.locator(".msg").nth(-2)).to_contain_text("賣家中心:已安排出貨", timeout=10_000)
        expect(thread.locator(".msg").last).to_contain_text("收到,謝謝!")

        expect(box).to_be_focused()  # an empty message box: the arrows move between buyers
        page.keyboard.press("ArrowDown")
        expect(page.locator(".pane-buyer")).to_have_text("老王")
        expect(page.locator("#thread")).to_contain_text("上個月買的還沒到")
        page.keyboard.press("ArrowUp")
        expect(page.locator(".pane-buyer")).to_have_text("小明")

        assert page.evaluate("window.__samePage") is True, "the page was reloaded"
        assert dialogs == [], "a buyer's script ran"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_long_list_loads_more_as_staff_scroll_it_and_the_page_stays_put(own_shop, salesperson, browser_as):
    now = timezone.now()
    Conversation.objects.bulk_create(
        Conversation(
            shop=own_shop,
            conversation_id=str(10**17 + n),
            buyer_id=buyer_id(n),
            buyer_name=f"買家{n:03d}",
            last_message_at=now - timedelta(minutes=n),
            last_message_ns=int((now - timedelta(minutes=n)).timestamp()) * 10**9,
            last_message_text="請問這個還有貨嗎?想買兩個,可以一起寄嗎?" * 3,
            last_message_from_buyer=True,
        )
        for n in range(120)
    )
    page = browser_as(salesperson)

    with screenshot_on_failure(page, "inbox_long_list"):
        page.goto(f"{page.base_url}/chat/")
        rows = page.locator("#conversation-list .conv")
        expect(rows).to_have_count(50)
        for loaded in (100, 120):  # the list scrolls in its own box, not the window
            page.locator("#conversation-list").evaluate("el => el.scrollTop = el.scrollHeight")
            expect(rows).to_have_count(loaded)
        expect(rows.last).to_contain_text("買家119")

        page.locator("#conversation-list").evaluate("el => el.scrollTop = 0")
        rows.first.click()
        expect(page.locator(".pane-buyer")).to_have_text("買家000")
        for number in range(1, 13):  # down past the bottom of the visible rows
            page.keyboard.press("ArrowDown")
            expect(page.locator(".pane-buyer")).to_have_text(f"買家{number:03d}")
        expect(rows.nth(12)).to_be_in_viewport()
        assert page.evaluate("document.scrollingElement.scrollTop") == 0
        # A long preview is cut short inside its row, the time beside it stays in view.
        box = rows.first.locator(".conv-time").bounding_box()
        assert box["x"] + box["width"] <= rows.first.bounding_box()["x"] + rows.first.bounding_box()["width"]

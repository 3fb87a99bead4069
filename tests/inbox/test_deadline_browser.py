"""Shopee's 12-hour window in a real browser: a buyer's message crosses the warning threshold while
the page is open (the sandbox's clock moved so the message is nearly 11 hours old), and the header's
count and the row's countdown change without a reload; a reply typed in Seller Centre clears both."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from chat import sync
from chat.models import Conversation
from tests.chat.helpers import buyer_id, verified_shop
from tests.utils import screenshot_on_failure

WARN_MINUTES = 60
MARGIN = 30  # seconds from storing the message until it comes within the warning time


@pytest.mark.browser
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_conversation_crossing_the_threshold_turns_amber_and_counts_in_the_header(
    sandbox, settings, salesperson, browser_as, live_server, require_postgres, require_redis
):
    settings.CHAT_REPLY_WARN_MINUTES = WARN_MINUTES
    settings.CHAT_DEADLINE_POLL_SECONDS = 1
    shop = verified_shop(sandbox, salesperson)
    age = 12 * 3600 - WARN_MINUTES * 60 - MARGIN
    sandbox.shift_clock(-age)
    sandbox.buyer_says(shop.shop_id, "請問今天會出貨嗎?", buyer_id=buyer_id(1), buyer_name="小明")
    sandbox.shift_clock(age)
    stored_at = time.monotonic()
    sync.chat_sync_shop(shop=shop)
    page = browser_as(salesperson)
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    with screenshot_on_failure(page, "deadline_crossing"):
        page.goto(f"{page.base_url}/chat/")
        page.evaluate(
            "window.__near = [];"
            "document.addEventListener('chat:deadline-near', (e) => window.__near.push(...e.detail.pks))"
        )
        badge = page.locator("#reply-deadlines")
        countdown = page.locator(".conv .deadline")
        assert time.monotonic() - stored_at < MARGIN - 5, "the machine was too slow to see the crossing"
        expect(badge.locator(".deadline-count")).to_have_text("0")
        expect(countdown).to_have_class("deadline ok")
        expect(countdown).to_have_text("剩 1:00")

        expect(badge.locator(".deadline-count")).to_have_text("1", timeout=(MARGIN + 15) * 1000)
        expect(badge).to_have_class("deadline-badge near")
        conversation = Conversation.objects.get(shop=shop, buyer_id=buyer_id(1))
        assert page.evaluate("window.__near") == [str(conversation.pk)]  # the alert's data
        expect(countdown).to_have_class("deadline near", timeout=20_000)  # the row ticks every 15 s
        expect(countdown).to_have_text("剩 0:59")

        page.get_by_text("即將逾時", exact=True).first.click()  # the header's count opens 即將逾時
        expect(page.locator("#id_due")).to_be_checked()
        expect(page.locator("#conversation-list .conv-buyer")).to_have_text(["小明"])

        sandbox.seller_centre_says(shop.shop_id, buyer_id(1), "今天下午出貨")
        sync.chat_sync_shop(shop=shop)
        expect(badge.locator(".deadline-count")).to_have_text("0", timeout=10_000)
    assert errors == []

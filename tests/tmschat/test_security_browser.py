"""The inbox under its Content-Security-Policy in a real browser: htmx and our scripts and styles
run, a buyer's photo from an allowed host is asked for, one from anywhere else is refused."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import ConversationFactory, MessageFactory
from tests.utils import screenshot_on_failure

# Collects what the page's policy refused, from the first script on.
CSP_LISTENER = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", (e) => window.__refused.push(e.blockedURI || e.violatedDirective));
"""
FOREIGN_PHOTO = "http://tracker.example/pixel.gif"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_inbox_works_under_its_policy_and_refuses_foreign_images(browser_as, salesperson, own_shop, settings):
    allowed_photo = f"{settings.SHOPEE_BASE_URL}/_photos/allowed.jpg"  # the sandbox in development
    now = timezone.now()
    conversation = ConversationFactory(shop=own_shop, buyer_name="王先生", last_message_at=now)
    for url in (allowed_photo, FOREIGN_PHOTO):
        MessageFactory(conversation=conversation, message_type="image", content={"url": url}, text="")
    MessageFactory(conversation=conversation, text="請看照片")
    page = browser_as(salesperson)
    page.add_init_script(CSP_LISTENER)
    console_refusals = []
    page.on("console", lambda m: "Content Security Policy" in m.text and console_refusals.append(m.text))

    with screenshot_on_failure(page, "csp_inbox"):
        page.goto(f"{page.base_url}/chat/")
        page.get_by_text("王先生", exact=True).click()  # htmx loads the conversation into the pane
        expect(page.locator(".pane-buyer")).to_have_text("王先生")
        expect(page.locator("#thread")).to_contain_text("請看照片")
        expect(page.locator("#reply-text")).to_be_visible()
        # Our stylesheet applies (no inline styles needed).
        assert page.locator(".topbar").evaluate("el => getComputedStyle(el).display") != "inline"
        page.wait_for_function("window.__refused.length > 0")

    assert set(page.evaluate("window.__refused")) == {FOREIGN_PHOTO}  # nothing of ours was refused
    assert all(FOREIGN_PHOTO in text for text in console_refusals)

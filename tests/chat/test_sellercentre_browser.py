"""The seed's 聊聊登入認證 in a real browser, against the live server, the sandbox's Seller Centre
face (its phone page) and a real worker: password → link tapped on the phone → click again →
已驗證, button gone → the inbox shows the shop's chats → a reply goes once through the session."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Shop
from accounts.services import shop_create
from tests.chat.helpers import WORKER_SETTINGS
from tests.utils import screenshot_on_failure, wait_until


def tap_the_link_on_the_phone(page, sandbox, shop_id) -> None:
    """The seller's phone: the sandbox's page with Shopee's text message, its link tapped."""
    phone = page.context.new_page()
    phone.goto(f"{sandbox.url}/phone?shop_id={shop_id}")
    phone.locator(".sms-link").first.click()
    phone.click("#approve-link")
    expect(phone.locator("#link-done")).to_be_visible()
    phone.close()


@pytest.mark.browser
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_chat_login_in_three_steps_then_a_reply_goes_once_through_the_session(
    sandbox, salesperson, browser_as, start_worker, require_postgres, require_redis, settings
):
    settings.SELLERCENTRE_LINK_POLL_SECONDS = 600  # the seed's second click, not the page's poll
    remote = sandbox.create_shop(account="twseller", password="pw-1234", name="台灣小舖")
    sandbox.buyer_says(remote["shop_id"], "請問有現貨嗎?", buyer_id="300012345", buyer_name="小明")
    shop = shop_create(name="台灣小舖", account="twseller", salesperson=salesperson)
    start_worker(DJANGO_SETTINGS_MODULE=WORKER_SETTINGS)
    page = browser_as(salesperson)

    with screenshot_on_failure(page, "sellercentre_chat_login"):
        page.goto(f"{page.base_url}/shops/")
        row = page.locator(f"tr[data-shop='{shop.pk}']")
        expect(row.locator(".chat-state")).to_have_text("未驗證")
        row.get_by_role("link", name="聊聊登入認證").click()

        expect(page.locator("input[name=login_name]")).to_have_value("twseller")
        page.fill("input[name=password]", "wrong")
        page.click("button.chat-login.start")
        expect(page.locator(".flash")).to_contain_text("登入帳號或密碼錯誤")

        page.fill("input[name=password]", "pw-1234")
        page.click("button.chat-login.start")
        expect(page.locator("#chat-link-sent")).to_contain_text("請在手機上點擊蝦皮傳送的驗證連結")
        page.click("button.chat-login.confirm")  # before the tap: it says so, still waiting
        expect(page.locator(".flash")).to_contain_text("賣家尚未在手機上點擊驗證連結")

        tap_the_link_on_the_phone(page, sandbox, remote["shop_id"])

        page.click("button.chat-login.confirm")
        page.wait_for_url(f"{page.base_url}/shops/")
        expect(page.locator(".flash")).to_contain_text("已驗證")
        row = page.locator(f"tr[data-shop='{shop.pk}']")
        expect(row.locator(".chat-state")).to_have_text("已驗證")
        expect(row.get_by_role("link", name="聊聊登入認證")).to_have_count(0)
        expect(row.get_by_role("button", name="聊聊登入認證")).to_have_count(0)
        expect(row.get_by_role("button", name="蝦皮API授權")).to_be_visible()  # orders: separate

        page.goto(f"{page.base_url}/chat/")  # the worker pulled the chats on verification
        expect(page.get_by_text("小明", exact=True)).to_be_visible(timeout=20_000)
        page.get_by_text("小明", exact=True).click()
        expect(page.locator("#thread")).to_contain_text("請問有現貨嗎?")
        box = page.locator("#reply-text")
        box.fill("有的,今天出貨")
        box.press("Enter")
        delivered = page.locator("#thread .msg.from-seller", has_text="有的,今天出貨")
        expect(delivered).to_be_visible(timeout=20_000)

    wait_until(lambda: sandbox.deliveries(shop_id=remote["shop_id"]), message="delivered")
    [row] = sandbox.deliveries(shop_id=remote["shop_id"])
    assert row["via"] == "seller_centre" and row["content"]["text"] == "有的,今天出貨"
    assert Shop.objects.get(pk=shop.pk).chat_state == Shop.ChatState.VERIFIED


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_chat_login_page_turns_verified_by_itself_once_the_link_is_tapped(
    sandbox, salesperson, browser_as, settings, require_postgres
):
    settings.SELLERCENTRE_LINK_POLL_SECONDS = 1.0
    remote = sandbox.create_shop(account="twpoll", password="pw-1234", name="台灣小舖")
    shop = shop_create(name="台灣小舖", account="twpoll", salesperson=salesperson)
    page = browser_as(salesperson)

    with screenshot_on_failure(page, "sellercentre_chat_login_poll"):
        page.goto(f"{page.base_url}/shops/{shop.pk}/chat-login/")
        page.fill("input[name=password]", "pw-1234")
        page.click("button.chat-login.start")
        expect(page.locator("#chat-link-sent")).to_contain_text("請在手機上點擊蝦皮傳送的驗證連結")
        expect(page.locator("#chat-link-poll")).to_contain_text("自動確認")

        tap_the_link_on_the_phone(page, sandbox, remote["shop_id"])

        page.wait_for_url(f"{page.base_url}/shops/")  # no click: the page confirmed by itself
        row = page.locator(f"tr[data-shop='{shop.pk}']")
        expect(row.locator(".chat-state")).to_have_text("已驗證")
        expect(row.get_by_role("link", name="聊聊登入認證")).to_have_count(0)
    assert Shop.objects.get(pk=shop.pk).chat_state == Shop.ChatState.VERIFIED

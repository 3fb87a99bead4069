"""The whole [聊聊登入認證] journey in Chromium against the running sandbox: our page → Shopee's
pages (password, phone link, approval) → back, verified, button gone."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Shop
from tests.accounts.helpers import KTMST
from tests.factories import ShopFactory
from tests.utils import screenshot_on_failure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_at_shopee(page, *, password: str) -> None:
    page.fill("#account", KTMST["account"])
    page.fill("#password", password)
    page.click("#login-button")


def test_add_a_shop_through_shopee_and_see_it_verified(browser_as, sandbox_shops, salesperson):
    page = browser_as(salesperson)
    with screenshot_on_failure(page, "accounts-add-shop"):
        page.goto(f"{page.base_url}/shops/")
        page.get_by_role("button", name="從蝦皮新增賣場").click()

        sign_in_at_shopee(page, password=KTMST["password"])
        expect(page.locator("#phone-notice")).to_contain_text("驗證連結已傳送至您的手機")
        page.click("#phone-confirm")
        expect(page.locator("#shop-name")).to_have_text("我的測試賣場")
        page.click("#approve")

        page.wait_for_url(f"{page.base_url}/shops/")
        expect(page.locator(".flash")).to_contain_text("已驗證")
        row = page.locator("table.shops tbody tr", has_text=KTMST["shop_id"])
        expect(row).to_contain_text("我的測試賣場")
        expect(row.locator(".check")).to_have_text("☑")
        expect(row.locator(".badge")).to_have_text("已驗證")
        expect(row.get_by_role("button", name="聊聊登入認證")).to_have_count(0)
        expect(row).to_contain_text("364 天後到期")
    assert Shop.objects.get().salesperson == salesperson


def test_wrong_password_then_denied_authorization_leave_the_shop_unverified(
    browser_as, sandbox_shops, salesperson
):
    shop = ShopFactory(name="測試賣場", salesperson=salesperson)
    page = browser_as(salesperson)
    with screenshot_on_failure(page, "accounts-wrong-password-denied"):
        page.goto(f"{page.base_url}/shops/")
        row = page.locator(f"tr[data-shop='{shop.pk}']")
        row.get_by_role("button", name="聊聊登入認證").click()

        sign_in_at_shopee(page, password="not-the-password")
        expect(page.locator("#error")).to_have_text("帳號或密碼錯誤，請重新輸入。")

        sign_in_at_shopee(page, password=KTMST["password"])
        page.click("#phone-confirm")
        page.click("#deny")

        page.wait_for_url(re.compile(r"/shops/$"))
        expect(page.locator(".flash")).to_contain_text("蝦皮未授權，賣場狀態未變更")
        expect(row.locator(".check")).to_have_text("☐")
        expect(row.get_by_role("button", name="聊聊登入認證")).to_be_visible()
    shop.refresh_from_db()
    assert (shop.state, shop.shop_id) == (Shop.State.UNVERIFIED, None)

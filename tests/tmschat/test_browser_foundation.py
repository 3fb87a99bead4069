"""A staff member signs in through the form, finds the navigation in Traditional Chinese and
switches the interface to English."""

import pytest

from tests.utils import screenshot_on_failure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_see_chinese_navigation_and_switch_to_english(_browser, live_server, salesperson):
    context = _browser.new_context(locale="zh-TW", timezone_id="Asia/Taipei")
    page = context.new_page()
    with screenshot_on_failure(page, "sign-in-and-language"):
        page.goto(f"{live_server.url}/status/")
        assert "/login/" in page.url

        page.fill("#id_username", "sales")
        page.fill("#id_password", "pw-for-tests-1")
        page.click("button[type=submit].primary")
        page.wait_for_url(f"{live_server.url}/status/")

        nav = page.locator("nav.mainnav")
        for label in ("帳號", "訂單", "聊聊", "通知", "狀態"):
            assert nav.get_by_text(label, exact=True).is_visible()
        assert page.locator("html").get_attribute("lang") == "zh-hant"

        page.click("button[name=language][value=en]")
        page.wait_for_load_state()
        for label in ("Accounts", "Orders", "Chat", "Notices", "Status"):
            assert nav.get_by_text(label, exact=True).is_visible()
        assert page.url.endswith("/status/")
        assert page.locator("html").get_attribute("lang") == "en"
    context.close()

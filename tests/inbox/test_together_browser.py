"""Made for a team, in a real browser: two colleagues on one buyer (who else is here, who is typing,
the question before a second answer), and one person's quick replies with "/" and the keys."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chat.models import Conversation, QuickReply
from outbox.models import OutgoingMessage
from tests.factories import ConversationFactory, OrderFactory
from tests.utils import screenshot_on_failure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def buyer(shop, name: str, minutes_ago: int):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return ConversationFactory(
        shop=shop,
        buyer_name=name,
        last_message_at=at,
        last_message_ns=int(at.timestamp()) * 10**9,
        last_message_text="請問何時出貨?",
        last_message_from_buyer=True,
    )


def problems_of(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_two_colleagues_on_one_buyer_see_each_other_and_the_second_answer_is_asked_about(
    own_shop, salesperson, manager, browser_as, client
):
    conv = buyer(own_shop, "小明", 5)
    me = browser_as(salesperson)
    client.cookies.clear()  # a second session: signing the test client in again would end the first
    boss = browser_as(manager)
    problems = problems_of(me) + problems_of(boss)

    with screenshot_on_failure(me, "team_two_colleagues"):
        me.goto(f"{me.base_url}/chat/?c={conv.pk}")
        boss.goto(f"{boss.base_url}/chat/?c={conv.pk}")

        expect(me.locator("#presence")).to_contain_text("主管 也在看這段對話", timeout=3_000)
        expect(boss.locator("#presence")).to_contain_text("小美 也在看這段對話", timeout=3_000)

        started = time.monotonic()
        me.locator("#reply-text").type("您好,明天")
        expect(boss.locator("#presence")).to_contain_text("小美 正在輸入…", timeout=3_000)
        assert time.monotonic() - started < 3.5

        # The colleague answers first.
        boss.locator("#reply-text").fill("您好,今天就會出貨")
        boss.locator("#reply-text").press("Enter")
        expect(boss.locator("#pending")).to_contain_text("您好,今天就會出貨")

        me.locator("#reply-text").type("出貨")
        me.locator("#reply-text").press("Enter")
        question = me.locator("#composer-question .other-answer")
        expect(question).to_contain_text("主管 剛在")
        expect(question).to_contain_text("秒前回覆了這位買家")
        expect(question).to_contain_text("您好,今天就會出貨")
        assert OutgoingMessage.objects.filter(queued_by=salesperson).count() == 0

        question.get_by_role("button", name="取消").click()
        expect(question).to_have_count(0)
        expect(me.locator("#reply-text")).to_have_value("您好,明天出貨")  # the draft is kept
        assert OutgoingMessage.objects.filter(queued_by=salesperson).count() == 0

        me.locator("#reply-text").press("Enter")
        me.get_by_role("button", name="仍要傳送").click()
        expect(me.locator("#pending")).to_contain_text("您好,明天出貨")
        expect(me.locator("#reply-text")).to_have_value("")
        assert list(OutgoingMessage.objects.order_by("id").values_list("text", "queued_by")) == [
            ("您好,今天就會出貨", manager.pk),
            ("您好,明天出貨", salesperson.pk),
        ]

        # One of them leaves: the other's pane says so within a beat.
        boss.goto(f"{boss.base_url}/chat/")
        expect(me.locator("#presence")).not_to_contain_text("主管", timeout=3_000)

    assert problems == []


# Presses e in the first moment after the pane of `name` is in the page, before any timer runs.
E_AS_THE_PANE_SHOWS = """name => {
  const seen = new MutationObserver(() => {
    if (document.querySelector("#pane .pane-buyer")?.textContent !== name) return;
    seen.disconnect();
    document.body.dispatchEvent(new KeyboardEvent("keydown", {key: "e", bubbles: true}));
  });
  seen.observe(document.getElementById("pane"), {childList: true, subtree: true});
}"""


def test_quick_replies_with_slash_and_the_keys_on_the_question_mark_overlay(
    own_shop, salesperson, browser_as
):
    newer = buyer(own_shop, "小明", 5)
    buyer(own_shop, "老王", 50)
    OrderFactory(shop=own_shop, order_sn="2412010001", buyer_user_id=newer.buyer_id, tracking_number="")
    QuickReply.objects.create(title="問候", text="[買家名稱] 您好,歡迎光臨 [賣場名稱]", position=1)
    QuickReply.objects.create(
        title="出貨單號", text="訂單 [訂單單號] 的物流單號:[物流單號]", shop=own_shop, position=2
    )
    page = browser_as(salesperson)
    problems = problems_of(page)
    # A route set just before a press can miss the request it fires: this one is set up front.
    held, holding = [], False
    page.route(
        lambda url: url.endswith(f"/c/{newer.pk}/"),
        lambda route: held.append(route) if holding else route.continue_(),
    )

    with screenshot_on_failure(page, "team_quick_replies_keys"):
        page.goto(f"{page.base_url}/chat/")
        page.locator("body").click(position={"x": 5, "y": 200})

        page.keyboard.press("?")
        overlay = page.locator("#keys-help")
        expect(overlay).to_be_visible()
        expect(overlay).to_contain_text("鍵盤快速鍵")
        for words in ("下一個對話", "上一個對話", "回覆：移到訊息框", "將對話標示為已解決", "快速回覆"):
            expect(overlay).to_contain_text(words)
        page.keyboard.press("Escape")
        expect(overlay).to_be_hidden()

        page.keyboard.press("j")
        expect(page.locator(".pane-buyer")).to_have_text("小明")
        expect(page.locator("#reply-text")).not_to_be_focused()  # j again moves on
        page.keyboard.press("j")
        expect(page.locator(".pane-buyer")).to_have_text("老王")

        # e acts on the buyer the list chose: while 小明's pane is on its way, 老王's stays open.
        holding = True
        page.keyboard.press("k")
        expect(page.locator(f"#conv-{newer.pk}")).to_have_class(re.compile(r"\bactive\b"))
        page.keyboard.press("e")
        expect(page.locator("#keys-note")).to_have_text("這位買家的對話還在載入，請稍候再按一次 e。")
        for _ in range(100):
            if held:
                break
            page.wait_for_timeout(50)
        assert held
        assert set(Conversation.objects.values_list("status", flat=True)) == {"open"}

        # e the moment 小明's pane shows (its [已解決] included) sends its request: htmx binds
        # what it swaps in before anything else runs (base.html: no settle delay).
        page.evaluate(E_AS_THE_PANE_SHOWS, "小明")
        holding = False
        held[0].continue_()
        expect(page.locator("#team-bar .status-badge")).to_have_text("已解決")
        expect(page.locator("#team-bar button.resolve")).to_have_count(0)
        assert Conversation.objects.get(pk=newer.pk).status == "resolved"
        assert Conversation.objects.exclude(pk=newer.pk).get().status == "open"
        box = page.locator("#reply-text")
        page.keyboard.press("r")
        expect(box).to_be_focused()
        page.keyboard.type("jk?")  # typing in the box: no key fires
        expect(box).to_have_value("jk?")
        expect(overlay).to_be_hidden()
        expect(page.locator(".pane-buyer")).to_have_text("小明")
        box.fill("")

        # "/" opens the picker; typing searches titles and texts; arrows and Enter insert.
        box.type("/")
        picker = page.locator("#quick-picker")
        expect(picker.locator(".quick-option")).to_have_count(2)
        box.type("歡迎")
        expect(picker.locator(".quick-option")).to_have_count(1)
        box.press("Enter")
        expect(box).to_have_value("小明 您好,歡迎光臨 我的測試賣場")
        expect(picker).to_be_hidden()
        assert not OutgoingMessage.objects.exists()  # Enter chose, it did not send

        box.fill("")
        box.blur()
        page.keyboard.press("/")  # outside the box: the box, with the picker open
        expect(box).to_be_focused()
        expect(picker.locator(".quick-option")).to_have_count(2)
        box.press("ArrowDown")
        expect(picker.locator('.quick-option[aria-selected="true"]')).to_contain_text("出貨單號")
        expect(picker.locator(".quick-option mark")).to_have_text(["[物流單號]"])  # no value yet
        box.press("Enter")
        expect(box).to_have_value("訂單 2412010001 的物流單號:[物流單號]")
        expect(page.locator("#composer-empty")).to_contain_text("這位買家沒有 [物流單號] 的資料")

        box.press("Enter")  # not sent: the gap is selected for the person to fill in
        assert box.evaluate("el => el.value.slice(el.selectionStart, el.selectionEnd)") == "[物流單號]"
        page.keyboard.type("TW123")
        expect(page.locator("#composer-empty")).to_be_hidden()
        box.press("Enter")
        expect(page.locator("#pending")).to_contain_text("訂單 2412010001 的物流單號:TW123")
        assert list(OutgoingMessage.objects.values_list("text", flat=True)) == [
            "訂單 2412010001 的物流單號:TW123"
        ]

    assert problems == []


NOTIFICATIONS_SEEN = """
window.__notes = [];
const Real = window.Notification;
window.Notification = class extends Real {
  constructor(title, options) { super(title, options); window.__notes.push([title, options.body]); }
};
"""


def test_a_new_buyer_message_in_mine_or_an_unassigned_conversation_notifies_those_who_opted_in(
    own_shop, salesperson, manager, browser_as
):
    unassigned = buyer(own_shop, "小明", 30)
    theirs = buyer(own_shop, "老王", 40)
    theirs.assignee = manager
    theirs.save()
    page = browser_as(salesperson)
    page.context.grant_permissions(["notifications"], origin=page.base_url)
    page.add_init_script(NOTIFICATIONS_SEEN)  # records what the page shows, the browser still shows it
    problems = problems_of(page)

    def new_message(conversation, text):
        at = timezone.now()
        type(conversation).objects.filter(pk=conversation.pk).update(
            last_message_at=at,
            last_message_ns=int(at.timestamp() * 10**9),
            last_message_text=text,
            last_message_from_buyer=True,
        )

    with screenshot_on_failure(page, "team_alerts"):
        page.goto(f"{page.base_url}/chat/")
        page.get_by_role("button", name="桌面通知：關").click()
        expect(page.get_by_role("button", name="桌面通知：開")).to_be_visible()

        new_message(theirs, "老王的新問題")  # assigned to a colleague: not mine to hear about
        expect(page.locator(".conv", has_text="老王的新問題")).to_be_visible()
        new_message(unassigned, "還有貨嗎?")
        expect(page.locator(".conv", has_text="還有貨嗎?")).to_be_visible()
        page.wait_for_function("window.__notes.length > 0")
        assert page.evaluate("window.__notes") == [["小明 傳來新訊息", "還有貨嗎?"]]

        page.get_by_role("button", name="桌面通知：開").click()
        expect(page.get_by_role("button", name="桌面通知：關")).to_be_visible()
        new_message(unassigned, "在嗎?")
        expect(page.locator(".conv", has_text="在嗎?")).to_be_visible()
        page.wait_for_timeout(500)
        assert len(page.evaluate("window.__notes")) == 1  # switched off: nothing more

    assert problems == []

"""The team's actions on the pane in a real browser: claim, tag, note, resolve, and the list's
filters 我的 / 未指派 / status / tag, each found on the page without reading the README."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from audit.models import AuditEvent
from chat.models import Conversation, Note, Tag
from outbox.models import OutgoingMessage
from tests.inbox.test_inbox import conversation
from tests.utils import screenshot_on_failure


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_claim_tag_note_and_resolve_then_filter_the_list(salesperson, own_shop, browser_as):
    waiting = conversation(own_shop, name="急著問的買家", ago=timedelta(minutes=10))
    conversation(own_shop, name="另一位買家", ago=timedelta(hours=1))
    Tag.objects.create(name="退款", colour="#dc2626")
    page = browser_as(salesperson)
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    buyers = page.locator("#conversation-list .conv-buyer")

    with screenshot_on_failure(page, "team_journey"):
        page.goto(f"{page.base_url}/chat/")
        expect(buyers).to_have_text(["急著問的買家", "另一位買家"])
        page.get_by_text("急著問的買家", exact=True).click()

        # 我來回覆: the header says who answers now.
        page.get_by_role("button", name="我來回覆").click()
        bar = page.locator("#team-bar")
        expect(bar.locator(".assignee")).to_have_text("小美")
        expect(page.locator(f"#conv-{waiting.pk} .conv-assignee")).to_have_text("我的")  # the live list

        # A tag from the side, shown on the row.
        page.get_by_role("button", name="加上標籤").click()
        expect(page.locator("#team-tags .tag")).to_contain_text("退款")
        expect(page.locator(f"#conv-{waiting.pk} .tag")).to_have_text("退款")

        # An internal note, apart from the messages.
        page.get_by_placeholder("只有同事看得到,買家看不到").fill("買家要求週五前出貨")
        page.get_by_role("button", name="新增備註").click()
        note = page.locator("#team-notes .note")
        expect(note).to_contain_text("買家要求週五前出貨")
        expect(note.locator(".note-by")).to_contain_text("小美")
        expect(page.locator("#thread")).not_to_contain_text("買家要求週五前出貨")

        # Unread again for me alone: the row shows it at once.
        bar.get_by_role("button", name="標為未讀").click()
        expect(bar.locator(".marked-unread")).to_be_visible()
        expect(page.locator(f"#conv-{waiting.pk}")).to_have_class(re.compile(r"\bunread\b"))

        # The list's filters.
        page.locator(".filter-assigned").get_by_text("我的", exact=True).click()
        expect(buyers).to_have_text(["急著問的買家"])
        page.locator(".filter-assigned").get_by_text("未指派", exact=True).click()
        expect(buyers).to_have_text(["另一位買家"])
        page.locator(".filter-assigned").get_by_text("全部", exact=True).click()
        page.select_option("#id_tag", label="退款")
        expect(buyers).to_have_text(["急著問的買家"])
        page.select_option("#id_tag", label="全部標籤")
        expect(buyers).to_have_text(["急著問的買家", "另一位買家"])

        # 已解決: it leaves the 待處理 list, and shows under 已解決.
        bar.get_by_role("button", name="已解決").click()
        expect(bar.locator(".status-badge")).to_have_text("已解決")
        page.get_by_text("另一位買家", exact=True).click()
        expect(buyers).to_have_text(["另一位買家"])
        page.select_option("#id_status", label="已解決")
        expect(buyers).to_have_text(["急著問的買家"])

    conv = Conversation.objects.get(pk=waiting.pk)
    assert (conv.assignee, conv.status) == (salesperson, "resolved")
    assert Note.objects.get().author == salesperson
    assert not OutgoingMessage.objects.exists()  # the note never went to the buyer
    assert AuditEvent.objects.filter(actor=salesperson).count() == 4  # claim, tag, note, resolve
    assert problems == []

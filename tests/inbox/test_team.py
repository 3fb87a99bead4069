"""The inbox made for a team (F14): who answers a buyer, whether the conversation still needs
someone, internal notes, tags, and "unread again" for oneself, through the services on the
database and the pages through the test client. Three people: the shop's salesperson, a manager
who sees every shop, and another salesperson who does not see it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from chat import team
from chat.models import Conversation, Note, Tag
from chat.services import chat_message_store
from outbox.models import OutgoingMessage
from tests.inbox.helpers import HTMX, buyers_listed, buyers_on_every_page, list_poll_url, pane
from tests.inbox.test_inbox import conversation

pytestmark = pytest.mark.django_db


def listed(client, **query) -> list[str]:
    return buyers_listed(client.get("/chat/", query, **HTMX, HTTP_HX_TARGET="conversation-list"))


def buyer_writes(conv: Conversation, text: str, *, message_id: str) -> None:
    """The buyer's new message as a push brings it (chat's store, as Shopee sends it)."""
    chat_message_store(
        shop=conv.shop,
        raw={
            "message_id": message_id,
            "conversation_id": conv.conversation_id,
            "from_id": conv.buyer_id,
            "to_id": "1",
            "from_shop_id": "0",
            "content": {"text": text},
            "created_timestamp": int(timezone.now().timestamp()),
        },
    )


def fresh(conv: Conversation) -> Conversation:
    return Conversation.objects.get(pk=conv.pk)


# -- assignment -----------------------------------------------------------------------------------


def test_claim_assign_and_release_are_audited(own_shop, salesperson, manager):
    conv = conversation(own_shop)

    assert team.conversation_assign(conversation=conv, assignee=salesperson, actor=salesperson)
    assert fresh(conv).assignee == salesperson
    assert team.conversation_assign(conversation=conv, assignee=manager, actor=salesperson)
    assert fresh(conv).assignee == manager
    assert team.conversation_assign(conversation=conv, assignee=None, actor=manager)
    assert fresh(conv).assignee is None

    events = AuditEvent.objects.filter(action=AuditEvent.Action.CONVERSATION_ASSIGNED).order_by("id")
    assert [(e.actor, e.detail["assignee_id"]) for e in events] == [
        (salesperson, salesperson.pk),
        (salesperson, manager.pk),
        (manager, None),
    ]


def test_a_colleague_who_does_not_see_the_shop_cannot_be_assigned(own_shop, salesperson, other_staff):
    conv = conversation(own_shop)
    team.conversation_assign(conversation=conv, assignee=salesperson, actor=salesperson)

    with pytest.raises(team.TeamRefused):
        team.conversation_assign(conversation=conv, assignee=other_staff, actor=salesperson)

    assert fresh(conv).assignee == salesperson
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CONVERSATION_ASSIGNED).count() == 1


def test_claim_from_the_pane_and_the_refusal_in_words(staff_client, own_shop, salesperson, other_staff):
    conv = conversation(own_shop)
    assert "我來回覆" in pane(staff_client, conv)

    bar = staff_client.post(f"/chat/c/{conv.pk}/assign/", {"to": "me"}, **HTMX).content.decode()
    assert fresh(conv).assignee == salesperson
    assert "我來回覆" not in bar and "小美" in bar

    refused = staff_client.post(f"/chat/c/{conv.pk}/assign/", {"to": str(other_staff.pk)}, **HTMX)
    assert "看不到賣場" in refused.content.decode()
    assert fresh(conv).assignee == salesperson
    # The assign list offers only the people who see the shop.
    assert "阿明" not in pane(staff_client, conv)


def test_someone_who_does_not_see_the_shop_cannot_act_on_its_conversations(client, own_shop, other_staff):
    conv = conversation(own_shop)
    client.force_login(other_staff)
    for path, data in [
        ("assign", {"to": "me"}),
        ("status", {"status": "resolved"}),
        ("note", {"text": "偷看"}),
        ("unread", {}),
    ]:
        assert client.post(f"/chat/c/{conv.pk}/{path}/", data).status_code == 404
    conv = fresh(conv)
    assert (conv.assignee, conv.status) == (None, Conversation.Status.OPEN)
    assert not Note.objects.exists()


def test_list_filters_mine_unassigned_all(staff_client, own_shop, salesperson, manager):
    mine = conversation(own_shop, name="我的買家")
    theirs = conversation(own_shop, name="主管的買家", ago=timedelta(hours=2))
    conversation(own_shop, name="沒人的買家", ago=timedelta(hours=3))
    team.conversation_assign(conversation=mine, assignee=salesperson, actor=salesperson)
    team.conversation_assign(conversation=theirs, assignee=manager, actor=manager)

    assert listed(staff_client, assigned="mine") == ["我的買家"]
    assert listed(staff_client, assigned="unassigned") == ["沒人的買家"]
    assert listed(staff_client) == ["我的買家", "主管的買家", "沒人的買家"]


def test_my_conversations_whose_buyer_spoke_last_come_first_in_my_list(staff_client, own_shop, salesperson):
    conversation(own_shop, name="最新的買家", ago=timedelta(minutes=5))
    answered = conversation(own_shop, name="已回的買家", ago=timedelta(hours=2), last_from_buyer=False)
    waiting = conversation(own_shop, name="等我的買家", ago=timedelta(hours=3))
    for conv in (answered, waiting):
        team.conversation_assign(conversation=conv, assignee=salesperson, actor=salesperson)
    assert listed(staff_client) == ["等我的買家", "最新的買家", "已回的買家"]

    # A new buyer message in the answered one puts it first too, newest first.
    buyer_writes(answered, "還在嗎?", message_id="990001")
    assert listed(staff_client) == ["已回的買家", "等我的買家", "最新的買家"]


def test_pages_of_the_list_follow_the_same_order(staff_client, own_shop, salesperson):
    convs = [conversation(own_shop, name=f"買家{n:03d}", ago=timedelta(minutes=n)) for n in range(70)]
    for conv in convs[60:]:
        team.conversation_assign(conversation=conv, assignee=salesperson, actor=salesperson)
    assert buyers_on_every_page(staff_client, staff_client.get("/chat/")) == [
        f"買家{n:03d}" for n in [*range(60, 70), *range(60)]
    ]


def test_automatic_assignment_takes_turns_among_the_staff_about(own_shop, salesperson, manager):
    from django.core.cache import cache

    from chat.models import ChatShopSettings

    ChatShopSettings.objects.create(shop=own_shop, auto_assign=True)
    cache.delete_many([team.present_key(salesperson.pk), team.present_key(manager.pk)])

    def new_buyer(n: int) -> Conversation:
        message, created = chat_message_store(
            shop=own_shop,
            raw={
                "message_id": f"88{n:04d}",
                "conversation_id": f"77{n:04d}",
                "from_id": f"66{n:04d}",
                "to_id": "1",
                "from_shop_id": "0",
                "content": {"text": "你好"},
                "created_timestamp": int(timezone.now().timestamp()),
            },
        )
        assert created
        return fresh(message.conversation)

    assert new_buyer(1).assignee is None  # nobody about
    cache.set(team.present_key(salesperson.pk), 1, 60)
    cache.set(team.present_key(manager.pk), 1, 60)
    turns = [new_buyer(n).assignee for n in range(2, 6)]
    assert turns == [salesperson, manager, salesperson, manager] or turns == [
        manager,
        salesperson,
        manager,
        salesperson,
    ]
    cache.delete_many([team.present_key(salesperson.pk), team.present_key(manager.pk)])


# -- status --------------------------------------------------------------------------------------


def test_resolve_and_snooze_leave_the_to_do_list_and_a_buyer_message_reopens(
    staff_client, own_shop, salesperson
):
    done = conversation(own_shop, name="已解決的買家")
    later = conversation(own_shop, name="稍後的買家")
    staff_client.post(f"/chat/c/{done.pk}/status/", {"status": "resolved"}, **HTMX)
    until = timezone.localtime() + timedelta(hours=2)
    staff_client.post(
        f"/chat/c/{later.pk}/status/",
        {"status": "snoozed", "until": until.strftime("%Y-%m-%dT%H:%M")},
        **HTMX,
    )
    assert fresh(done).status == "resolved"
    assert fresh(later).status == "snoozed"
    assert abs(fresh(later).snoozed_until - until) < timedelta(minutes=1)

    assert listed(staff_client) == []  # 待處理 by default
    assert listed(staff_client, status="resolved") == ["已解決的買家"]
    assert listed(staff_client, status="snoozed") == ["稍後的買家"]
    assert sorted(listed(staff_client, status="all")) == ["已解決的買家", "稍後的買家"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CONVERSATION_STATUS).count() == 2

    buyer_writes(done, "還有問題", message_id="990002")
    assert fresh(done).status == "open"
    assert listed(staff_client) == ["已解決的買家"]


def test_the_pull_reopens_on_a_buyer_message_and_only_then(sandbox, salesperson):
    from chat import sync
    from tests.chat.helpers import buyer_id, verified_shop

    shop = verified_shop(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "請問有貨嗎?", buyer_id=buyer_id(1), buyer_name="小明")
    sync.chat_sync_shop(shop=shop)
    conv = Conversation.objects.get(shop=shop)
    team.conversation_status_set(conversation=conv, status="resolved", actor=salesperson)

    sandbox.seller_centre_says(shop.shop_id, buyer_id(1), "有的,今天出貨")
    sync.chat_sync_shop(shop=shop)
    assert fresh(conv).status == "resolved"  # our own answer reopens nothing

    sandbox.buyer_says(shop.shop_id, "謝謝,還想問一下", buyer_id=buyer_id(1), buyer_name="小明")
    sync.chat_sync_shop(shop=shop)
    assert fresh(conv).status == "open"


def test_a_snooze_in_the_past_is_refused_and_changes_nothing(staff_client, own_shop):
    conv = conversation(own_shop)
    past = timezone.localtime() - timedelta(minutes=5)
    bar = staff_client.post(
        f"/chat/c/{conv.pk}/status/", {"status": "snoozed", "until": past.strftime("%Y-%m-%dT%H:%M")}, **HTMX
    ).content.decode()
    assert "請選擇未來的時間" in bar
    assert fresh(conv).status == "open"
    bar = staff_client.post(f"/chat/c/{conv.pk}/status/", {"status": "snoozed"}, **HTMX).content.decode()
    assert fresh(conv).status == "open"
    assert 'role="alert"' in bar
    assert staff_client.post(f"/chat/c/{conv.pk}/status/", {"status": "gone"}, **HTMX).status_code == 200
    assert fresh(conv).status == "open"


def test_a_snoozed_conversation_comes_back_at_its_time(staff_client, own_shop, salesperson):
    conv = conversation(own_shop, name="回來的買家")
    team.conversation_status_set(
        conversation=conv,
        status="snoozed",
        snoozed_until=timezone.now() + timedelta(hours=1),
        actor=salesperson,
    )
    assert listed(staff_client) == []
    Conversation.objects.filter(pk=conv.pk).update(snoozed_until=timezone.now() - timedelta(seconds=1))

    assert listed(staff_client) == ["回來的買家"]  # at once, by the list's condition
    assert listed(staff_client, status="snoozed") == []
    assert team.conversations_wake() == 1  # and the beat writes it back to 待處理
    assert (fresh(conv).status, fresh(conv).snoozed_until) == ("open", None)


def test_not_replied_means_the_buyer_spoke_last_whatever_was_read(staff_client, own_shop):
    conversation(own_shop, name="讀了沒回", unread=0)
    conversation(own_shop, name="回過了", last_from_buyer=False)
    assert listed(staff_client, unreplied="on") == ["讀了沒回"]


# -- notes ----------------------------------------------------------------------------------------


def test_a_note_is_shown_apart_with_author_and_time_never_sent_and_audited(staff_client, own_shop):
    conv = conversation(own_shop)
    part = staff_client.post(
        f"/chat/c/{conv.pk}/note/", {"text": "買家要求週五前出貨"}, **HTMX
    ).content.decode()

    note = Note.objects.get()
    assert (note.conversation, note.author.username, note.text) == (conv, "sales", "買家要求週五前出貨")
    assert (
        "買家要求週五前出貨" in part
        and "小美" in part
        and timezone.localtime(note.created_at).strftime("%m/%d %H:%M") in part
    )
    html = pane(staff_client, conv)
    assert re.search(r'class="note"[^>]*>\s*<p class="note-text">買家要求週五前出貨', html)
    assert "買家要求週五前出貨" not in html.split('id="team-notes"')[0]  # not among the messages
    assert not OutgoingMessage.objects.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.NOTE_ADDED)
    assert event.detail["note_id"] == note.pk and "週五" not in str(event.detail)


def test_an_empty_note_is_refused_in_words(staff_client, own_shop):
    conv = conversation(own_shop)
    part = staff_client.post(f"/chat/c/{conv.pk}/note/", {"text": "   "}, **HTMX).content.decode()
    assert "請先輸入備註內容" in part
    assert not Note.objects.exists()


# -- tags -----------------------------------------------------------------------------------------


def test_tags_put_on_shown_in_the_list_filtered_and_taken_off(staff_client, own_shop):
    refund = Tag.objects.create(name="退款", colour="#dc2626")
    Tag.objects.create(name="VIP", colour="#2563eb")
    tagged = conversation(own_shop, name="要退款的買家")
    conversation(own_shop, name="一般買家", ago=timedelta(hours=2))

    staff_client.post(f"/chat/c/{tagged.pk}/tag/", {"tag": refund.pk, "on": "1"}, **HTMX)
    html = staff_client.get("/chat/").content.decode()
    row = html.split(f'id="conv-{tagged.pk}"')[1].split("</li>")[0]
    assert f'class="tag tag-{refund.pk}">退款' in row
    assert listed(staff_client, tag=refund.pk) == ["要退款的買家"]
    assert f".tag-{refund.pk}{{--tag:#dc2626}}" in staff_client.get("/chat/tags.css").content.decode()

    staff_client.post(f"/chat/c/{tagged.pk}/tag/", {"tag": refund.pk}, **HTMX)
    assert listed(staff_client, tag=refund.pk) == []
    assert [e.detail["added"] for e in AuditEvent.objects.filter(action="tags_changed").order_by("id")] == [
        True,
        False,
    ]


def test_the_tag_page_adds_tags_and_refuses_a_bad_colour(client, manager, salesperson):
    client.force_login(manager)  # a superuser-like manager holds no tag permission by default
    assert client.get("/chat/tags/").status_code == 403
    manager.is_superuser = True
    manager.save()
    assert client.post("/chat/tags/", {"name": "急件", "colour": "#f59e0b"}).status_code == 302
    assert Tag.objects.get().colour == "#f59e0b"
    refused = client.post("/chat/tags/", {"name": "壞色", "colour": "red;}"})
    assert "請填顏色" in refused.content.decode()
    assert Tag.objects.count() == 1


# -- unread for oneself ---------------------------------------------------------------------------


def test_mark_as_unread_is_mine_alone_until_i_open_it(client, own_shop, salesperson, manager):
    conv = conversation(own_shop, name="小明", unread=0)
    client.force_login(salesperson)
    client.post(f"/chat/c/{conv.pk}/unread/", **HTMX)

    def row_classes(user) -> str:
        client.force_login(user)
        html = client.get("/chat/").content.decode()
        return re.search(rf'id="conv-{conv.pk}" class="([^"]*)"', html).group(1)

    assert "unread" in row_classes(salesperson).split()
    assert "unread" not in row_classes(manager).split()
    client.force_login(salesperson)
    assert listed(client, unread="on") == ["小明"]
    assert fresh(conv).unread_count == 0  # Shopee's read state untouched

    assert f'hx-post="/chat/c/{conv.pk}/read/"' in pane(client, conv)  # opening it clears the mark
    client.post(f"/chat/c/{conv.pk}/read/", **HTMX)
    assert "unread" not in row_classes(salesperson).split()


# -- the list stays cheap and live ---------------------------------------------------------------


def test_the_list_with_team_marks_runs_the_same_queries_however_many_rows(
    staff_client, own_shop, salesperson
):
    tags = [Tag.objects.create(name=f"標籤{n}") for n in range(3)]

    def queries(**query) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get("/chat/", query, **HTMX).status_code == 200
        return len(captured)

    def add(n: int) -> None:
        for _ in range(n):
            conv = conversation(own_shop)
            team.conversation_assign(conversation=conv, assignee=salesperson, actor=salesperson)
            for tag in tags:
                team.conversation_tag_set(conversation=conv, tag=tag, on=True, actor=salesperson)
            team.conversation_unread_mark(conversation=conv, user=salesperson)

    add(2)
    few = {
        f: queries(**q)
        for f, q in [("all", {}), ("mine", {"assigned": "mine"}), ("tag", {"tag": tags[0].pk})]
    }
    add(30)
    assert {
        f: queries(**q)
        for f, q in [("all", {}), ("mine", {"assigned": "mine"}), ("tag", {"tag": tags[0].pk})]
    } == few


@pytest.mark.django_db(transaction=True)  # the list's horizon waits for running transactions
def test_the_live_list_drops_a_row_the_filters_no_longer_take(staff_client, own_shop, salesperson):
    conv = conversation(own_shop, name="要解決的買家")
    poll = list_poll_url(staff_client.get("/chat/").content.decode())
    team.conversation_status_set(conversation=conv, status="resolved", actor=salesperson)

    changes = staff_client.get(poll, **HTMX).content.decode()
    assert f'<li id="conv-{conv.pk}" class="conv gone">' in changes

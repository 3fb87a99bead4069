"""The outbox's loose ends of the first milestone (issue 14), in one process against the sandbox
over HTTP: cancelling held and failed messages (one or many, from 通知 and the inbox, with who
and when), a worker's death counted apart from Shopee's answers (poison messages), untried
messages giving their send tokens back, and 狀態's and 通知's counts of the user's shops only.

A worker's death is played with real code paths: a claim is taken (outbox.claim.claim_due) and
its lease left to run out in the database, as it does when the worker holding it is killed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Shop
from audit.models import AuditEvent
from chat.sync import chat_sync_shop
from chat.transport import transport_for
from outbox.claim import claim_due
from outbox.delivery import Unrecorded, _deliver, outbox_deliver_due
from outbox.models import OutgoingMessage
from outbox.record import call_begins
from outbox.services import outbox_cancel, outbox_sweep
from tests.factories import OutgoingMessageFactory
from tests.outbox.helpers import buyers_who_wrote, delivered_texts, queue, verify
from tests.utils import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

State = OutgoingMessage.State


def deliver() -> int:
    return outbox_deliver_due(budget_seconds=10)


def worker_dies_holding(message: OutgoingMessage) -> None:
    """A worker claims the message and begins its call to Shopee, then is killed: its lease runs
    out with nothing recorded."""
    [claim] = claim_due(shop_pk=message.shop_id, limit=1)
    assert claim.message.pk == message.pk and call_begins(claim)
    OutgoingMessage.objects.filter(pk=message.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def lease_runs_out(messages: list[OutgoingMessage]) -> None:
    OutgoingMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.fixture
def shop(make_shop):
    return make_shop()


@pytest.fixture
def buyer(sandbox, shop):
    return buyers_who_wrote(sandbox, shop, 1)[0]


# -- a worker's death is not Shopee's answer --------------------------------------------------


def test_workers_dying_cost_no_attempt_and_no_longer_backoff_and_the_message_goes_once(
    sandbox, shop, buyer, settings
):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 10.0
    message = queue(shop, buyer, "工人倒下三次")
    worker_dies_holding(message)
    first_call = OutgoingMessage.objects.get(pk=message.pk).claimed_at
    for _death in range(2):
        worker_dies_holding(message)
    # Each takeover keeps looking back to the first call that may have reached Shopee.
    assert OutgoingMessage.objects.get(pk=message.pk).doubt_since == first_call
    sandbox.set_faults(error_share=1.0, paths=["send_message"])  # then Shopee answers with an error
    deliver()
    message.refresh_from_db()
    assert (message.state, message.attempts, message.lease_expiries) == (State.QUEUED, 1, 3)
    # The backoff of a first failed attempt (10 s, jitter up to 1.5×), not of a fourth.
    assert message.next_attempt_at - timezone.now() <= timedelta(seconds=15)

    sandbox.set_faults(clear=True)
    OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    deliver()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.SENT, 2)
    assert delivered_texts(sandbox, shop) == {"工人倒下三次": 1}


def test_a_message_that_keeps_killing_workers_fails_as_poison_and_says_so(
    sandbox, shop, buyer, settings, salesperson
):
    settings.OUTBOX_POISON_LEASE_EXPIRIES = 5
    message = queue(shop, buyer, "毒訊息")
    for _death in range(5):
        worker_dies_holding(message)
    deliver()
    message.refresh_from_db()
    assert (message.state, message.attempts, message.lease_expiries) == (State.FAILED, 1, 5)
    assert message.error_text == "背景程式每次傳送這則訊息時都中斷了，已停止嘗試"
    assert sandbox.deliveries(shop_id=shop.shop_id) == []
    page = signed_in(salesperson).get(reverse("outbox:list"))
    assert "背景程式每次傳送這則訊息時都中斷了" in page.text


def test_a_worker_killed_in_one_call_costs_only_that_message_a_lease_expiry_not_its_batch_mates(
    sandbox, make_shop, settings
):
    settings.OUTBOX_POISON_LEASE_EXPIRIES = 5
    shop = make_shop(rate=1000.0)
    buyers = buyers_who_wrote(sandbox, shop, 3)
    messages = [queue(shop, buyer, f"第{n}則") for n, buyer in enumerate(buyers)]
    for _death in range(5):  # as many deaths as the poison limit, always in the first one's call
        claims = {c.message.pk: c for c in claim_due(shop_pk=shop.pk, limit=3)}
        assert set(claims) == {m.pk for m in messages}
        assert call_begins(claims[messages[0].pk])  # the other two never began theirs
        lease_runs_out(messages)
    mates = OutgoingMessage.objects.filter(pk__in=[messages[1].pk, messages[2].pk])
    assert {(m.lease_expiries, m.attempts) for m in mates} == {(0, 1)}
    deliver()

    rows = {m.pk: m for m in OutgoingMessage.objects.filter(pk__in=[m.pk for m in messages])}
    assert (rows[messages[0].pk].state, rows[messages[0].pk].error_code) == (State.FAILED, "worker_died")
    assert rows[messages[1].pk].state == rows[messages[2].pk].state == State.SENT
    assert rows[messages[1].pk].doubt_since is None  # never in doubt: Shopee was not read first
    assert delivered_texts(sandbox, shop) == {"第1則": 1, "第2則": 1}


def test_a_batch_stopped_by_an_outage_gives_the_untried_messages_tokens_back(sandbox, make_shop, bucket):
    shop = make_shop(rate=2)  # a burst of two, then two a second
    first, second = buyers_who_wrote(sandbox, shop, 2)
    queue(shop, first, "第一則")
    queue(shop, second, "第二則")
    sandbox.set_faults(error_share=1.0, paths=["send_message"])
    deliver()
    # The second was given back untried after the first met the error, with its token: it is
    # tried at once, not half a second later for a token spent on nothing.
    attempts = dict(OutgoingMessage.objects.values_list("text", "attempts"))
    assert attempts == {"第一則": 1, "第二則": 1}


# -- cancelling ---------------------------------------------------------------------------------


def test_cancel_a_failed_message_on_the_notices_page_records_who_and_when_and_it_never_goes(
    sandbox, shop, buyer, salesperson
):
    sandbox.configure(chat_module_approved=False)
    message = queue(shop, buyer, "不要送了")
    deliver()
    message.refresh_from_db()
    assert message.state == State.FAILED
    sandbox.configure(chat_module_approved=True)

    client = signed_in(salesperson)
    page = client.get(reverse("outbox:list"))
    assert reverse("outbox:cancel", args=[message.pk]) in page.text
    page = client.post(
        reverse("outbox:cancel", args=[message.pk]), {"next": reverse("outbox:list")}, follow=True
    )
    assert "訊息已取消，不會傳送。" in page.text
    assert "已取消" in page.text and "小美 於" in page.text
    message.refresh_from_db()
    assert (message.state, message.cancelled_by) == (State.CANCELLED, salesperson)
    assert timezone.now() - message.cancelled_at < timedelta(minutes=1)
    event = AuditEvent.objects.get(action=AuditEvent.Action.MESSAGES_CANCELLED)
    assert (event.actor, event.shop, event.detail["message_ids"]) == (salesperson, shop, [message.pk])
    assert "不要送了" not in str(event.detail)

    # Neither a retry, a second cancel, the sweeper nor a worker sends it.
    page = client.post(reverse("outbox:retry", args=[message.pk]), follow=True)
    assert "這則訊息沒有失敗，不需要重新傳送。" in page.text
    page = client.post(reverse("outbox:cancel", args=[message.pk]), follow=True)
    assert "只有暫停或失敗的訊息可以取消，這則不是。" in page.text
    outbox_sweep()
    deliver()
    message.refresh_from_db()
    assert message.state == State.CANCELLED
    assert sandbox.deliveries(shop_id=shop.shop_id) == []


def test_cancel_a_held_reply_in_the_inbox_and_it_stays_unsent_after_verification(
    sandbox, shop, buyer, salesperson
):
    chat_sync_shop(shop=shop)  # the buyer's conversation is in the inbox
    Shop.objects.filter(pk=shop.pk).update(state=Shop.State.EXPIRED)
    shop.refresh_from_db()
    message = queue(shop, buyer, "等認證的回覆")
    assert message.state == State.HELD
    response = signed_in(salesperson).post(reverse("inbox:outgoing_cancel", args=[message.pk]))
    assert response.status_code == 200
    assert "已由 小美 於" in response.text and "取消，未傳送" in response.text
    assert reverse("inbox:outgoing_cancel", args=[message.pk]) not in response.text  # nothing more to cancel

    verify(sandbox, shop.shop_id, salesperson, shop=shop)  # released held messages go; this one does not
    outbox_sweep()
    deliver()
    message.refresh_from_db()
    assert message.state == State.CANCELLED
    assert sandbox.deliveries(shop_id=shop.shop_id) == []
    assert (
        AuditEvent.objects.filter(action=AuditEvent.Action.MESSAGES_CANCELLED, actor=salesperson).count() == 1
    )


def test_a_worker_whose_claim_was_taken_over_does_not_send_a_message_cancelled_since(
    sandbox, shop, buyer, salesperson
):
    message = queue(shop, buyer, "慢吞吞的工人")
    (stalled,) = claim_due(shop_pk=shop.pk, limit=1)  # worker A takes it, then stalls past its lease
    OutgoingMessage.objects.filter(pk=message.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    sandbox.configure(chat_module_approved=False)
    deliver()  # worker B takes it over; Shopee refuses it for good
    message.refresh_from_db()
    assert message.state == State.FAILED
    outbox_cancel(messages=OutgoingMessage.objects.filter(pk=message.pk), user=salesperson)
    sandbox.configure(chat_module_approved=True)

    sent = Unrecorded()
    _deliver(stalled, transport_for(stalled.message.shop), sent)  # worker A wakes up, its claim long gone
    sent.record()
    message.refresh_from_db()
    assert message.state == State.CANCELLED
    assert sandbox.deliveries(shop_id=shop.shop_id) == []


def test_queued_or_sending_messages_are_not_cancelled(sandbox, shop, buyer, salesperson):
    queued = queue(shop, buyer, "排程中")
    assert outbox_cancel(messages=OutgoingMessage.objects.all(), user=salesperson) == []
    queued.refresh_from_db()
    assert queued.state == State.QUEUED
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MESSAGES_CANCELLED).exists()


def test_cancel_all_cancels_the_held_and_failed_messages_the_filters_show(own_shop, others_shop, manager):
    failed = [
        OutgoingMessageFactory(shop=own_shop, text=f"失敗{n}", state=State.FAILED, error_code="unreachable")
        for n in range(2)
    ]
    held = OutgoingMessageFactory(
        shop=own_shop, text="暫停", state=State.HELD, error_code="shop_not_verified"
    )
    queued = OutgoingMessageFactory(shop=own_shop, text="排程中")
    theirs = OutgoingMessageFactory(shop=others_shop, text="乙失敗", state=State.FAILED)
    client = signed_in(manager)
    page = client.get(reverse("outbox:list"), {"shop": own_shop.pk})
    assert "全部取消（3 則暫停或失敗訊息）" in page.text
    page = client.get(reverse("outbox:list"), {"shop": own_shop.pk, "state": "held"})
    assert "全部取消（1 則暫停或失敗訊息）" in page.text

    page = client.post(
        reverse("outbox:cancel_all"), {"filters": f"shop={own_shop.pk}", "next": "/notices/"}, follow=True
    )
    assert "3 則訊息已取消，不會傳送。" in page.text
    states = dict(OutgoingMessage.objects.values_list("pk", "state"))
    assert {states[m.pk] for m in [*failed, held]} == {State.CANCELLED}
    assert (states[queued.pk], states[theirs.pk]) == (State.QUEUED, State.FAILED)
    event = AuditEvent.objects.get(action=AuditEvent.Action.MESSAGES_CANCELLED)
    assert (event.actor, event.shop, event.detail["count"]) == (manager, own_shop, 3)


def test_cancel_all_never_touches_another_staff_members_shop(own_shop, other_staff):
    failed = OutgoingMessageFactory(shop=own_shop, state=State.FAILED)
    page = signed_in(other_staff).post(reverse("outbox:cancel_all"), {"filters": ""}, follow=True)
    assert "沒有可取消的暫停或失敗訊息。" in page.text
    failed.refresh_from_db()
    assert failed.state == State.FAILED
    response = signed_in(other_staff).post(reverse("outbox:cancel", args=[failed.pk]))
    assert response.status_code == 404
    response = signed_in(other_staff).post(reverse("inbox:outgoing_cancel", args=[failed.pk]))
    assert response.status_code == 404


# -- 狀態 and 通知 count the user's shops ---------------------------------------------------------


def test_status_and_notices_count_only_the_shops_each_staff_member_may_see(
    own_shop, others_shop, salesperson, other_staff
):
    for n in range(2):
        OutgoingMessageFactory(shop=own_shop, text=f"甲{n}")
    for n in range(3):
        OutgoingMessageFactory(shop=others_shop, text=f"乙{n}")
    OutgoingMessageFactory(shop=others_shop, text="乙失敗", state=State.FAILED)

    mine = signed_in(salesperson)
    status = mine.get(reverse("status")).text
    assert 'data-state="queued">2<' in status and 'data-state="failed">0<' in status
    assert "2 則訊息待傳送" in status
    assert "2 則訊息傳送中" in mine.get(reverse("outbox:list")).text

    theirs = signed_in(other_staff)
    status = theirs.get(reverse("status")).text
    assert 'data-state="queued">3<' in status and 'data-state="failed">1<' in status
    assert "3 則訊息待傳送" in status
    assert "3 則訊息傳送中" in theirs.get(reverse("outbox:list")).text

"""The audit list: who sent a reply to which buyer, queued a batch, verified or edited a shop,
changed a schedule; filterable by person, shop and time; buyers' texts never in it or in the logs."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from audit.models import AuditEvent
from audit.services import audit_batch_queued
from notifications.models import NoticeBatch, NoticeBatchOrder
from outbox.models import OutgoingMessage
from outbox.services import outbox_reply_queue
from tests.accounts.helpers import sandbox_sellers, verify_in_sandbox
from tests.factories import ConversationFactory, OrderFactory, OutgoingMessageFactory, ShopFactory
from tests.utils import wait_until

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SECRET_TEXT = "您好,您的包裹今天寄出 ZX-4471"


def _logged(caplog) -> str:
    return "\n".join(f"{r.getMessage()} {r.msg!r}" for r in caplog.records)


def test_a_reply_is_recorded_with_who_and_which_buyer_never_its_text(staff_client, salesperson, caplog):
    caplog.set_level(logging.INFO)
    own = ShopFactory(verified=True, salesperson=salesperson)
    conv = ConversationFactory(shop=own, buyer_id="700123")
    for _ in range(2):  # a double click queues one message and records one action
        staff_client.post(
            f"/chat/c/{conv.pk}/send/", {"text": SECRET_TEXT, "idempotency_key": "reply:audit"}, **HTMX
        )

    message = OutgoingMessage.objects.get()
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.shop, event.target) == (
        salesperson,
        AuditEvent.Action.REPLY_SENT,
        own,
        "buyer 700123",
    )
    assert event.detail["message_id"] == message.pk
    assert SECRET_TEXT not in str(event.detail)
    logged = _logged(caplog)
    assert "reply_sent" in logged and f"'message_id': {message.pk}" in logged
    assert f"'shop_id': '{own.shop_id}'" in logged
    assert "ZX-4471" not in logged


@pytest.mark.django_db(transaction=True)
def test_two_clicks_arriving_at_once_queue_one_reply_and_record_one_action(salesperson, require_postgres):
    """The second click's request reads before the first one commits: it waits on the first
    one's row, then finds it, and neither queues nor records a second time."""
    conv = ConversationFactory(shop=ShopFactory(verified=True, salesperson=salesperson), buyer_id="700124")
    first_wrote, queued = threading.Event(), {}

    def click(name: str, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                message = outbox_reply_queue(
                    conversation=conv, text=SECRET_TEXT, idempotency_key="reply:at-once", user=salesperson
                )
                queued[name] = message.pk
                if hold:  # commit only once the second click waits on this row
                    first_wrote.set()
                    wait_until(lambda: _waiting_on_a_lock() == 1, timeout=10)
        finally:
            connection.close()

    first = threading.Thread(target=click, args=("first",), kwargs={"hold": True})
    first.start()
    assert first_wrote.wait(10)
    click("second", hold=False)
    first.join(10)

    message = OutgoingMessage.objects.get()
    assert queued == {"first": message.pk, "second": message.pk}
    event = AuditEvent.objects.get()
    assert (event.action, event.detail["message_id"]) == (AuditEvent.Action.REPLY_SENT, message.pk)


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # not the one cached for this transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_refused_reply_records_nothing(staff_client, salesperson):
    conv = ConversationFactory(shop=ShopFactory(verified=True, salesperson=salesperson))
    response = staff_client.post(
        f"/chat/c/{conv.pk}/send/", {"text": "", "idempotency_key": "reply:empty"}, **HTMX
    )
    # Refused by the composer itself (not a 404 that would never reach the audit either).
    assert response.status_code == 200 and response.context["reply_form"].errors["text"]
    assert not OutgoingMessage.objects.exists()
    assert not AuditEvent.objects.exists()


def _retry_from_the_inbox(client, message):
    return client.post(reverse("inbox:outgoing_retry", args=[message.pk]), **HTMX)


def _retry_from_the_notices_page(client, message):
    return client.post(reverse("outbox:retry", args=[message.pk]), {"next": reverse("outbox:list")})


def _retry_all_failed_on_the_notices_page(client, message):
    return client.post(reverse("outbox:retry_failed"), {"filters": f"shop={message.shop_id}"})


def _retry_the_batchs_failed(client, message):
    batch, new = NoticeBatch.objects.get_or_create(token=f"audit:{message.pk}", text=message.text)
    if new:  # the batch that queued the message (a second retry finds it)
        order = OrderFactory(shop=message.shop, order_sn=message.order_sn, buyer_user_id=message.buyer_id)
        NoticeBatchOrder.objects.create(batch=batch, order=order, message=message)
    return client.post(reverse("notifications:retry_failed", args=[batch.pk]))


RETRY_PLACES = {
    "inbox": _retry_from_the_inbox,
    "notices page": _retry_from_the_notices_page,
    "notices page, all failed": _retry_all_failed_on_the_notices_page,
    "batch result": _retry_the_batchs_failed,
}


@pytest.mark.parametrize("retry", RETRY_PLACES.values(), ids=RETRY_PLACES.keys())
def test_a_retry_from_any_page_records_one_action_with_who_and_which_message(
    staff_client, salesperson, retry
):
    own = ShopFactory(verified=True, salesperson=salesperson)
    conv = ConversationFactory(shop=own, buyer_id="700123")
    failed = OutgoingMessageFactory(
        shop=own,
        conversation=conv,
        buyer_id="700123",
        order_sn="241205RETRY",
        text=SECRET_TEXT,
        state=OutgoingMessage.State.FAILED,
        error_code=OutgoingMessage.Problem.UNREACHABLE,
    )
    assert retry(staff_client, failed).status_code in (200, 302)

    failed.refresh_from_db()
    assert failed.state == OutgoingMessage.State.QUEUED
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.shop, event.target) == (
        salesperson,
        AuditEvent.Action.MESSAGES_RETRIED,
        own,
        "buyer 700123",
    )
    assert (event.detail["message_ids"], event.detail["count"]) == ([failed.pk], 1)
    assert SECRET_TEXT not in str(event.detail)

    retry(staff_client, failed)  # no longer failed: a second retry changes and records nothing
    assert AuditEvent.objects.count() == 1


def test_queueing_a_batch_records_one_action_with_its_buyers(salesperson):
    own = ShopFactory(verified=True, salesperson=salesperson)
    rows = [
        OutgoingMessageFactory(
            shop=own, buyer_id=str(b), order_sn=f"SN{b}", origin=OutgoingMessage.Origin.BATCH_NOTICE
        )
        for b in (1, 2, 3)
    ]
    audit_batch_queued(actor=salesperson, shop=own, messages=rows)
    event = AuditEvent.objects.get()
    assert event.action == AuditEvent.Action.BATCH_QUEUED
    assert event.detail["count"] == 3
    assert event.detail["message_ids"] == [r.pk for r in rows]
    assert "馬上處理" not in str(event.detail)


def test_editing_a_shop_records_who_and_which_fields(staff_client, salesperson):
    shop = ShopFactory(name="測試賣場", salesperson=salesperson)
    staff_client.post(
        reverse("accounts:edit", args=[shop.pk]),
        {
            "name": "新名字",
            "account": shop.account,
            "customer": shop.customer,
            "salesperson": salesperson.pk,
            "chat_transport": shop.chat_transport,
        },
    )
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.shop) == (salesperson, AuditEvent.Action.SHOP_EDITED, shop)
    assert event.detail["fields"] == ["name"]
    # django-auditlog keeps the values, with the same person as actor.
    change = LogEntry.objects.get_for_object(shop).get(action=LogEntry.Action.UPDATE)
    assert change.actor == salesperson
    assert change.changes_dict["name"] == ["測試賣場", "新名字"]


def test_verifying_and_reverifying_a_shop_are_recorded(sandbox, salesperson):
    shop = ShopFactory(name="測試賣場", salesperson=salesperson)
    verify_in_sandbox(sandbox_sellers(sandbox), shop, salesperson)
    verify_in_sandbox(sandbox, shop, salesperson)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor", "shop"))
    assert actions == [
        (AuditEvent.Action.SHOP_VERIFIED, salesperson.pk, shop.pk),
        (AuditEvent.Action.SHOP_REVERIFIED, salesperson.pk, shop.pk),
    ]


def test_changing_a_schedule_in_the_admin_is_recorded_but_beat_runs_are_not(admin_client, admin_user):
    every = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    task = PeriodicTask.objects.create(name="chat sync", task="chat.tasks.chat_sync_all", interval=every)
    LogEntry.objects.all().delete()

    # Beat writes its bookkeeping on every run: no one changed anything.
    task.last_run_at, task.total_run_count = timezone.now(), 5
    task.save()
    assert not LogEntry.objects.get_for_object(task).exists()

    admin_client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "disable_tasks", "_selected_action": [task.pk]},
    )
    task.refresh_from_db()
    assert not task.enabled
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.target) == (
        admin_user,
        AuditEvent.Action.SCHEDULE_CHANGED,
        "chat sync",
    )
    assert event.detail["fields"] == ["enabled"]


def test_the_audit_list_filters_by_person_shop_and_time(admin_client, salesperson, other_staff):
    mine = ShopFactory(verified=True, salesperson=salesperson, name="甲店")
    theirs = ShopFactory(verified=True, salesperson=other_staff, name="乙店")
    AuditEvent.objects.create(actor=salesperson, action="shop_edited", shop=mine, target="甲店")
    AuditEvent.objects.create(actor=other_staff, action="shop_edited", shop=theirs, target="乙店")
    AuditEvent.objects.create(
        actor=other_staff,
        action="reply_sent",
        shop=theirs,
        target="buyer 9",
        at=timezone.now() - timedelta(days=40),
    )
    url = reverse("admin:audit_auditevent_changelist")

    def rows(query: str) -> int:
        response = admin_client.get(url + query)
        assert response.status_code == 200
        return response.context["cl"].result_count

    assert rows("") == 3
    assert rows(f"?actor__id__exact={salesperson.pk}") == 1
    assert rows(f"?shop__id__exact={theirs.pk}") == 2
    assert rows("?" + urlencode({"at__gte": (timezone.now() - timedelta(days=7)).isoformat()})) == 2


def test_a_salesperson_sees_only_audit_events_of_their_shops_and_their_own(client, salesperson, other_staff):
    from django.contrib.auth.models import Permission

    salesperson.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    mine = ShopFactory(verified=True, salesperson=salesperson)
    theirs = ShopFactory(verified=True, salesperson=other_staff)
    AuditEvent.objects.create(actor=other_staff, action="shop_edited", shop=mine, target="mine")
    AuditEvent.objects.create(actor=other_staff, action="shop_edited", shop=theirs, target="theirs")
    client.force_login(salesperson)
    response = client.get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 200
    assert [e.target for e in response.context["cl"].result_list] == ["mine"]


def test_request_logs_carry_the_path_not_the_query(staff_client, caplog):
    caplog.set_level(logging.INFO)
    staff_client.get("/chat/?q=包裹寄出ZX-4471")
    logged = _logged(caplog)
    assert "'request': 'GET /chat/'" in logged
    assert "ZX-4471" not in logged

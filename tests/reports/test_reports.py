"""報表: the beat's daily roll-up counts what the inbox and the shop's rate show, per shop and per
person; a salesperson sees only their shops; 匯出Excel holds the page's figures."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from chat.selectors import shop_rates
from chat.services import conversation_deadline_update
from outbox.models import OutgoingMessage
from reports.services import figures_rollup
from reports.tasks import reports_rollup
from tests.factories import ConversationFactory, MessageFactory, OutgoingMessageFactory, ShopFactory

pytestmark = pytest.mark.django_db


def chat(shop, *, at, answer_minutes: float | None, by=None):
    """A buyer wrote at `at`; answered `answer_minutes` later (through our outbox when `by`)."""
    conversation = ConversationFactory(shop=shop)
    MessageFactory(conversation=conversation, created_at=at)
    if answer_minutes is not None:
        answer = MessageFactory(
            conversation=conversation, from_buyer=False, created_at=at + timedelta(minutes=answer_minutes)
        )
        if by is not None:
            OutgoingMessageFactory(
                shop=shop,
                conversation=conversation,
                queued_by=by,
                state=OutgoingMessage.State.SENT,
                sent_at=answer.created_at,
                shopee_message_id=answer.message_id,
            )
    conversation_deadline_update(conversation=conversation)


@pytest.fixture
def day():
    return timezone.localdate() - timedelta(days=3)


@pytest.fixture
def shop(salesperson, day):
    return ShopFactory(verified=True, salesperson=salesperson, name="寶寶生活館")


@pytest.fixture
def figures(shop, salesperson, other_staff, day):
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time())) + timedelta(
        hours=9
    )
    chat(shop, at=start, answer_minutes=10, by=salesperson)
    chat(shop, at=start + timedelta(hours=1), answer_minutes=30, by=salesperson)
    chat(shop, at=start + timedelta(hours=2), answer_minutes=90, by=other_staff)
    chat(shop, at=start + timedelta(hours=3), answer_minutes=60 * 13)  # late, typed in Seller Centre
    chat(shop, at=start + timedelta(hours=4), answer_minutes=None)  # missed
    OutgoingMessageFactory(
        shop=shop,
        origin=OutgoingMessage.Origin.BATCH_NOTICE,
        queued_by=salesperson,
        state=OutgoingMessage.State.SENT,
        sent_at=start,
    )
    for n in range(5):
        figures_rollup(day=day + timedelta(days=n - 1))


def cells(html: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table class="grid report-table {table}">(.*?)</table>', html, flags=re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, flags=re.S)]
        for r in rows
    ]


def test_the_report_counts_chats_first_responses_and_notices_per_shop_and_person(
    staff_client, shop, figures, day
):
    html = staff_client.get("/reports/", {"start": day.isoformat(), "end": day.isoformat()}).content.decode()
    by_shop = cells(html, "shops")
    # chats, replies, median, p90, in 12 h, missed, batch, automatic
    assert by_shop[1][0].endswith("寶寶生活館")
    assert by_shop[1][1:] == ["5", "3", "30 分", "13 小時 0 分", "60%", "2", "1", "0"]
    people = {row[0]: row[1:] for row in cells(html, "people")[1:]}
    assert people["小美"][:5] == ["2", "2", "10 分", "30 分", "100%"]
    assert people["小美"][6] == "1"  # the batch notice she sent
    assert people["阿明"][:5] == ["1", "1", "1 小時 30 分", "1 小時 30 分", "100%"]
    assert "<svg" in html and "polyline" in html and "<script" not in html.split("</header>")[1]


def test_the_report_and_the_shops_rate_agree(staff_client, shop, figures):
    rate = shop_rates([shop.pk])[shop.pk]
    assert (rate.counted, rate.in_time, rate.percent) == (5, 3, 60)
    html = staff_client.get("/reports/").content.decode()
    assert re.search(r'class="response-rate">.*?60%.*?依 5 則聊聊', html, flags=re.S)


def test_a_salesperson_sees_only_their_shops(staff_client, figures, day):
    other = ShopFactory(verified=True, name="別人的賣場")
    html = staff_client.get("/reports/").content.decode()
    assert "別人的賣場" not in html
    refused = staff_client.get("/reports/", {"shop": other.pk}).content.decode()
    assert "report-table" not in refused and "errorlist" in refused


def test_a_range_that_ends_before_it_starts_is_refused_in_words(staff_client):
    html = staff_client.get("/reports/", {"start": "2026-12-05", "end": "2026-12-01"}).content.decode()
    assert "結束日期早於開始日期" in html and "report-table" not in html


def test_excel_holds_the_same_figures(staff_client, figures, day):
    response = staff_client.get("/reports/export/", {"start": day.isoformat(), "end": day.isoformat()})
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = load_workbook(BytesIO(response.content))
    shops = list(book["依賣場"].iter_rows(values_only=True))
    assert shops[1][1:] == (5, 3, 30.0, 780.0, 60, 2, 1, 0)


def test_the_beat_rolls_up_today_and_yesterday(shop):
    chat(shop, at=timezone.now() - timedelta(minutes=5), answer_minutes=None)
    assert reports_rollup() >= 1
    from reports.models import DailyFigures

    today = DailyFigures.objects.get(day=timezone.localdate(), shop=shop, person=None)
    assert (today.chats, today.waiting) == (1, 1)

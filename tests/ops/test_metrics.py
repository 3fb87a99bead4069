"""/metrics: refused without its token; reports the outbox by state, delivery latency, sync lag
per shop, push signature failures and Shopee errors by type."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.client import shopee_client
from accounts.models import Shop, ShopSync
from outbox.models import OutgoingMessage
from shopee.errors import ShopeeError
from tests.factories import OutgoingMessageFactory, ShopFactory

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def get() -> dict[str, float]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        found = {}
        for line in response.content.decode().splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                found[name] = float(value)
        return found

    return get


def test_metrics_are_hidden_without_a_configured_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer 令牌").status_code == 403


def test_queue_depth_by_state_and_delivery_latency(scrape):
    shop = ShopFactory(verified=True)
    now = timezone.now()
    for _ in range(2):
        OutgoingMessageFactory(shop=shop)
    OutgoingMessageFactory(shop=shop, state=OutgoingMessage.State.FAILED)
    OutgoingMessageFactory(
        shop=shop, state=OutgoingMessage.State.SENT, created_at=now - timedelta(seconds=3), sent_at=now
    )
    OutgoingMessageFactory(
        shop=shop, state=OutgoingMessage.State.SENT, created_at=now - timedelta(seconds=40), sent_at=now
    )

    found = scrape()
    assert found['tmschat_outbox_messages{state="queued"}'] == 2
    assert found['tmschat_outbox_messages{state="failed"}'] == 1
    assert found['tmschat_outbox_messages{state="sent"}'] == 2
    assert found['tmschat_outbox_messages{state="held"}'] == 0
    assert found['tmschat_outbox_delivery_latency_seconds_bucket{le="5.0"}'] == 1
    assert found['tmschat_outbox_delivery_latency_seconds_bucket{le="60.0"}'] == 2
    assert found["tmschat_outbox_delivery_latency_seconds_gcount"] == 2
    assert found["tmschat_outbox_delivery_latency_seconds_gsum"] == pytest.approx(43, abs=0.5)


def test_sync_lag_per_verified_shop(scrape):
    now = timezone.now()
    shop = ShopFactory(verified=True, shop_id="111")
    ShopSync.objects.create(shop=shop, kind=ShopSync.Kind.CHAT, last_success_at=now - timedelta(seconds=120))
    ShopSync.objects.create(
        shop=shop, kind=ShopSync.Kind.ORDERS, last_success_at=now - timedelta(seconds=600)
    )
    ShopFactory(shop_id=None)  # not verified: nothing to lag
    found = scrape()
    assert found['tmschat_sync_lag_seconds{kind="chat",shop_id="111"}'] == pytest.approx(120, abs=5)
    assert found['tmschat_sync_lag_seconds{kind="orders",shop_id="111"}'] == pytest.approx(600, abs=5)
    assert len([k for k in found if k.startswith("tmschat_sync_lag_seconds")]) == 2


def test_sync_lag_of_a_tw_shop_follows_each_pulls_own_verification(scrape):
    now = timezone.now()
    chat_only = ShopFactory(
        shop_id="222", chat_transport=Shop.ChatTransport.SELLER_CENTRE, chat_state=Shop.ChatState.VERIFIED
    )
    ShopSync.objects.create(
        shop=chat_only, kind=ShopSync.Kind.CHAT, last_success_at=now - timedelta(seconds=30)
    )
    orders_only = ShopFactory(verified=True, shop_id="333", chat_transport=Shop.ChatTransport.SELLER_CENTRE)
    ShopSync.objects.create(
        shop=orders_only, kind=ShopSync.Kind.ORDERS, last_success_at=now - timedelta(seconds=90)
    )
    found = {k: v for k, v in scrape().items() if k.startswith("tmschat_sync_lag_seconds")}
    assert found == {
        'tmschat_sync_lag_seconds{kind="chat",shop_id="222"}': pytest.approx(30, abs=5),
        'tmschat_sync_lag_seconds{kind="orders",shop_id="333"}': pytest.approx(90, abs=5),
    }


def test_push_signature_failures_are_counted(client, scrape):
    before = scrape()["tmschat_push_signature_failures_total"]
    response = client.post(
        "/shopee/push/",
        b'{"code": 10, "data": {}}',
        content_type="application/json",
        HTTP_AUTHORIZATION="forged",
    )
    assert response.status_code == 401
    assert scrape()["tmschat_push_signature_failures_total"] == before + 1


def test_shopee_errors_are_counted_by_type(sandbox, scrape):
    before = scrape()
    with pytest.raises(ShopeeError) as raised:
        shopee_client().get_access_token(code="not-a-code", shop_id="242826267")
    kind = type(raised.value).__name__
    after = scrape()
    key = f'tmschat_shopee_errors_total{{type="{kind}"}}'
    assert after[key] == before[key] + 1
    others = [k for k in after if k.startswith("tmschat_shopee_errors_total") and k != key]
    assert all(after[k] == before[k] for k in others)
    assert re.fullmatch(r"[A-Za-z]+", kind)

"""Shopee's push endpoint: signed on the raw body, answered fast, taken once, acted on."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from accounts.models import Shop
from chat import push as pushes
from chat.models import Conversation, Message, PushReceipt
from orders.models import Order
from tests.chat.helpers import buyer_id, remote_chat, signed

pytestmark = pytest.mark.django_db

URL = "/shopee/push/"


def push_body(code: int, data: dict, **envelope) -> dict:
    """A push as Shopee wraps it: its code, its data, the send time and shop_id or partner_id."""
    return {"data": data, **envelope, "code": code, "timestamp": int(time.time())}


def webchat(shop: Shop, *, message_id: str = "2050000000000000001", text: str = "請問有現貨嗎?") -> dict:
    """A code 10 push as Shopee sends it when a buyer writes."""
    return push_body(
        10,
        {
            "type": "message",
            "region": "TW",
            "content": {
                "message_id": message_id,
                "shop_id": int(shop.shop_id),
                "from_id": int(buyer_id(1)),
                "from_user_name": "小明",
                "to_id": 1000000001,
                "to_user_name": shop.account,
                "message_type": "text",
                "content": {"text": text},
                "conversation_id": 123456789012345678,
                "created_timestamp": int(time.time()),
                "source_content": {},
                "from_shop_id": 0,
                "to_shop_id": int(shop.shop_id),
                "status": "normal",
            },
        },
        shop_id=int(shop.shop_id),
        msg_id="a1b2c3",
    )


@pytest.fixture
def shopee():
    """Shopee's side of the wire: no session, and CSRF checks on as for any stranger."""
    return Client(enforce_csrf_checks=True)


def post(client, raw: bytes, authorization: str | None):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    return client.post(URL, data=raw, content_type="application/json", **headers)


def post_signed(client, settings, body: dict | bytes):
    """Post `body` signed as Shopee signs it."""
    return post(client, *signed(settings, body))


def test_valid_buyer_message_is_stored_at_once_and_answered_with_an_empty_200(shopee, settings, shop):
    raw, signature = signed(settings, webchat(shop))

    started = time.perf_counter()
    response = post(shopee, raw, signature)
    elapsed = time.perf_counter() - started

    assert response.status_code == 200 and response.content == b""
    assert elapsed < 1.0
    message = Message.objects.get(shop=shop, message_id="2050000000000000001")
    assert (message.text, message.from_buyer) == ("請問有現貨嗎?", True)
    conversation = Conversation.objects.get(shop=shop, conversation_id="123456789012345678")
    assert (conversation.buyer_id, conversation.buyer_name, conversation.unread_count) == (
        buyer_id(1),
        "小明",
        1,
    )
    assert conversation.last_message_text == "請問有現貨嗎?" and conversation.last_message_from_buyer


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda raw, sig: (raw.replace("現貨".encode(), "假貨".encode()), sig), id="body changed"
        ),
        pytest.param(lambda raw, sig: (raw, "0" * 64), id="wrong signature"),
        pytest.param(lambda raw, sig: (raw, None), id="no signature"),
        pytest.param(lambda raw, sig: (raw + b" ", sig), id="re-serialised body"),
    ],
)
def test_tampered_push_is_refused_with_401_and_nothing_is_stored(shopee, settings, shop, tamper):
    raw, signature = tamper(*signed(settings, webchat(shop)))

    response = post(shopee, raw, signature)

    assert response.status_code == 401
    assert not PushReceipt.objects.exists() and not Message.objects.exists()


def test_push_signed_for_another_callback_url_is_refused(shopee, settings, shop):
    raw, signature = signed(settings, webchat(shop))
    settings.SHOPEE_PUSH_URL = "https://elsewhere.example/shopee/push/"

    assert post(shopee, raw, signature).status_code == 401
    assert not Message.objects.exists()


def test_replayed_push_is_taken_once(shopee, settings, shop):
    raw, signature = signed(settings, webchat(shop))

    answers = [post(shopee, raw, signature).status_code for _ in range(3)]

    assert answers == [200, 200, 200]  # Shopee must stop retrying
    assert PushReceipt.objects.count() == 1
    assert Message.objects.count() == 1
    assert Conversation.objects.get(shop=shop).unread_count == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        b'{"data": {}}',
        b'{"code": "ten", "data": {}}',
        b'{"code": 10, "data": "{broken"}',
    ],
    ids=["not JSON", "a list", "no code", "code not a number", "data not JSON"],
)
def test_malformed_but_signed_body_is_refused_with_400_and_nothing_is_stored(shopee, settings, raw):
    body, signature = signed(settings, raw)

    assert post(shopee, body, signature).status_code == 400
    assert not PushReceipt.objects.exists()


def test_webchat_push_without_a_message_is_recorded_but_stores_nothing(shopee, settings, shop):
    body = webchat(shop)
    del body["data"]["content"]["message_id"]
    assert post_signed(shopee, settings, body).status_code == 200
    assert not Message.objects.exists()
    assert PushReceipt.objects.get().error == "webchat push without message"


def test_push_for_a_shop_we_do_not_have_is_acknowledged_and_ignored(shopee, settings, shop):
    body = webchat(shop)
    body["shop_id"] = 999
    assert post_signed(shopee, settings, body).status_code == 200
    assert not Message.objects.exists()


def test_order_status_push_refreshes_the_order(
    shopee, settings, sandbox, shop, eager_tasks, django_capture_on_commit_callbacks
):
    order = sandbox.create_order(shop_id=shop.shop_id, buyer_id=buyer_id(3), buyer_name="阿華", push=False)
    sandbox.set_order_status(order["order_sn"], "SHIPPED")
    body = push_body(
        3,
        {"ordersn": order["order_sn"], "status": "SHIPPED", "update_time": int(time.time())},
        shop_id=int(shop.shop_id),
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert post_signed(shopee, settings, body).status_code == 200

    stored = Order.objects.get(shop=shop, order_sn=order["order_sn"])
    assert stored.status == "SHIPPED" and stored.buyer_user_id == buyer_id(3)
    assert stored.tracking_number == order["tracking_number"]
    assert PushReceipt.objects.get().processed_at is not None


def test_authorization_cancelled_push_flips_the_shop(
    shopee, settings, shop, eager_tasks, django_capture_on_commit_callbacks
):
    body = push_body(
        2,
        {"authorize_type": "user cancel shop authorization", "shop_id": int(shop.shop_id), "success": 1},
        partner_id=settings.SHOPEE_PARTNER_ID,
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert post_signed(shopee, settings, body).status_code == 200

    shop.refresh_from_db()
    assert shop.state == Shop.State.EXPIRED


def test_expiry_warning_push_marks_the_shop_expiring(
    shopee, settings, shop, eager_tasks, django_capture_on_commit_callbacks
):
    body = push_body(
        12,
        {
            "shop_expire_soon": [int(shop.shop_id)],
            "expire_before": int(time.time()) + 5 * 86400,
            "page_no": 1,
            "total_page": 1,
        },
        partner_id=settings.SHOPEE_PARTNER_ID,
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert post_signed(shopee, settings, body).status_code == 200

    shop.refresh_from_db()
    assert shop.state == Shop.State.EXPIRING


def test_pushes_shopee_could_not_deliver_are_fetched_once_and_confirmed(sandbox, shop):
    # No callback URL: every push of the sandbox goes to the lost list.
    sent = [sandbox.buyer_says(shop.shop_id, f"留言 {n}", buyer_id=buyer_id(n % 2)) for n in range(4)]

    assert pushes.lost_pushes_fetch() == 4
    assert pushes.lost_pushes_fetch() == 0

    stored = set(Message.objects.filter(shop=shop).values_list("message_id", flat=True))
    assert stored == {m["message_id"] for m in sent} == set(remote_chat(sandbox, shop))
    assert all(p["confirmed"] for p in sandbox.pushes())
    assert PushReceipt.objects.filter(via=PushReceipt.Via.LOST).count() == 4


def test_push_delivered_live_and_again_as_lost_is_taken_once(shopee, settings, sandbox, shop):
    sent = sandbox.buyer_says(shop.shop_id, "出貨了嗎?", buyer_id=buyer_id(5))
    # The sandbox could not deliver it (no callback URL); it arrives live later all the same.
    assert post_signed(shopee, settings, sandbox.pushes()[-1]["body"]).status_code == 200

    assert pushes.lost_pushes_fetch() == 0
    assert Message.objects.filter(message_id=sent["message_id"]).count() == 1
    assert PushReceipt.objects.count() == 1


def test_old_receipts_are_purged(shopee, settings, shop):
    post_signed(shopee, settings, webchat(shop))
    PushReceipt.objects.update(received_at=PushReceipt.objects.get().received_at - pushes.RECEIPTS_KEPT * 2)

    assert pushes.push_receipts_purge() == 1

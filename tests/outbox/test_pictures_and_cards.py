"""Pictures and cards staff send (F14), in one process against the sandbox over HTTP, on both faces
(the Open Platform, the Seller Centre login): through the inbox's own forms, the outbox's delivery,
and what the sandbox received. Worker processes killed mid-send: test_picture_workers.py."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import Shop
from audit.models import AuditEvent
from chat.models import Conversation, Message
from chat.sync import chat_sync_shop
from outbox.delivery import outbox_deliver_due
from outbox.models import OutgoingMessage
from outbox.pictures import Picture
from outbox.services import OutboxRefused, outbox_reply_queue
from shopee.sandbox.media import demo_picture
from tests.factories import OrderFactory
from tests.inbox.helpers import HTMX
from tests.utils import wait_until

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

State = OutgoingMessage.State
FACES = ["open_platform", "sellercentre"]
SEND_PATHS = {"open_platform": "/send_message", "sellercentre": "/webchat/api/v1.2/messages"}
BUYER = "730000001"


@pytest.fixture
def pictures_dir(settings, tmp_path):
    settings.SHARED_DIR = tmp_path
    settings.SELLERCENTRE_SEND_RATE_PER_SECOND = 500
    return tmp_path / "chat-pictures"


@pytest.fixture
def chat(request, sandbox, make_shop, make_sc_shop, pictures_dir):
    """(shop, conversation) on the face the test is parametrized with: a buyer wrote, the chat pulled."""
    face = getattr(request, "param", "open_platform")
    shop = make_shop() if face == "open_platform" else make_sc_shop()
    sandbox.buyer_says(shop.shop_id, "可以看一下實品照片嗎?", buyer_id=BUYER, buyer_name="小明")
    chat_sync_shop(shop=shop)
    return shop, Conversation.objects.get(shop=shop, buyer_id=BUYER)


def deliver_until(predicate, timeout: float = 15.0):
    def step():
        outbox_deliver_due(budget_seconds=10)
        return predicate()

    return wait_until(step, timeout=timeout, interval=0.05)


def all_sent() -> bool:
    return not OutgoingMessage.objects.exclude(state=State.SENT).exists()


def send_form(
    client, conversation, *, text="", picture: bytes | None = None, name="photo.png", key="reply:k1"
):
    data = {"text": text, "idempotency_key": key}
    if picture is not None:
        data["image"] = SimpleUploadedFile(name, picture, "image/png")
    return client.post(f"/chat/c/{conversation.pk}/send/", data, **HTMX)


def stored_files(pictures_dir) -> list:
    return sorted(p for p in pictures_dir.rglob("*") if p.is_file()) if pictures_dir.exists() else []


def send_calls(sandbox, face: str) -> int:
    return sum(row["count"] for row in sandbox.calls() if row["path"].endswith(SEND_PATHS[face]))


# -- a picture, end to end ---------------------------------------------------------------------


@pytest.mark.parametrize("chat", FACES, indirect=True)
def test_a_picture_with_words_reaches_the_buyer_once_uploaded_once_and_stored_once(
    chat, sandbox, staff_client, pictures_dir
):
    shop, conversation = chat
    photo = demo_picture(7)

    response = send_form(staff_client, conversation, text="這是實品照片", picture=photo)

    assert response.status_code == 200
    picture_row, text_row = OutgoingMessage.objects.order_by("id")
    assert (picture_row.message_type, text_row.text) == ("image", "這是實品照片")  # the picture first
    (stored,) = stored_files(pictures_dir)
    assert stored.read_bytes() == photo and picture_row.attachment.endswith(stored.name)
    assert f'src="/notices/{picture_row.pk}/picture/"' in response.content.decode()  # the pending thumbnail

    deliver_until(all_sent)

    (upload,) = sandbox.uploads(shop_id=shop.shop_id)
    image, words = sandbox.deliveries(shop_id=shop.shop_id)
    assert image["message_type"] == "image" and image["content"]["url"] == upload["url"]
    assert upload["used_by"] == [image["message_id"]] and upload["size"] == len(photo)
    assert words["content"] == {"text": "這是實品照片"}
    picture_row.refresh_from_db()
    assert picture_row.upload["url"] == upload["url"] and picture_row.shopee_message_id == image["message_id"]
    shown = Message.objects.get(shop=shop, message_id=image["message_id"])
    assert shown.message_type == "image" and not shown.from_buyer
    pane = staff_client.get(f"/chat/c/{conversation.pk}/", **HTMX).content.decode()
    assert f'src="{upload["url"]}_tn"' in pane and f'href="{upload["url"]}"' in pane

    # The same picture again is another message, but still one file on our side.
    send_form(staff_client, conversation, picture=photo, key="reply:k2")
    assert len(stored_files(pictures_dir)) == 1
    assert OutgoingMessage.objects.filter(message_type="image").count() == 2


@pytest.mark.parametrize("chat", FACES, indirect=True)
def test_a_retry_after_the_send_failed_reuses_the_upload(chat, sandbox, staff_client, request):
    shop, conversation = chat
    face = request.node.callspec.params["chat"]
    sandbox.set_faults(error_share=1.0, paths=[SEND_PATHS[face]])
    send_form(staff_client, conversation, picture=demo_picture(8))

    outbox_deliver_due(budget_seconds=5)

    row = OutgoingMessage.objects.get()
    assert row.state == State.QUEUED and row.attempts == 1 and row.upload  # uploaded, then the send failed
    sandbox.set_faults(clear=True)
    deliver_until(all_sent)
    assert len(sandbox.uploads(shop_id=shop.shop_id)) == 1
    assert [d["message_type"] for d in sandbox.deliveries(shop_id=shop.shop_id)] == ["image"]


@pytest.mark.parametrize("chat", FACES, indirect=True)
def test_a_picture_whose_answer_was_lost_is_found_on_shopee_not_sent_again(
    chat, sandbox, staff_client, settings, request
):
    """Shopee stored the image but its answer came too late: the row is in doubt; the next look
    finds it (Seller Centre by the row's key, the Open Platform by the picture's url)."""
    shop, conversation = chat
    face = request.node.callspec.params["chat"]
    settings.SHOPEE_TIMEOUT_SECONDS = 0.5
    sandbox.set_faults(hang_seconds=1.5, hang_count=1, paths=[SEND_PATHS[face]])
    send_form(staff_client, conversation, picture=demo_picture(9))

    outbox_deliver_due(budget_seconds=5)

    row = OutgoingMessage.objects.get()
    assert row.state == State.QUEUED and row.doubt_since is not None
    deliver_until(all_sent)
    (delivered,) = sandbox.deliveries(shop_id=shop.shop_id)
    assert len(sandbox.uploads(shop_id=shop.shop_id)) == 1 and send_calls(sandbox, face) == 1
    row.refresh_from_db()
    assert row.shopee_message_id == delivered["message_id"]


# -- refused before anything is kept ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        pytest.param("big.png", demo_picture(1) + bytes(3000), "圖片大小為", id="too-large"),
        pytest.param(
            "notes.png", b"these are not the pixels you want", "不是 JPG、PNG 或 GIF 圖片", id="not-a-picture"
        ),
        pytest.param("empty.png", b"", None, id="empty"),
    ],
)
def test_a_picture_shopee_would_refuse_is_refused_in_words_and_changes_nothing(
    chat, sandbox, staff_client, settings, pictures_dir, name, data, words
):
    shop, conversation = chat
    settings.CHAT_IMAGE_MAX_BYTES = 2000
    audited = AuditEvent.objects.count()

    response = send_form(staff_client, conversation, picture=data, name=name)

    body = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in body
    if words:
        assert words in body
    assert not OutgoingMessage.objects.exists() and stored_files(pictures_dir) == []
    assert AuditEvent.objects.count() == audited
    outbox_deliver_due(budget_seconds=2)
    assert sandbox.uploads(shop_id=shop.shop_id) == [] and sandbox.deliveries(shop_id=shop.shop_id) == []


def test_a_refused_text_beside_a_picture_keeps_no_picture(chat, staff_client, salesperson, pictures_dir):
    shop, conversation = chat
    with pytest.raises(OutboxRefused, match="601"), transaction.atomic():
        outbox_reply_queue(
            conversation=conversation,
            text="好" * 601,
            idempotency_key="reply:too-long",
            user=salesperson,
            picture=Picture(data=demo_picture(2), name="a.png"),
        )
    assert not OutgoingMessage.objects.exists() and stored_files(pictures_dir) == []


def test_a_picture_over_the_limit_is_refused_before_it_is_read(chat, staff_client, settings):
    shop, conversation = chat
    settings.CHAT_IMAGE_MAX_BYTES = 10
    body = send_form(staff_client, conversation, picture=demo_picture(3)).content.decode()
    assert "蝦皮只接受 10\xa0位元組 以內的圖片" in body or "蝦皮只接受" in body
    assert not OutgoingMessage.objects.exists()


# -- cards from the orders beside the conversation ----------------------------------------------


def buyer_order(sandbox, shop, *, name="寶寶米餅 原味 50g"):
    """An order of the buyer on Shopee, as the product stored it (the pane lists it)."""
    remote = sandbox.create_order(
        shop_id=shop.shop_id, buyer_id=BUYER, items=[{"item_name": name, "quantity": 2, "price": 89}]
    )
    items = [{"item_id": str(i["item_id"]), "item_name": i["item_name"]} for i in remote["items"]]
    return OrderFactory(shop=shop, order_sn=remote["order_sn"], buyer_user_id=BUYER, items=items), items[0]


def card_form(client, conversation, order, item_id="", key="card:" + "a" * 32 + ":order"):
    data = {"order": order.pk, "item": item_id, "key": key}
    return client.post(f"/chat/c/{conversation.pk}/card/", data, **HTMX)


@pytest.mark.parametrize("chat", FACES, indirect=True)
def test_a_product_card_from_an_order_beside_the_conversation_reaches_the_buyer(
    chat, sandbox, staff_client, request
):
    shop, conversation = chat
    face = request.node.callspec.params["chat"]
    order, item = buyer_order(sandbox, shop)
    pane = staff_client.get(f"/chat/c/{conversation.pk}/", **HTMX).content.decode()
    assert "傳送商品卡片" in pane and "傳送訂單卡片" in pane

    key = "card:" + "b" * 32 + ":item:" + item["item_id"]
    response = card_form(staff_client, conversation, order, item["item_id"], key=key)
    card_form(staff_client, conversation, order, item["item_id"], key=key)  # a double click

    assert "卡片已排入佇列" in response.content.decode()
    deliver_until(all_sent)
    (card,) = sandbox.deliveries(shop_id=shop.shop_id)
    if face == "open_platform":
        assert card["message_type"] == "item"
        assert card["content"] == {"shop_id": int(shop.shop_id), "item_id": int(item["item_id"])}
    else:  # the web chat's product card carries its name (research notes §2)
        assert card["message_type"] == "product"
        assert card["content"] == {
            "product_id": int(item["item_id"]),
            "shop_id": int(shop.shop_id),
            "product_name": "寶寶米餅 原味 50g",
        }
    assert card["source_content"]["order_sn"] == order.order_sn  # a first message would need it
    pane = staff_client.get(f"/chat/c/{conversation.pk}/", **HTMX).content.decode()
    assert f"https://shopee.tw/product/{shop.shop_id}/{item['item_id']}" in pane
    assert "寶寶米餅 原味 50g</a>" in pane


def test_an_order_card_reaches_the_buyer_on_the_open_platform(chat, sandbox, staff_client):
    shop, conversation = chat
    order, _item = buyer_order(sandbox, shop)

    card_form(staff_client, conversation, order)

    deliver_until(all_sent)
    (card,) = sandbox.deliveries(shop_id=shop.shop_id)
    assert card["message_type"] == "order" and card["content"]["order_sn"] == order.order_sn
    pane = staff_client.get(f"/chat/c/{conversation.pk}/", **HTMX).content.decode()
    assert f'href="/orders/?q={order.order_sn}"' in pane  # our order page


@pytest.mark.parametrize("chat", ["sellercentre"], indirect=True)
def test_seller_centre_says_it_cannot_send_order_cards_instead_of_failing_later(chat, sandbox, staff_client):
    shop, conversation = chat
    order, _item = buyer_order(sandbox, shop)

    pane = staff_client.get(f"/chat/c/{conversation.pk}/", **HTMX).content.decode()
    response = card_form(staff_client, conversation, order).content.decode()

    words = "賣家中心聊聊無法從這裡傳送訂單卡片"
    assert words in pane and "disabled" in pane.split("傳送訂單卡片")[0].rsplit("<button", 1)[1]
    assert words in response and 'role="alert"' in response
    assert not OutgoingMessage.objects.exists() and sandbox.deliveries(shop_id=shop.shop_id) == []


def test_a_taiwanese_shop_on_the_open_platform_says_why_before_anything_is_queued(
    sandbox, salesperson, staff_client, pictures_dir
):
    from tests.chat.helpers import verified_shop

    shop = verified_shop(sandbox, salesperson, region="TW")
    Shop.objects.filter(pk=shop.pk).update(chat_transport=Shop.ChatTransport.OPEN_PLATFORM)
    shop.refresh_from_db()
    sandbox.buyer_says(shop.shop_id, "在嗎?", buyer_id=BUYER)
    chat_sync_shop(shop=shop)
    conversation = Conversation.objects.get(shop=shop)
    order, item = buyer_order(sandbox, shop)

    pane = staff_client.get(f"/chat/c/{conversation.pk}/", **HTMX).content.decode()
    card = card_form(staff_client, conversation, order, item["item_id"], key="card:" + "c" * 32 + ":x")
    picture = send_form(staff_client, conversation, picture=demo_picture(4))

    for body in (pane, card.content.decode(), picture.content.decode()):
        assert "蝦皮開放平台不傳送台灣賣場的聊聊訊息" in body
    assert not OutgoingMessage.objects.exists() and stored_files(pictures_dir) == []


def test_the_sixth_card_in_a_row_fails_with_shopees_rule_in_words(chat, sandbox, staff_client):
    shop, conversation = chat
    order, item = buyer_order(sandbox, shop)
    for n in range(6):
        card_form(staff_client, conversation, order, item["item_id"], key=f"card:{n:032x}:item")

    deliver_until(
        lambda: not OutgoingMessage.objects.filter(state__in=[State.QUEUED, State.SENDING]).exists()
    )

    assert len(sandbox.deliveries(shop_id=shop.shop_id)) == 5
    failed = OutgoingMessage.objects.get(state=State.FAILED)
    assert failed.error_code == "reach_5_message_limit"
    pending = staff_client.get(f"/chat/c/{conversation.pk}/", **HTMX).content.decode()
    assert "買家回覆之前" in pending or "5 則" in pending


# -- what staff see of pictures and cards on their way ------------------------------------------


def test_the_notices_page_and_the_pending_bubble_show_pictures_and_cards(
    chat, sandbox, staff_client, client, other_staff
):
    shop, conversation = chat
    order, item = buyer_order(sandbox, shop)
    send_form(staff_client, conversation, picture=demo_picture(5))
    card_form(staff_client, conversation, order, item["item_id"], key="card:" + "d" * 32 + ":item")
    card_form(staff_client, conversation, order, key="card:" + "e" * 32 + ":order")
    picture_row = OutgoingMessage.objects.get(message_type="image")

    notices = staff_client.get("/notices/").content.decode()
    pane = staff_client.get(f"/chat/c/{conversation.pk}/", **HTMX).content.decode()
    served = staff_client.get(f"/notices/{picture_row.pk}/picture/")

    for page in (notices, pane):
        assert f'src="/notices/{picture_row.pk}/picture/"' in page
        assert "[商品] 寶寶米餅 原味 50g" in page and f"[訂單] {order.order_sn}" in page
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served.content == demo_picture(5)
    client.force_login(other_staff)
    assert client.get(f"/notices/{picture_row.pk}/picture/").status_code == 404

"""Pictures and cards on both of the sandbox's faces, through both clients over real HTTP: uploads
with Shopee's limits (jpg/jpeg/png/gif, a size cap), image and card sends refused when malformed as
Shopee would, buyers sending every type through the control API, and the sandbox's own view."""

from __future__ import annotations

import uuid

import pytest
import requests

from shopee.client import ShopeeClient
from shopee.errors import BadRequest
from shopee.sandbox.media import demo_picture
from shopee.sellercentre import SellerCentreClient, new_device_id
from tests.shopee.helpers import PARTNER_ID, PARTNER_KEY
from tests.shopee.test_sellercentre import SHOP_ID, verified_session

BUYER = 300_050_001


@pytest.fixture
def demo(make_sandbox):
    return make_sandbox(demo=True, image_max_bytes=4000)


@pytest.fixture
def api(demo):
    client = ShopeeClient(PARTNER_ID, PARTNER_KEY, demo.url, timeout=5.0)
    tokens = client.get_access_token(code=demo.authorize_code(SHOP_ID), shop_id=SHOP_ID)
    yield client.shop(SHOP_ID, tokens.access_token)
    client.close()


@pytest.fixture
def web(demo):
    client = SellerCentreClient(seller_url=demo.url, main_url=demo.url, timeout=5)
    yield client, verified_session(client, demo, new_device_id())
    client.close()


@pytest.fixture
def order(demo):
    """A buyer who ordered and wrote: the seller may answer with anything."""
    created = demo.create_order(shop_id=SHOP_ID, buyer_id=BUYER)
    demo.buyer_says(SHOP_ID, "在嗎?", buyer_id=BUYER)
    return created


def uploaded(demo) -> list[dict]:
    """What sellers uploaded (the demo's buyers sent photos of their own)."""
    return [u for u in demo.uploads() if u["via"] != "buyer"]


REFUSED = [
    pytest.param("big.png", demo_picture(1) + bytes(5000), "larger than 4000 bytes", id="over-the-cap"),
    pytest.param("note.png", b"plain words, not a picture", "jpg, jpeg, png or gif", id="not-a-picture"),
    pytest.param("photo.bmp", demo_picture(1), "jpg, jpeg, png or gif", id="another-extension"),
    pytest.param("photo.jpg", demo_picture(1), "jpg, jpeg, png or gif", id="a-png-named-jpg"),
]


@pytest.mark.parametrize(("name", "data", "words"), REFUSED)
def test_the_open_platform_refuses_an_upload_shopee_would_and_keeps_nothing(demo, api, name, data, words):
    with pytest.raises(BadRequest, match=words) as refused:
        api.upload_image(data=data, filename=name, content_type="image/png")
    assert refused.value.code == "error_param"
    assert uploaded(demo) == []


@pytest.mark.parametrize(("name", "data", "words"), REFUSED)
def test_seller_centre_refuses_an_upload_shopee_would_and_keeps_nothing(demo, web, name, data, words):
    client, session = web
    with pytest.raises(BadRequest, match=words) as refused:
        client.image_upload(session, data=data, filename=name, content_type="image/png")
    assert refused.value.code == "param_error"  # the upload's refusals carry `error_code`
    assert uploaded(demo) == []


def test_an_uploaded_picture_is_served_and_sent_as_an_image_on_the_open_platform(demo, api, order):
    for kind, data in (("gif", b"GIF89a\x02\x00\x03\x00" + bytes(20)), ("png", demo_picture(3))):
        upload = api.upload_image(data=data, filename=f"p.{kind}", content_type=f"image/{kind}")
        served = requests.get(upload["url"], timeout=5)
        assert served.content == data and served.headers["Content-Type"] == f"image/{kind}"
    assert upload["thumbnail"] == upload["url"] + "_tn" and upload["url_hash"] in upload["url"]

    sent = api.send_message(str(BUYER), "image", {"image_url": upload["url"]})

    assert sent["content"]["url"] == upload["url"] and sent["content"]["thumb_url"] == upload["thumbnail"]
    assert [u["used_by"] for u in uploaded(demo)] == [[], [sent["message_id"]]]


def test_an_image_of_a_picture_not_uploaded_by_the_shop_is_refused(demo, api, order):
    demo.create_shop(account="other", password="pw", name="別家", shop_id="777000111")
    other = demo.buyer_says("777000111", buyer_id=BUYER, message_type="image", content={})["content"]

    for url in ("https://cf.shopee.tw/file/abc", other["url"], ""):
        with pytest.raises(BadRequest, match="image"):
            api.send_message(str(BUYER), "image", {"image_url": url})
    assert demo.deliveries(shop_id=SHOP_ID) == []


def test_seller_centre_sends_an_uploaded_image_and_a_product_card(demo, web, order):
    client, session = web
    item = order["items"][0]
    upload = client.image_upload(session, data=demo_picture(4), filename="p.png", content_type="image/png")
    assert set(upload) >= {"url", "thumbnail", "thumb_width", "thumb_height", "file_server_id", "url_hash"}

    image = client.message_send(
        session,
        to_id=str(BUYER),
        message_type="image",
        content={"url": upload["url"], "url_hash": upload["url_hash"], "thumb_url": upload["thumbnail"]},
        request_id=str(uuid.uuid4()),
    )
    card = client.message_send(
        session,
        to_id=str(BUYER),
        message_type="product",
        content={"product_id": item["item_id"], "shop_id": int(SHOP_ID), "product_name": item["item_name"]},
        request_id=str(uuid.uuid4()),
    )

    assert image.message_type == "image" and image.content["url"] == upload["url"]
    assert card.content == {
        "product_id": item["item_id"],
        "shop_id": int(SHOP_ID),
        "product_name": item["item_name"],
    }
    assert [d["message_type"] for d in demo.deliveries(shop_id=SHOP_ID)] == ["image", "product"]


@pytest.mark.parametrize(
    ("message_type", "content", "words"),
    [
        ("image", {"url": "https://cf.shopee.tw/file/not-ours"}, "uploaded by this shop"),
        (
            "product",
            {"product_id": 1, "shop_id": int(SHOP_ID), "product_name": "假的"},
            "product of this shop",
        ),
        ("product", {"shop_id": int(SHOP_ID), "product_name": "沒有編號"}, "product of this shop"),
        ("order", {"order_id": 1, "shop_id": int(SHOP_ID)}, "type must be one of"),
    ],
)
def test_seller_centre_refuses_malformed_images_and_cards(demo, web, order, message_type, content, words):
    client, session = web
    with pytest.raises(BadRequest, match=words):
        client.message_send(
            session,
            to_id=str(BUYER),
            message_type=message_type,
            content=content,
            request_id=str(uuid.uuid4()),
        )
    assert demo.deliveries(shop_id=SHOP_ID) == []


def test_a_product_card_without_its_name_is_refused_on_seller_centre(demo, web, order):
    client, session = web
    content = {"product_id": order["items"][0]["item_id"], "shop_id": int(SHOP_ID)}
    with pytest.raises(BadRequest, match="product_name"):
        client.message_send(
            session, to_id=str(BUYER), message_type="product", content=content, request_id=str(uuid.uuid4())
        )


def test_buyers_and_shopee_send_every_type_through_the_control_api_and_the_sandbox_shows_them(demo):
    control = f"{demo.url}/_sandbox"
    says = [
        ("image", {}),
        ("sticker", {"sticker_id": "0001", "sticker_package_id": "choki"}),
        ("item", {"shop_id": int(SHOP_ID), "item_id": 42}),
        ("order", {"order_sn": "240531ABCD1234"}),
        ("voucher", {"voucher_id": "9", "voucher_code": "SAVE50"}),
        ("faq_liveagent", {"text": "我要找賣家"}),
    ]
    for message_type, content in says:
        answer = requests.post(
            f"{control}/messages/buyer",
            json={
                "shop_id": SHOP_ID,
                "buyer_id": str(BUYER),
                "message_type": message_type,
                "content": content,
            },
            timeout=5,
        )
        assert answer.status_code == 200, answer.text
    auto = requests.post(
        f"{control}/messages/shopee",
        json={
            "shop_id": SHOP_ID,
            "buyer_id": str(BUYER),
            "text": "稍後回覆您",
            "status": "offwork_autoreply",
        },
        timeout=5,
    ).json()
    bad = requests.post(
        f"{control}/messages/shopee",
        json={"shop_id": SHOP_ID, "buyer_id": str(BUYER), "status": "x"},
        timeout=5,
    )

    assert auto["status"] == "offwork_autoreply" and bad.status_code == 400
    photos = requests.get(f"{control}/uploads", params={"shop_id": SHOP_ID}, timeout=5).json()["uploads"]
    photo = photos[-1]
    assert photo["via"] == "buyer" and photo["used_by"]
    view = requests.get(f"{control}/chat/{auto['conversation_id']}", timeout=5).text
    assert f'<img src="{photo["url"]}_tn"' in view
    for words in (
        "[貼圖] choki/0001",
        "[商品]  #42",
        "[訂單] 240531ABCD1234",
        "SAVE50",
        "我要找賣家",
        "稍後回覆您",
    ):
        assert words in view
    assert "蝦皮（offwork_autoreply）" in view
    assert (
        auto["conversation_id"]
        in requests.get(f"{control}/chat", params={"shop_id": SHOP_ID}, timeout=5).text
    )
    assert requests.get(f"{demo.url}/file/nothing-here", timeout=5).status_code == 404


def test_the_demo_has_pictures_stickers_cards_and_shopees_own_messages(demo):
    kinds = {m["message_type"] for m in demo.state()["messages"].values()}
    statuses = {m["status"] for m in demo.state()["messages"].values()}
    assert {"image", "sticker", "item", "order"} <= kinds and "auto_reply" in statuses
    assert all(requests.get(u["url"], timeout=5).status_code == 200 for u in demo.uploads())

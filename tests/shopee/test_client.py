"""Contract tests: every client call against the sandbox over real HTTP."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from shopee.client import ShopClient, ShopeeClient, parse_push, verify_push
from shopee.errors import AuthError, BadRequest, PlatformRule, RateLimited, Transient
from shopee.sandbox import Sandbox
from shopee.types import TokenPair

PARTNER_ID = 2001887
PARTNER_KEY = "shpk-contract-test-partner-key"
PUSH_KEY = "contract-test-live-push-key"
SHOP_ID = "242826267"
DAY = 86400
ORDER_LIST = "/api/v2/order/get_order_list"


@pytest.fixture(scope="module")
def sandbox():
    sb = Sandbox(partner_id=PARTNER_ID, partner_key=PARTNER_KEY, push_key=PUSH_KEY, push_retry_delays=[0.05])
    sb.start(port=0)
    yield sb
    sb.stop()


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox):
    sandbox.reset()
    # The Open Platform's chat rules on a TW shop: Shopee's TW send refusal is off for these.
    sandbox.configure(tw_send_refused=False)


@pytest.fixture
def client(sandbox):
    client = ShopeeClient(PARTNER_ID, PARTNER_KEY, sandbox.url, timeout=5.0)
    yield client
    client.close()


def link_shop(sandbox: Sandbox, client: ShopeeClient, shop_id: str = SHOP_ID) -> tuple[ShopClient, TokenPair]:
    sandbox.create_shop(shop_id=shop_id, account=f"acct{shop_id}", password="demo1234", name="我的測試賣場")
    tokens = client.get_access_token(code=sandbox.authorize_code(shop_id), shop_id=shop_id)
    return client.shop(shop_id, tokens.access_token), tokens


@pytest.fixture
def shop(sandbox, client) -> ShopClient:
    return link_shop(sandbox, client)[0]


def calls_to(sandbox: Sandbox, path: str) -> int:
    return sum(call["count"] for call in sandbox.calls() if call["path"] == path)


# -- authorization and tokens --------------------------------------------------------------------


def seller_approves(link: str, account: str, password: str) -> str:
    """Play the seller on the sandbox's authorization pages; returns where they are sent back."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(link))
    with requests.Session() as browser:
        page = browser.get(link, timeout=5)
        assert page.status_code == 200, page.text
        session = re.search(r'name="session" value="([^"]+)"', page.text)[1]
        browser.post(
            f"{origin}/auth/login",
            data={"session": session, "account": account, "password": password},
            timeout=5,
        )
        browser.post(f"{origin}/auth/phone", data={"session": session}, timeout=5)
        answer = browser.post(
            f"{origin}/auth/decide",
            data={"session": session, "decision": "approve"},
            allow_redirects=False,
            timeout=5,
        )
    assert answer.status_code == 302
    return answer.headers["Location"]


@pytest.mark.parametrize("style", ["legacy", "open"])
def test_seller_authorizes_through_either_link_and_the_code_buys_working_tokens(sandbox, style):
    sandbox.create_shop(shop_id=SHOP_ID, account="ktmst", password="demo1234", name="我的測試賣場")
    client = ShopeeClient(
        PARTNER_ID, PARTNER_KEY, sandbox.url, auth_page_url=f"{sandbox.url}/auth", auth_link_style=style
    )
    redirect = "http://127.0.0.1:8000/shopee/authorized/?next=%2Fshops%3Fq%3D%E5%BA%97"

    back = seller_approves(client.authorization_url(redirect, state="csrf-123"), "ktmst", "demo1234")

    assert back.startswith(redirect + "&")
    query = parse_qs(urlsplit(back).query)
    assert query["state"] == ["csrf-123"] and query["shop_id"] == [SHOP_ID]
    tokens = client.get_access_token(query["code"][0], query["shop_id"][0])
    assert tokens.shop_id == SHOP_ID and tokens.expire_in == 14400
    assert client.shop(SHOP_ID, tokens.access_token).get_shop_info()["shop_name"] == "我的測試賣場"
    with pytest.raises(AuthError):  # the code is single-use
        client.get_access_token(query["code"][0], SHOP_ID)


def test_refresh_rotates_the_pair_and_the_old_refresh_token_is_refused(sandbox, client):
    _, first = link_shop(sandbox, client)

    second = client.refresh_access_token(refresh_token=first.refresh_token, shop_id=SHOP_ID)

    assert second.access_token != first.access_token and second.refresh_token != first.refresh_token
    assert client.shop(SHOP_ID, second.access_token).get_shop_info()["region"] == "TW"
    with pytest.raises(AuthError):
        client.refresh_access_token(first.refresh_token, SHOP_ID)
    third = client.refresh_access_token(second.refresh_token, SHOP_ID)
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)


def test_token_pair_never_shows_its_tokens_in_repr(sandbox, client):
    _, tokens = link_shop(sandbox, client)

    assert tokens.access_token not in repr(tokens) and tokens.refresh_token not in repr(tokens)


def test_expired_access_token_is_an_auth_error_until_refreshed(sandbox, client):
    shop, tokens = link_shop(sandbox, client)
    sandbox.shift_clock(4 * 3600 + 1)

    with pytest.raises(AuthError):
        shop.get_shop_info()
    fresh = client.refresh_access_token(tokens.refresh_token, SHOP_ID)
    assert client.shop(SHOP_ID, fresh.access_token).get_shop_info()["shop_name"] == "我的測試賣場"


@pytest.mark.parametrize("seller_action", ["revoke", "change_password"])
def test_revoked_or_password_changed_shop_raises_auth_error(sandbox, client, seller_action):
    shop, tokens = link_shop(sandbox, client)

    if seller_action == "revoke":
        sandbox.revoke(SHOP_ID)
    else:
        sandbox.change_password(SHOP_ID, "new-password")

    with pytest.raises(AuthError):
        shop.get_shop_info()
    with pytest.raises(AuthError):
        client.refresh_access_token(tokens.refresh_token, SHOP_ID)


def test_shops_by_partner_lists_every_authorized_shop_across_pages(sandbox, client):
    shop_ids = {str(300_000_000 + n) for n in range(105)}
    for shop_id in shop_ids:
        sandbox.create_shop(shop_id=shop_id, account=f"s{shop_id}", password="pw", name=f"店{shop_id}")
        sandbox.authorize_code(shop_id)
    sandbox.create_shop(shop_id="399999999", account="never", password="pw", name="未授權")

    shops = client.get_shops_by_partner()

    assert {s.shop_id for s in shops} == shop_ids
    assert all(s.region == "TW" and s.expire_time - s.auth_time == 365 * DAY for s in shops)
    assert calls_to(sandbox, "/api/v2/public/get_shops_by_partner") == 2


# -- orders ----------------------------------------------------------------------------------------


def test_forty_day_range_is_asked_in_three_windows_of_at_most_fifteen_days(sandbox, shop):
    now = sandbox.now()
    created = {
        sandbox.create_order(shop_id=SHOP_ID, create_time=now - day * DAY - 60)["order_sn"]
        for day in range(40)
    }
    sandbox.create_order(shop_id=SHOP_ID, create_time=now - 45 * DAY)  # outside the range
    sandbox.reset_calls()

    found = list(shop.iter_order_sns(time_from=now - 40 * DAY, time_to=now))

    assert sorted(found) == sorted(created)
    assert calls_to(sandbox, ORDER_LIST) == 3


def test_order_list_follows_the_cursor_across_pages(sandbox, shop):
    now = sandbox.now()
    created = {sandbox.create_order(shop_id=SHOP_ID, create_time=now - n)["order_sn"] for n in range(130)}
    sandbox.reset_calls()

    found = list(shop.iter_order_sns(now - DAY, now, page_size=25))

    assert len(found) == 130 and set(found) == created
    assert calls_to(sandbox, ORDER_LIST) == 6


def test_order_list_filters_by_status_and_update_time(sandbox, shop):
    now = sandbox.now()
    ready = sandbox.create_order(shop_id=SHOP_ID, create_time=now - 20 * DAY, status="READY_TO_SHIP")
    sandbox.create_order(shop_id=SHOP_ID, create_time=now - 20 * DAY, status="COMPLETED")
    sandbox.set_order_status(ready["order_sn"], "PROCESSED")

    by_update = list(shop.iter_order_sns(now - DAY, now + 60, time_range_field="update_time"))
    completed = list(shop.iter_order_sns(now - 30 * DAY, now, order_status="COMPLETED"))

    assert by_update == [ready["order_sn"]]
    assert len(completed) == 1 and completed[0] != ready["order_sn"]


def test_order_details_come_in_batches_of_fifty_with_the_product_fields(sandbox, shop):
    now = sandbox.now()
    sns = [
        sandbox.create_order(
            shop_id=SHOP_ID,
            create_time=now - n,
            carrier="全家",
            items=[{"item_name": "嬰兒濕紙巾", "quantity": 2, "price": 99}],
        )["order_sn"]
        for n in range(120)
    ]
    sandbox.reset_calls()

    details = shop.get_order_details(sns)

    assert [d["order_sn"] for d in details] == sns
    assert calls_to(sandbox, "/api/v2/order/get_order_detail") == 3
    detail = details[0]
    assert detail["shipping_carrier"] == "全家"
    assert detail["total_amount"] == 99 * 2 + 60
    assert detail["item_list"][0]["item_name"] == "嬰兒濕紙巾"
    assert isinstance(detail["item_list"][0]["item_id"], str)
    assert isinstance(detail["buyer_user_id"], str)
    assert isinstance(detail["package_list"][0]["logistics_channel_id"], str)


def test_unknown_order_is_a_bad_request(sandbox, shop):
    with pytest.raises(BadRequest) as caught:
        shop.get_order_details(["240101NOSUCH01"])
    assert caught.value.code == "error_not_found"


def test_shipment_list_pages_through_orders_waiting_to_ship(sandbox, shop):
    waiting = {
        (o["order_sn"], o["package_number"])
        for o in (sandbox.create_order(shop_id=SHOP_ID, status="READY_TO_SHIP") for _ in range(7))
    }
    sandbox.create_order(shop_id=SHOP_ID, status="SHIPPED")
    sandbox.reset_calls()

    listed = {(s["order_sn"], s["package_number"]) for s in shop.get_shipment_list(page_size=3)}

    assert listed == waiting
    assert calls_to(sandbox, "/api/v2/order/get_shipment_list") == 3


# -- logistics and shipping documents ----------------------------------------------------------------


def print_when_ready(sandbox, shop: ShopClient, packages: list[dict]) -> list[str]:
    statuses = []
    while not statuses or statuses[-1] == "PROCESSING":
        if statuses:  # the document takes a moment: let it pass on the sandbox's clock
            sandbox.shift_clock(sandbox.configure()["document_ready_seconds"])
        (result,) = shop.get_shipping_document_result(packages, "NORMAL_AIR_WAYBILL")
        statuses.append(result["status"])
    return statuses


def test_store_pickup_order_drops_off_and_prints_an_html_label(sandbox, shop):
    order = sandbox.create_order(shop_id=SHOP_ID, carrier="7-ELEVEN", status="READY_TO_SHIP")
    package = {"order_sn": order["order_sn"], "package_number": order["package_number"]}

    assert "dropoff" in shop.get_shipping_parameter(order["order_sn"])["info_needed"]
    shop.ship_order(order["order_sn"], package_number=order["package_number"], dropoff={})
    tracking = shop.get_tracking_number(order["order_sn"], order["package_number"])["tracking_number"]
    (parameter,) = shop.get_shipping_document_parameter([package])
    (created,) = shop.create_shipping_document([package], parameter["suggest_shipping_document_type"])
    statuses = print_when_ready(sandbox, shop, [package])
    document = shop.download_shipping_document([package], "NORMAL_AIR_WAYBILL")

    assert tracking.startswith("F") and len(tracking) == 12
    assert created["fail_error"] == ""
    assert statuses == ["PROCESSING", "READY"]
    assert document.content_type.startswith("text/html")
    assert order["order_sn"] in document.content.decode("utf-8") and tracking in document.content.decode(
        "utf-8"
    )


def test_home_delivery_order_is_picked_up_and_prints_a_pdf(sandbox, shop):
    order = sandbox.create_order(shop_id=SHOP_ID, carrier="新竹物流", status="READY_TO_SHIP")
    package = {"order_sn": order["order_sn"], "package_number": None}  # no package number: left out

    parameter = shop.get_shipping_parameter(order["order_sn"], package_number=None)
    address = parameter["pickup"]["address_list"][0]
    shop.ship_order(
        order["order_sn"],
        pickup={
            "address_id": address["address_id"],
            "pickup_time_id": address["time_slot_list"][0]["pickup_time_id"],
        },
    )
    shop.create_shipping_document([package], "NORMAL_AIR_WAYBILL")
    print_when_ready(sandbox, shop, [package])
    document = shop.download_shipping_document([package])

    assert document.content_type == "application/pdf"
    assert document.content.startswith(b"%PDF-") and order["order_sn"].encode() in document.content


def test_seller_arranged_delivery_ships_with_its_own_tracking_number(sandbox, shop):
    order = sandbox.create_order(shop_id=SHOP_ID, carrier="賣家宅配", status="READY_TO_SHIP")

    shop.ship_order(order["order_sn"], non_integrated={"tracking_number": "S0000012345"})

    assert shop.get_tracking_number(order["order_sn"])["tracking_number"] == "S0000012345"
    assert shop.get_order_details([order["order_sn"]])[0]["order_status"] == "PROCESSED"


def test_shipping_an_order_twice_is_a_bad_request(sandbox, shop):
    order = sandbox.create_order(shop_id=SHOP_ID, carrier="全家", status="READY_TO_SHIP")
    shop.ship_order(order["order_sn"], dropoff={})

    with pytest.raises(BadRequest, match="not ready to ship"):
        shop.ship_order(order["order_sn"], dropoff={})


def test_downloading_a_document_not_yet_ready_raises_the_json_error(sandbox, shop):
    order = sandbox.create_order(shop_id=SHOP_ID, carrier="全家", status="READY_TO_SHIP")
    shop.ship_order(order["order_sn"], dropoff={})

    with pytest.raises(BadRequest, match="not ready"):
        shop.download_shipping_document([{"order_sn": order["order_sn"]}], "NORMAL_AIR_WAYBILL")


def test_channel_list_names_taiwan_carriers_with_string_ids(shop):
    channels = {c["logistics_channel_id"]: c["logistics_channel_name"] for c in shop.get_channel_list()}

    assert (
        channels["30005"] == "7-ELEVEN" and channels["30006"] == "全家" and channels["30001"] == "黑貓宅急便"
    )


# -- chat --------------------------------------------------------------------------------------------


def test_conversation_list_pages_back_through_every_conversation(sandbox, shop):
    made = [sandbox.buyer_says(SHOP_ID, f"請問第{n}號商品有貨嗎？😊")["conversation_id"] for n in range(60)]

    pages, cursor = [], None
    while True:
        page = shop.get_conversation_list(direction="older", next_timestamp_nano=cursor, page_size=25)
        pages.append(page)
        if not page.more:
            break
        cursor = page.next_timestamp_nano

    seen = [c["conversation_id"] for page in pages for c in page.conversations]
    assert [len(page.conversations) for page in pages] == [25, 25, 10]
    assert seen == list(reversed(made))  # newest first, exact int64 ids as strings
    assert all(int(cid) > 2**53 for cid in seen)
    assert all(isinstance(page.next_timestamp_nano, str) for page in pages)


def test_one_conversation_shows_its_latest_message_and_buyer(sandbox, shop):
    said = sandbox.buyer_says(SHOP_ID, "什麼時候出貨？", buyer_id=777000111, buyer_name="小美")

    conversation = shop.get_one_conversation(said["conversation_id"])

    assert conversation["conversation_id"] == said["conversation_id"]
    assert conversation["to_id"] == "777000111" and conversation["to_name"] == "小美"
    assert conversation["latest_message_id"] == said["message_id"]
    assert conversation["latest_message_content"] == {"text": "什麼時候出貨？"}


def test_messages_page_back_newest_first_until_no_offset(sandbox, shop):
    said = [sandbox.buyer_says(SHOP_ID, f"訊息 {n}", buyer_id=555)["message_id"] for n in range(130)]
    conversation_id = sandbox.buyer_says(SHOP_ID, "最後一則", buyer_id=555)["conversation_id"]
    said.append(shop.get_one_conversation(conversation_id)["latest_message_id"])

    pages, offset = [], None
    while True:
        page = shop.get_messages(conversation_id, offset=offset, page_size=50)
        pages.append(page)
        if page.next_offset is None:
            break
        offset = page.next_offset

    assert [len(page.messages) for page in pages] == [50, 50, 31]
    assert [m["message_id"] for page in pages for m in page.messages] == list(reversed(said))
    assert pages[0].messages[0]["content"] == {"text": "最後一則"}
    assert isinstance(pages[0].messages[0]["from_id"], str)


def buyer_with_order(sandbox: Sandbox, buyer_id: int, days_ago: float = 1) -> str:
    order = sandbox.create_order(
        shop_id=SHOP_ID, buyer_id=buyer_id, create_time=sandbox.now() - int(days_ago * DAY)
    )
    return order["order_sn"]


def test_sent_message_reaches_the_buyer_once(sandbox, shop):
    order_sn = buyer_with_order(sandbox, 4242)

    sent = shop.send_message("4242", content={"text": "您的訂單已出貨，謝謝！🙏"}, order_sn=order_sn)

    (delivered,) = sandbox.deliveries(buyer_id=4242)
    assert sent["message_id"] == delivered["message_id"]
    assert delivered["content"] == {"text": "您的訂單已出貨，謝謝！🙏"}
    assert delivered["source_content"] == {"order_sn": order_sn}
    assert sent["to_id"] == "4242" and isinstance(sent["conversation_id"], str)


def test_order_and_item_cards_can_be_sent_into_an_existing_conversation(sandbox, shop):
    item = {"item_id": 9007199254740993, "item_name": "米餅", "quantity": 1, "price": 89}  # > 2**53
    order_sn = sandbox.create_order(shop_id=SHOP_ID, buyer_id=4343, items=[item])["order_sn"]
    conversation_id = sandbox.buyer_says(SHOP_ID, "我的訂單呢？", buyer_id=4343)["conversation_id"]

    shop.send_message("4343", "order", {"order_sn": order_sn}, conversation_id=conversation_id)
    shop.send_message("4343", "item", {"item_id": 9007199254740993}, conversation_id=conversation_id)

    order_card, item_card = sandbox.deliveries(buyer_id=4343)
    assert order_card["message_type"] == "order" and order_card["conversation_id"] == conversation_id
    # Read back as Shopee shows cards: with the shop (SHOPEE_API.md §6.4).
    assert order_card["content"] == {"shop_id": int(SHOP_ID), "order_sn": order_sn}
    assert item_card["message_type"] == "item"
    assert item_card["content"] == {"shop_id": int(SHOP_ID), "item_id": 9007199254740993}


def test_a_card_of_an_item_the_shop_does_not_sell_is_refused(sandbox, shop):
    order_sn = buyer_with_order(sandbox, 4344)

    with pytest.raises(BadRequest, match="item_id"):
        shop.send_message("4344", "item", {"item_id": 123}, order_sn=order_sn)

    assert sandbox.deliveries(buyer_id=4344) == []


def test_first_message_without_an_order_is_refused_by_platform_rule(sandbox, shop):
    buyer_with_order(sandbox, 4444)

    with pytest.raises(PlatformRule) as caught:
        shop.send_message("4444", content={"text": "您好"})

    assert caught.value.code == "first_chat_without_order_info"
    assert sandbox.deliveries(buyer_id=4444) == []


def test_text_of_601_characters_is_refused_and_600_chinese_characters_pass(sandbox, shop):
    order_sn = buyer_with_order(sandbox, 4545)

    with pytest.raises(PlatformRule) as caught:
        shop.send_message("4545", content={"text": "好" * 601}, order_sn=order_sn)
    shop.send_message("4545", content={"text": "好" * 600}, order_sn=order_sn)

    assert caught.value.code == "message_too_long"
    assert len(sandbox.deliveries(buyer_id=4545)) == 1


def test_sixth_consecutive_message_waits_for_the_buyer(sandbox, shop):
    order_sn = buyer_with_order(sandbox, 4646)
    for n in range(5):
        shop.send_message("4646", content={"text": f"通知 {n}"}, order_sn=order_sn)

    with pytest.raises(PlatformRule) as caught:
        shop.send_message("4646", content={"text": "第六則"}, order_sn=order_sn)
    sandbox.buyer_says(SHOP_ID, "收到", buyer_id=4646)
    shop.send_message("4646", content={"text": "第六則"}, order_sn=order_sn)

    assert caught.value.code == "reach_5_message_limit"
    assert len(sandbox.deliveries(buyer_id=4646)) == 6


def test_buyer_without_recent_order_or_chat_is_not_reachable(sandbox, shop):
    order_sn = buyer_with_order(sandbox, 4747, days_ago=40)

    with pytest.raises(PlatformRule) as caught:
        shop.send_message("4747", content={"text": "好久不見"}, order_sn=order_sn)

    assert caught.value.code == "user_is_forbidden"


def test_taiwan_send_restriction_is_a_platform_rule(sandbox, shop):
    order_sn = buyer_with_order(sandbox, 4848)
    sandbox.set_faults(tw_send_restriction=True)

    with pytest.raises(PlatformRule) as caught:
        shop.send_message("4848", content={"text": "您好"}, order_sn=order_sn)

    assert caught.value.code == "region_not_supported"


def test_chat_module_not_approved_refuses_chat_calls_but_not_orders(sandbox, shop):
    order_sn = buyer_with_order(sandbox, 4949)
    sandbox.configure(chat_module_approved=False)

    with pytest.raises(PlatformRule) as caught:
        shop.get_conversation_list()
    assert caught.value.code == "error_api_permission"
    with pytest.raises(PlatformRule):
        shop.send_message("4949", content={"text": "您好"}, order_sn=order_sn)
    assert shop.get_order_details([order_sn])[0]["order_sn"] == order_sn
    assert sandbox.deliveries() == []


def test_reading_a_conversation_lowers_the_unread_count(sandbox, shop):
    first = sandbox.buyer_says(SHOP_ID, "在嗎？", buyer_id=901)
    sandbox.buyer_says(SHOP_ID, "想問尺寸", buyer_id=901)
    last = sandbox.buyer_says(SHOP_ID, "謝謝", buyer_id=901)
    sandbox.buyer_says(SHOP_ID, "請問有貨嗎", buyer_id=902)
    assert shop.get_unread_conversation_count() == 2

    shop.read_conversation(first["conversation_id"], first["message_id"])
    assert shop.get_one_conversation(first["conversation_id"])["unread_count"] == 2
    shop.read_conversation(first["conversation_id"], last["message_id"])

    assert shop.get_unread_conversation_count() == 1
    assert shop.get_one_conversation(first["conversation_id"])["unread_count"] == 0


# -- pushes --------------------------------------------------------------------------------------------


class Inbox(ThreadingHTTPServer):
    """Our push endpoint: records raw bodies and Authorization headers, answers 2xx empty."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), InboxHandler)
        self.received: list[tuple[bytes, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/shopee/push/"

    def wait_for(self, count: int) -> list[tuple[bytes, str]]:
        deadline = time.monotonic() + 5
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received


class InboxHandler(BaseHTTPRequestHandler):
    server: Inbox

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append((raw, self.headers.get("Authorization", "")))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def inbox(sandbox):
    inbox = Inbox()
    threading.Thread(target=inbox.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    sandbox.configure(callback_url=inbox.url)
    yield inbox
    inbox.shutdown()
    inbox.server_close()


def test_buyer_message_push_verifies_and_parses_with_string_ids(sandbox, inbox):
    sandbox.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場", region="SG")
    said = sandbox.buyer_says(SHOP_ID, "請問可以改地址嗎？", buyer_id=9007199254740993)

    ((raw, authorization),) = inbox.wait_for(1)
    push = parse_push(raw)

    assert verify_push(PUSH_KEY, inbox.url, raw, authorization)
    assert not verify_push(PUSH_KEY, inbox.url, raw.replace("地址".encode(), "電話".encode()), authorization)
    assert not verify_push(PUSH_KEY, inbox.url + "?x=1", raw, authorization)
    assert (push.code, push.shop_id) == (10, SHOP_ID) and push.msg_id
    message = push.data["content"]
    assert message["message_id"] == said["message_id"]
    assert message["conversation_id"] == said["conversation_id"]
    assert message["from_id"] == "9007199254740993"  # beyond 2**53, exact
    assert message["content"] == {"text": "請問可以改地址嗎？"}


def test_order_tracking_revoke_and_expiry_pushes_name_their_shop(sandbox, client, inbox):
    shop, _ = link_shop(sandbox, client)
    order = sandbox.create_order(shop_id=SHOP_ID, carrier="全家", status="READY_TO_SHIP")
    shop.ship_order(order["order_sn"], dropoff={})
    tracking_number = shop.get_tracking_number(order["order_sn"])["tracking_number"]
    sandbox.expire_soon(SHOP_ID, days=7)
    sandbox.revoke(SHOP_ID)

    pushes = [parse_push(raw) for raw, _ in inbox.wait_for(5)]

    assert [(p.code, p.shop_id) for p in pushes] == [
        (3, SHOP_ID),
        (3, SHOP_ID),
        (4, SHOP_ID),
        (12, None),
        (2, SHOP_ID),
    ]
    assert pushes[1].data["ordersn"] == order["order_sn"] and pushes[1].data["status"] == "PROCESSED"
    assert pushes[2].data["ordersn"] == order["order_sn"] and pushes[2].data["tracking_no"] == tracking_number
    assert pushes[3].data["shop_expire_soon"] == [SHOP_ID]
    assert pushes[4].data["authorize_type"] == "user cancel shop authorization"


def test_parse_push_accepts_shopid_spelling_and_refuses_non_pushes():
    raw = json.dumps(
        {"code": 2, "partner_id": 2001887, "timestamp": 1, "data": {"shopid": 318990021}}
    ).encode()

    assert parse_push(raw).shop_id == "318990021"
    with pytest.raises(ValueError):
        parse_push(b"<html>")
    with pytest.raises(ValueError):
        parse_push(b'{"data": {}}')


def test_lost_pushes_come_back_parsed_until_confirmed(sandbox, client):
    sandbox.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場", region="SG")
    for n in range(103):  # no callback URL: every push is lost
        sandbox.buyer_says(SHOP_ID, f"第{n}則", buyer_id=321)

    first = client.get_lost_push_messages()
    client.confirm_consumed_lost_push_message(first.last_message_id)
    second = client.get_lost_push_messages()
    client.confirm_consumed_lost_push_message(second.last_message_id)
    third = client.get_lost_push_messages()

    assert (len(first.messages), first.has_next_page) == (100, True)
    assert (len(second.messages), second.has_next_page) == (3, False)
    assert third.messages == [] and third.last_message_id is None
    push = first.messages[0]
    assert (push.code, push.shop_id) == (10, SHOP_ID)
    assert push.data["content"]["content"] == {"text": "第0則"}
    assert second.messages[-1].data["content"]["content"] == {"text": "第102則"}


# -- failures ------------------------------------------------------------------------------------------


def test_rate_limit_raises_rate_limited_with_the_retry_after_hint(sandbox, shop):
    sandbox.set_faults(shop_calls_per_second=0.5)
    shop.get_shop_info()

    with pytest.raises(RateLimited) as caught:
        shop.get_shop_info()

    assert caught.value.code == "error_rate_limit" and caught.value.retry_after == 2.0


def test_daily_quota_raises_rate_limited_until_the_quota_resets(sandbox, shop):
    sandbox.set_faults(daily_quota_exceeded=True)

    with pytest.raises(RateLimited) as caught:
        shop.get_unread_conversation_count()

    assert caught.value.code == "error_limit" and 1 <= caught.value.retry_after <= DAY


def test_server_errors_are_transient(sandbox, shop):
    sandbox.set_faults(error_share=1.0)

    with pytest.raises(Transient) as caught:
        shop.get_conversation_list()

    assert (caught.value.code, caught.value.http_status) == ("error_server", 500)


def test_outage_is_transient_and_calls_work_again_after_it(sandbox, shop):
    sandbox.set_faults(outage_seconds=30)
    with pytest.raises(Transient) as caught:
        shop.get_channel_list()
    sandbox.set_faults(clear=True)

    assert caught.value.http_status == 503
    assert shop.get_channel_list()


def test_timeout_is_transient_and_names_no_token(sandbox, client):
    _, tokens = link_shop(sandbox, client)
    impatient = ShopeeClient(PARTNER_ID, PARTNER_KEY, sandbox.url, timeout=0.2).shop(
        SHOP_ID, tokens.access_token
    )
    sandbox.set_faults(timeout_share=1.0, timeout_seconds=1.0)

    started = time.monotonic()
    with pytest.raises(Transient) as caught:
        impatient.get_shop_info()

    assert time.monotonic() - started < 0.9
    assert tokens.access_token not in str(caught.value) and PARTNER_KEY not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_unreachable_platform_is_transient():
    nowhere = ShopeeClient(PARTNER_ID, PARTNER_KEY, "http://127.0.0.1:9", timeout=1.0)

    with pytest.raises(Transient):
        nowhere.get_shops_by_partner()


def test_wrong_partner_key_is_a_bad_request_naming_no_key(sandbox):
    wrong = ShopeeClient(PARTNER_ID, "shpk-wrong", sandbox.url)

    with pytest.raises(BadRequest) as caught:
        wrong.get_shops_by_partner()

    assert caught.value.code == "error_sign" and "shpk" not in str(caught.value)


class GatewayHandler(BaseHTTPRequestHandler):
    """A proxy in front of Shopee answering an HTML error page, as gateways do."""

    answers = {
        "/api/v2/public/get_shops_by_partner": (502, {}),
        "/api/v2/push/get_lost_push_message": (429, {"Retry-After": "7"}),
    }

    def do_GET(self) -> None:
        status, headers = self.answers[urlsplit(self.path).path]
        body = b"<html><body>Bad Gateway</body></html>"
        self.send_response(status)
        for name, value in {"Content-Type": "text/html", "Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_html_error_pages_from_a_gateway_are_transient_or_rate_limited():
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), GatewayHandler)
    threading.Thread(target=gateway.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    client = ShopeeClient(PARTNER_ID, PARTNER_KEY, f"http://127.0.0.1:{gateway.server_address[1]}")
    try:
        with pytest.raises(Transient) as bad_gateway:
            client.get_shops_by_partner()
        with pytest.raises(RateLimited) as throttled:
            client.get_lost_push_messages()
    finally:
        gateway.shutdown()
        gateway.server_close()

    assert bad_gateway.value.http_status == 502
    assert throttled.value.retry_after == 7.0


class _ForwardingProxy(BaseHTTPRequestHandler):
    """An HTTP proxy as an office network has one: it forwards each request and keeps its line."""

    seen: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.seen.append(self.requestline)
        direct = requests.Session()
        direct.trust_env = False  # the proxy itself goes straight out
        answer = direct.get(self.path, headers={"Accept": "application/json"}, timeout=5)
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, *args):
        pass


@pytest.fixture
def environment_read_again():
    from shopee.client import _Session

    _Session._environment.clear()
    yield _Session._environment.clear
    _Session._environment.clear()


def test_calls_go_through_the_proxy_the_environment_names_unless_no_proxy_says_the_host(
    shop, monkeypatch, environment_read_again
):
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _ForwardingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    _ForwardingProxy.seen = []
    try:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        environment_read_again()
        assert shop.get_shop_info()["shop_name"] == "我的測試賣場"
        assert shop.get_shop_info()["shop_name"] == "我的測試賣場"
        assert len(_ForwardingProxy.seen) == 2
        assert _ForwardingProxy.seen[0].startswith("GET http://127.0.0.1:")
        assert "/api/v2/shop/get_shop_info?" in _ForwardingProxy.seen[0]

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        environment_read_again()  # a process reads its environment once per host
        assert shop.get_shop_info()["shop_name"] == "我的測試賣場"
        assert len(_ForwardingProxy.seen) == 2  # straight to Shopee
    finally:
        proxy.shutdown()
        proxy.server_close()

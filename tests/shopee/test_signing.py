"""Signatures of the client's requests, its authorization links, and push signatures, checked
against values computed here from Shopee's documented formula:

    sign = hex(HMAC-SHA256(partner_key, partner_id + path + timestamp [+ access_token + shop_id]))
    push Authorization = hex(HMAC-SHA256(push_key, callback_url + "|" + raw_body))
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from shopee import signing
from shopee.client import ShopeeClient

PARTNER_ID = 2001887
PARTNER_KEY = "shpk-test-key-\u96fb\u5546"  # non-ASCII on purpose: the key is hashed as UTF-8
NOW = 1_717_171_717
SHOP_ID = "242826267"
TOKEN = "access-token-0123456789"


def expected_sign(path: str, timestamp: int, access_token: str = "", shop_id: str = "") -> str:
    message = f"{PARTNER_ID}{path}{timestamp}{access_token}{shop_id}".encode()
    return hmac.new(PARTNER_KEY.encode(), message, hashlib.sha256).hexdigest()


class Recorder(ThreadingHTTPServer):
    """A tiny stand-in server that records each request and answers a canned JSON body per path."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.requests: list[dict] = []
        self.answers: dict[str, dict] = {}


class RecordingHandler(BaseHTTPRequestHandler):
    server: Recorder

    def _answer(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        self.server.requests.append(
            {
                "method": self.command,
                "path": url.path,
                "query": {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
                "body": self.rfile.read(length) if length else b"",
                "content_type": self.headers.get("Content-Type"),
            }
        )
        body = self.server.answers.get(url.path, {"error": "", "message": "", "response": {}})
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def recorder():
    recorder = Recorder()
    threading.Thread(target=recorder.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield recorder
    recorder.shutdown()
    recorder.server_close()


@pytest.fixture
def server(recorder):
    recorder.requests.clear()
    recorder.answers.clear()
    return recorder


@pytest.fixture
def client(server):
    client = ShopeeClient(
        partner_id=PARTNER_ID,
        partner_key=PARTNER_KEY,
        base_url=f"http://127.0.0.1:{server.server_address[1]}",
        clock=lambda: NOW + 0.9,
    )
    yield client
    client.close()


def test_public_call_is_signed_over_partner_path_and_timestamp(client, server):
    path = "/api/v2/auth/token/get"
    server.answers[path] = {"access_token": "a1", "refresh_token": "r1", "expire_in": 14400, "error": ""}

    tokens = client.get_access_token(code="code-1", shop_id=SHOP_ID)

    (request,) = server.requests
    assert request["method"] == "POST" and request["path"] == path
    assert request["query"] == {
        "partner_id": str(PARTNER_ID),
        "timestamp": str(NOW),
        "sign": expected_sign(path, NOW),
    }
    assert request["content_type"] == "application/json"
    assert json.loads(request["body"]) == {
        "code": "code-1",
        "partner_id": PARTNER_ID,
        "shop_id": int(SHOP_ID),
    }
    assert (tokens.access_token, tokens.refresh_token, tokens.expire_in, tokens.shop_id) == (
        "a1",
        "r1",
        14400,
        SHOP_ID,
    )


def test_shop_get_call_signs_path_only_and_sends_lists_comma_joined(client, server):
    path = "/api/v2/order/get_order_detail"

    client.shop(SHOP_ID, TOKEN).get_order_details(["2406A", "2406B"], optional_fields=["item_list", "note"])

    (request,) = server.requests
    assert request["method"] == "GET" and request["path"] == path and request["body"] == b""
    assert request["query"] == {
        "partner_id": str(PARTNER_ID),
        "timestamp": str(NOW),
        "access_token": TOKEN,
        "shop_id": SHOP_ID,
        "sign": expected_sign(path, NOW, TOKEN, SHOP_ID),
        "order_sn_list": "2406A,2406B",
        "response_optional_fields": "item_list,note",
    }


def test_shop_post_call_keeps_common_params_in_query_and_arguments_in_json(client, server):
    path = "/api/v2/sellerchat/send_message"
    text = "您好 & 謝謝 😊 100% ?=#"

    client.shop(SHOP_ID, TOKEN).send_message(
        to_id="9007199254740993", content={"text": text}, order_sn="2406A"
    )

    (request,) = server.requests
    assert request["query"] == {
        "partner_id": str(PARTNER_ID),
        "timestamp": str(NOW),
        "access_token": TOKEN,
        "shop_id": SHOP_ID,
        "sign": expected_sign(path, NOW, TOKEN, SHOP_ID),
    }
    assert json.loads(request["body"]) == {
        "to_id": 9007199254740993,  # beyond 2**53, kept exact
        "message_type": "text",
        "content": {"text": text},
        "source_content": {"order_sn": "2406A"},
    }


def test_every_request_is_signed_with_the_current_time(server):
    client = ShopeeClient(PARTNER_ID, PARTNER_KEY, f"http://127.0.0.1:{server.server_address[1]}")

    before = int(time.time())
    client.shop(SHOP_ID, TOKEN).get_shop_info()
    after = int(time.time())

    query = server.requests[0]["query"]
    assert before <= int(query["timestamp"]) <= after
    assert query["sign"] == expected_sign(
        "/api/v2/shop/get_shop_info", int(query["timestamp"]), TOKEN, SHOP_ID
    )


REDIRECT = "https://tms.example.tw/shopee/回調?shop=我的測試賣場&next=%2Fa%20b%2Bc&x=1"


def test_legacy_authorization_link_is_signed_and_carries_redirect_and_state(client):
    link = client.authorization_url(REDIRECT, state="st/ä 1&2")

    url = urlsplit(link)
    assert (url.scheme, url.netloc, url.path) == (
        "http",
        urlsplit(client.base_url).netloc,
        "/api/v2/shop/auth_partner",
    )
    assert link.isascii()  # Chinese characters are percent-encoded
    query = parse_qs(url.query)
    assert query["partner_id"] == [str(PARTNER_ID)]
    assert query["timestamp"] == [str(NOW)]
    assert query["sign"] == [expected_sign("/api/v2/shop/auth_partner", NOW)]
    # The redirect comes back exactly, with the state appended to its own query.
    assert query["redirect"] == [REDIRECT + "&state=st%2F%C3%A4+1%262"]
    assert parse_qs(urlsplit(query["redirect"][0]).query) == {
        "shop": ["我的測試賣場"],
        "next": ["/a b+c"],
        "x": ["1"],
        "state": ["st/ä 1&2"],
    }


def test_open_authorization_link_names_redirect_uri_and_state_unsigned():
    client = ShopeeClient(
        PARTNER_ID,
        PARTNER_KEY,
        "http://127.0.0.1:9",
        auth_page_url="http://127.0.0.1:9/auth",
        auth_link_style="open",
    )

    link = client.authorization_url(REDIRECT, state="st/ä 1&2")

    url = urlsplit(link)
    assert url.path == "/auth" and link.isascii()
    assert parse_qs(url.query) == {
        "partner_id": [str(PARTNER_ID)],
        "auth_type": ["seller"],
        "redirect_uri": [REDIRECT],
        "response_type": ["code"],
        "state": ["st/ä 1&2"],
    }


CALLBACK = "https://tms.example.tw/shopee/push/"
PUSH_KEY = "push-key-separate-from-partner-key"
PUSH_BODY = json.dumps(
    {
        "data": {"ordersn": "2406A", "status": "READY_TO_SHIP"},
        "shop_id": 242826267,
        "code": 3,
        "timestamp": NOW,
    },
    ensure_ascii=False,
).encode()


def test_push_signature_follows_the_documented_formula():
    independent = hmac.new(
        PUSH_KEY.encode(), CALLBACK.encode() + b"|" + PUSH_BODY, hashlib.sha256
    ).hexdigest()

    assert signing.push_signature(PUSH_KEY, CALLBACK, PUSH_BODY) == independent


def test_signed_push_verifies_and_tampering_does_not():
    authorization = signing.push_signature(PUSH_KEY, CALLBACK, PUSH_BODY)

    assert signing.verify_push(PUSH_KEY, CALLBACK, PUSH_BODY, authorization)
    assert not signing.verify_push(
        PUSH_KEY, CALLBACK, PUSH_BODY.replace(b"READY_TO_SHIP", b"CANCELLED"), authorization
    )
    assert not signing.verify_push(PUSH_KEY, CALLBACK + "x", PUSH_BODY, authorization)
    assert not signing.verify_push(PARTNER_KEY, CALLBACK, PUSH_BODY, authorization)
    assert not signing.verify_push(PUSH_KEY, CALLBACK, PUSH_BODY, None)

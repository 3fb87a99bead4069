"""The Shopee sandbox over real HTTP: what it enforces, the seller's authorization pages, pushes,
faults, the state file and the demo seed. Calls are signed here with shopee.signing and sent with
requests, so these tests hold whatever the product's client does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from shopee import signing
from shopee.sandbox import Sandbox
from tests.utils import ROOT, wait_until

DAY = 86400
SHOP_ID = "242826267"
ORDER_LIST = "/api/v2/order/get_order_list"
ORDER_DETAIL = "/api/v2/order/get_order_detail"
SEND = "/api/v2/sellerchat/send_message"
GET_MESSAGE = "/api/v2/sellerchat/get_message"
CONVERSATIONS = "/api/v2/sellerchat/get_conversation_list"


def refused(response: requests.Response, status: int, error: str, message: str | None = None) -> dict:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) >= {"request_id", "error", "message", "response"}
    assert body["error"] == error
    if message is not None:
        assert body["message"] == message
    return body


def ok(response: requests.Response) -> dict:
    body = response.json()
    assert response.status_code == 200, body
    assert body["error"] == ""
    return body.get("response", body)


def text_message(to_id: str, text: str, order_sn: str | None = None) -> dict:
    body = {"to_id": int(to_id), "message_type": "text", "content": {"text": text}}
    if order_sn:
        body["source_content"] = {"order_sn": order_sn}
    return body


# -- signatures, timestamps, partner -----------------------------------------------------------


def test_public_call_with_a_wrong_signature_is_refused(caller):
    response = caller.call("GET", "/api/v2/public/get_shops_by_partner", sign="0" * 64)
    refused(response, 400, "error_sign", "Wrong sign.")


def test_signature_made_with_another_key_is_refused(sb, make_caller):
    stranger = make_caller(sb.url, partner_key="shpk-someone-elses-key")
    refused(stranger.call("GET", "/api/v2/public/get_shops_by_partner"), 400, "error_sign", "Wrong sign.")


def test_shop_call_signed_like_a_public_call_is_refused(caller, shop):
    timestamp = int(time.time())
    public_sign = signing.api_signature(caller.partner_key, caller.partner_id, ORDER_LIST, timestamp)
    response = caller.call(
        "GET",
        ORDER_LIST,
        shop_id=SHOP_ID,
        access_token=shop.access_token,
        timestamp=timestamp,
        sign=public_sign,
    )
    refused(response, 400, "error_sign", "Wrong sign.")


def test_stale_and_future_timestamps_are_refused(caller):
    for timestamp in (int(time.time()) - 301, int(time.time()) + 400):
        response = caller.call("GET", "/api/v2/public/get_shops_by_partner", timestamp=timestamp)
        refused(response, 400, "error_param", "Timestamp is expired.")
    ok(caller.call("GET", "/api/v2/public/get_shops_by_partner", timestamp=int(time.time()) - 200))


def test_unknown_partner_is_refused(sb, make_caller):
    response = make_caller(sb.url, partner_id=1234).call("GET", "/api/v2/public/get_shops_by_partner")
    refused(response, 400, "invalid_partner_id")


# -- authorization and tokens ------------------------------------------------------------------


def test_code_works_once(sb, caller):
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場")
    code = sb.authorize_code(SHOP_ID)
    tokens = ok(caller.get_token(SHOP_ID, code))
    assert tokens["expire_in"] == 14400
    assert tokens["access_token"] and tokens["refresh_token"]
    refused(caller.get_token(SHOP_ID, code), 403, "invalid_code")


def test_token_answers_are_flat(sb, caller):
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場")
    body = caller.get_token(SHOP_ID, sb.authorize_code(SHOP_ID)).json()
    assert "response" not in body
    assert {"access_token", "refresh_token", "expire_in", "request_id", "error", "message"} <= set(body)


def test_code_expires_after_ten_minutes(sb, caller):
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場")
    code = sb.authorize_code(SHOP_ID)
    sb.shift_clock(601)
    refused(caller.get_token(SHOP_ID, code), 403, "invalid_code")


def test_code_belongs_to_its_shop(sb, caller):
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場")
    sb.create_shop(shop_id="318990021", account="tmsbaby", password="pw", name="寶寶生活館")
    refused(caller.get_token("318990021", sb.authorize_code(SHOP_ID)), 403, "invalid_code")


def test_access_token_expires_after_four_hours_and_refresh_gives_a_working_one(sb, caller, shop):
    ok(shop.get("/api/v2/shop/get_shop_info"))
    sb.shift_clock(4 * 3600 + 1)
    refused(shop.get("/api/v2/shop/get_shop_info"), 403, "error_auth", "Invalid access_token.")
    fresh = ok(caller.refresh(SHOP_ID, shop.refresh_token))
    assert fresh["shop_id"] == int(SHOP_ID) and fresh["partner_id"] == caller.partner_id
    assert fresh["refresh_token"] != shop.refresh_token
    renewed = caller.with_tokens(SHOP_ID, fresh["access_token"], fresh["refresh_token"])
    info = ok(renewed.get("/api/v2/shop/get_shop_info"))
    assert info["shop_name"] == "我的測試賣場" and info["region"] == "TW"


def test_refresh_token_is_single_use_and_rotated(caller, shop):
    first = ok(caller.refresh(SHOP_ID, shop.refresh_token))
    refused(caller.refresh(SHOP_ID, shop.refresh_token), 403, "error_auth", "Invalid refresh_token.")
    second = ok(caller.refresh(SHOP_ID, first["refresh_token"]))
    assert len({shop.refresh_token, first["refresh_token"], second["refresh_token"]}) == 3
    # The access token of a consumed pair stops working (grace 0 by default).
    refused(shop.get("/api/v2/shop/get_shop_info"), 403, "error_auth")


def test_refresh_token_expires_after_thirty_days(sb, caller, shop):
    sb.shift_clock(30 * DAY + 1)
    refused(caller.refresh(SHOP_ID, shop.refresh_token), 403, "error_auth", "Invalid refresh_token.")


def test_get_shops_by_partner_reports_when_authorization_lapses(sb, caller, shop):
    body = caller.call("GET", "/api/v2/public/get_shops_by_partner", params={"page_size": 10, "page_no": 1})
    answer = ok(body)
    assert "response" not in body.json()
    [listed] = answer["authed_shop_list"]
    assert listed["shop_id"] == int(SHOP_ID) and listed["region"] == "TW"
    assert listed["expire_time"] - listed["auth_time"] == 365 * DAY
    assert answer["more"] is False


def test_authorization_length_is_configurable_and_lapses_on_the_sandbox_clock(sb, caller, shop):
    sb.configure(authorization_days=2)
    sb.create_shop(shop_id="318990021", account="tmsbaby", password="pw", name="寶寶生活館")
    baby = caller.shop_session("318990021", sb.authorize_code("318990021"))
    sb.shift_clock(2 * DAY + 60)
    shops = ok(caller.call("GET", "/api/v2/public/get_shops_by_partner"))["authed_shop_list"]
    assert [s["shop_id"] for s in shops] == [int(SHOP_ID)]
    refused(baby.get("/api/v2/shop/get_shop_info"), 403, "error_auth")
    refused(caller.refresh("318990021", baby.refresh_token), 403, "shop_access_expired")
    expiry = [p for p in sb.pushes() if p["code"] == 2]
    assert expiry[0]["body"]["data"]["authorize_type"] == "expiry"


def test_revoked_shop_loses_every_token_and_pushes_code_2(sb, caller, shop):
    sb.revoke(SHOP_ID)
    refused(shop.get("/api/v2/shop/get_shop_info"), 403, "error_auth", "Invalid access_token.")
    refused(caller.refresh(SHOP_ID, shop.refresh_token), 403, "error_auth", "Invalid refresh_token.")
    [push] = [p for p in sb.pushes() if p["code"] == 2]
    assert push["body"]["partner_id"] == caller.partner_id and "shop_id" not in push["body"]
    assert push["body"]["data"]["shop_id"] == int(SHOP_ID)
    assert push["body"]["data"]["authorize_type"] == "user cancel shop authorization"


def test_lapsed_token_error_can_be_shopees_misspelled_code(sb, shop):
    sb.configure(lapsed_token_error="invalid_acceess_token")
    sb.change_password(SHOP_ID, "new-password")
    refused(shop.get("/api/v2/shop/get_shop_info"), 403, "invalid_acceess_token")


def test_password_change_ends_the_authorization_until_the_seller_approves_again(sb, caller, shop):
    sb.change_password(SHOP_ID, "changed-1")
    refused(shop.get("/api/v2/shop/get_shop_info"), 403, "error_auth")
    again = caller.shop_session(SHOP_ID, sb.authorize_code(SHOP_ID))
    ok(again.get("/api/v2/shop/get_shop_info"))
    refused(shop.get("/api/v2/shop/get_shop_info"), 403, "error_auth")  # the old grant stays dead


def test_a_week_before_the_authorization_ends_push_12_then_push_2_at_the_end(sb, shop):
    sb.shift_clock(365 * DAY - 8 * DAY)
    assert [p["code"] for p in sb.pushes()] == []
    sb.shift_clock(2 * DAY)  # six days left
    [notice] = [p["body"] for p in sb.pushes()]
    assert notice["code"] == 12 and notice["data"]["shop_expire_soon"] == [int(SHOP_ID)]
    assert 6 * DAY - 60 <= notice["data"]["expire_before"] - sb.now() <= 6 * DAY
    sb.shift_clock(DAY)
    assert len(sb.pushes()) == 1  # one notice per authorization
    sb.shift_clock(5 * DAY + 60)
    # (The notice itself is gone by now: settled pushes are kept 3 days, like the lost list.)
    [ended] = [p["body"] for p in sb.pushes()]
    assert ended["code"] == 2 and ended["data"]["authorize_type"] == "expiry"


def test_a_shops_token_reaches_no_other_shop(sb, caller, shop):
    sb.create_shop(shop_id="318990021", account="tmsbaby", password="pw", name="寶寶生活館")
    baby = caller.shop_session("318990021", sb.authorize_code("318990021"))
    order = sb.create_order(shop_id="318990021")
    said = sb.buyer_says("318990021", "請問有貨嗎？")
    as_other_shop = caller.with_tokens("318990021", shop.access_token, shop.refresh_token)

    refused(as_other_shop.get("/api/v2/shop/get_shop_info"), 403, "error_auth")
    refused(shop.get(ORDER_DETAIL, order_sn_list=order["order_sn"]), 400, "error_not_found")
    refused(
        shop.get("/api/v2/sellerchat/get_message", conversation_id=said["conversation_id"]),
        400,
        "error_not_found",
    )
    ok(baby.get(ORDER_DETAIL, order_sn_list=order["order_sn"]))


def test_expire_soon_pushes_code_12_and_moves_expire_time(sb, caller, shop):
    sb.expire_soon(SHOP_ID, days=7)
    [push] = [p for p in sb.pushes() if p["code"] == 12]
    data = push["body"]["data"]
    assert data["shop_expire_soon"] == [int(SHOP_ID)] and data["page_no"] == 1 and data["total_page"] == 1
    [listed] = ok(caller.call("GET", "/api/v2/public/get_shops_by_partner"))["authed_shop_list"]
    assert listed["expire_time"] == data["expire_before"]
    assert abs(listed["expire_time"] - (sb.now() + 7 * DAY)) <= 2


# -- the seller's authorization pages ----------------------------------------------------------


def legacy_link(caller, redirect: str, timestamp: int | None = None) -> str:
    timestamp = timestamp or int(time.time())
    path = "/api/v2/shop/auth_partner"
    sign = signing.api_signature(caller.partner_key, caller.partner_id, path, timestamp)
    query = urlencode(
        {"partner_id": caller.partner_id, "timestamp": timestamp, "sign": sign, "redirect": redirect}
    )
    return f"{caller.base_url}{path}?{query}"


def session_of(page: requests.Response) -> str:
    marker = 'name="session" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


def sign_in(sb: Sandbox, page: requests.Response, password: str = "demo1234") -> requests.Response:
    form = {"session": session_of(page), "account": "ktmst", "password": password}
    return requests.post(f"{sb.url}/auth/login", data=form, allow_redirects=False)


def test_legacy_link_sign_in_phone_and_approve_redirect_with_a_working_code(sb, caller):
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="demo1234", name="我的測試賣場")
    page = requests.get(legacy_link(caller, "http://127.0.0.1:9/shopee/callback?state=abc"))
    assert page.status_code == 200 and 'id="account"' in page.text and 'id="password"' in page.text
    phone = sign_in(sb, page)
    assert "驗證連結已傳送至您的手機" in phone.text and 'id="phone-confirm"' in phone.text
    consent = requests.post(f"{sb.url}/auth/phone", data={"session": session_of(phone)})
    assert "TMS Chat" in consent.text and "我的測試賣場" in consent.text
    done = requests.post(
        f"{sb.url}/auth/decide",
        data={"session": session_of(consent), "decision": "approve"},
        allow_redirects=False,
    )
    assert done.status_code == 302
    location = urlsplit(done.headers["Location"])
    params = parse_qs(location.query)
    assert (
        location.path == "/shopee/callback" and params["state"] == ["abc"] and params["shop_id"] == [SHOP_ID]
    )
    ok(caller.get_token(SHOP_ID, params["code"][0]))


def test_wrong_password_is_refused_on_the_page(sb, caller):
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="demo1234", name="我的測試賣場")
    page = requests.get(legacy_link(caller, "http://127.0.0.1:9/cb"))
    refusal = sign_in(sb, page, password="wrong")
    assert refusal.status_code == 401
    assert "帳號或密碼錯誤" in refusal.text and 'id="error"' in refusal.text
    assert "phone-confirm" not in refusal.text
    assert "phone-confirm" in sign_in(sb, refusal).text  # the same session may try again


def test_deny_redirects_with_access_denied_and_no_code(sb, caller):
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="demo1234", name="我的測試賣場")
    query = {
        "partner_id": caller.partner_id,
        "auth_type": "seller",
        "redirect_uri": "http://127.0.0.1:9/cb",
        "response_type": "code",
        "state": "s-1",
    }
    page = requests.get(f"{sb.url}/auth", params=query)
    consent = requests.post(f"{sb.url}/auth/phone", data={"session": session_of(sign_in(sb, page))})
    done = requests.post(
        f"{sb.url}/auth/decide",
        data={"session": session_of(consent), "decision": "deny"},
        allow_redirects=False,
    )
    params = parse_qs(urlsplit(done.headers["Location"]).query)
    assert params == {"error": ["access_denied"], "state": ["s-1"]}
    assert sb.shops()[0]["authorized"] is False


def test_open_form_approval_carries_state(sb, caller):
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="demo1234", name="我的測試賣場")
    query = {"partner_id": caller.partner_id, "auth_type": "seller", "redirect_uri": "http://127.0.0.1:9/cb"}
    page = requests.get(f"{sb.url}/auth", params=query | {"response_type": "code", "state": "xyz"})
    consent = requests.post(f"{sb.url}/auth/phone", data={"session": session_of(sign_in(sb, page))})
    done = requests.post(
        f"{sb.url}/auth/decide",
        data={"session": session_of(consent), "decision": "approve"},
        allow_redirects=False,
    )
    params = parse_qs(urlsplit(done.headers["Location"]).query)
    assert params["state"] == ["xyz"] and params["shop_id"] == [SHOP_ID] and params["code"]


def test_legacy_link_with_bad_signature_or_old_timestamp_is_refused(sb, caller):
    bad = legacy_link(caller, "http://127.0.0.1:9/cb").replace("sign=", "sign=00")
    assert requests.get(bad).status_code == 400
    stale = requests.get(legacy_link(caller, "http://127.0.0.1:9/cb", timestamp=int(time.time()) - 301))
    assert stale.status_code == 400 and "Timestamp is expired." in stale.text


# -- orders ------------------------------------------------------------------------------------


def test_order_list_refuses_windows_over_15_days_and_bad_page_sizes(shop):
    now = int(time.time())
    params = {"time_range_field": "create_time", "time_from": now - 16 * DAY, "time_to": now, "page_size": 50}
    refused(shop.get(ORDER_LIST, **params), 400, "order.order_list_invalid_time")
    ok(shop.get(ORDER_LIST, **params | {"time_from": now - 15 * DAY}))
    for size in (0, 101):
        refused(
            shop.get(ORDER_LIST, **params | {"time_from": now - DAY, "page_size": size}), 400, "error_param"
        )


def test_order_list_cursor_pages_through_every_order_once(sb, shop):
    now = sb.now()
    created = {sb.create_order(shop_id=SHOP_ID, create_time=now - i * 600)["order_sn"] for i in range(230)}
    seen, cursor, pages = [], "", 0
    while True:
        page = ok(
            shop.get(
                ORDER_LIST,
                time_range_field="create_time",
                time_from=now - 10 * DAY,
                time_to=now + 60,
                page_size=100,
                cursor=cursor,
            )
        )
        seen += [o["order_sn"] for o in page["order_list"]]
        pages += 1
        if not page["more"]:
            assert page["next_cursor"] == ""
            break
        cursor = page["next_cursor"]
    assert pages == 3 and len(seen) == len(set(seen)) == 230 and set(seen) == created


def test_order_list_filters_by_status_and_update_time(sb, shop):
    now = sb.now()
    unpaid = sb.create_order(shop_id=SHOP_ID, status="UNPAID", create_time=now - 20 * DAY)
    sb.create_order(shop_id=SHOP_ID, status="READY_TO_SHIP", create_time=now - 20 * DAY)
    sb.set_order_status(unpaid["order_sn"], "READY_TO_SHIP")
    window = {"time_from": now - DAY, "time_to": now + 60, "page_size": 10}
    by_update = ok(shop.get(ORDER_LIST, time_range_field="update_time", **window))["order_list"]
    assert [o["order_sn"] for o in by_update] == [unpaid["order_sn"]]
    assert ok(shop.get(ORDER_LIST, time_range_field="create_time", **window))["order_list"] == []
    listed = ok(
        shop.get(
            ORDER_LIST,
            time_range_field="update_time",
            order_status="UNPAID",
            response_optional_fields="order_status",
            **window,
        )
    )
    assert listed["order_list"] == []


def test_order_detail_limits_unknown_orders_and_optional_fields(sb, shop):
    order = sb.create_order(
        shop_id=SHOP_ID,
        carrier="新竹物流",
        buyer_name="chen_yating",
        items=[{"item_name": "北歐風陶瓷馬克杯", "quantity": 2, "price": 289}],
        shipping_fee=100,
    )
    refused(shop.get(ORDER_DETAIL, order_sn_list=",".join([order["order_sn"]] * 51)), 400, "error_param")
    refused(shop.get(ORDER_DETAIL, order_sn_list="200101NOTREAL"), 400, "error_not_found")
    [bare] = ok(shop.get(ORDER_DETAIL, order_sn_list=order["order_sn"]))["order_list"]
    assert bare["order_status"] == "READY_TO_SHIP" and bare["currency"] == "TWD"
    assert "total_amount" not in bare and "item_list" not in bare and "buyer_username" not in bare
    fields = "total_amount,item_list,buyer_username,buyer_user_id,shipping_carrier,package_list"
    [full] = ok(shop.get(ORDER_DETAIL, order_sn_list=order["order_sn"], response_optional_fields=fields))[
        "order_list"
    ]
    assert full["total_amount"] == 678.0 and full["buyer_username"] == "chen_yating"
    assert full["buyer_user_id"] == int(order["buyer_id"])
    assert full["item_list"][0]["item_name"] == "北歐風陶瓷馬克杯"
    assert full["item_list"][0]["model_quantity_purchased"] == 2
    assert full["shipping_carrier"] == "新竹物流" and full["package_list"][0]["logistics_channel_id"] == 30016


def test_taiwan_masking(sb, shop):
    store = sb.create_order(shop_id=SHOP_ID, carrier="7-ELEVEN", buyer_name="store_buyer")
    seller = sb.create_order(shop_id=SHOP_ID, carrier="賣家宅配", buyer_name="home_buyer")
    fields = "buyer_username,buyer_user_id,recipient_address"
    details = ok(
        shop.get(
            ORDER_DETAIL,
            order_sn_list=f"{store['order_sn']},{seller['order_sn']}",
            response_optional_fields=fields,
        )
    )["order_list"]
    by_sn = {d["order_sn"]: d for d in details}
    store_detail, seller_detail = by_sn[store["order_sn"]], by_sn[seller["order_sn"]]
    assert set(store_detail["recipient_address"].values()) == {"****"}
    assert store_detail["buyer_username"] == "store_buyer"
    assert seller_detail["buyer_username"] == "****" and seller_detail["buyer_user_id"] == 0
    assert seller_detail["recipient_address"]["city"] == "台北市"


def test_status_and_tracking_changes_push_codes_3_and_4(sb, shop):
    order = sb.create_order(shop_id=SHOP_ID, carrier="全家", status="READY_TO_SHIP")
    sb.set_order_status(order["order_sn"], "SHIPPED")
    sb.set_tracking_number(order["order_sn"], "12345678901")
    pushes = [p["body"] for p in sb.pushes()]
    assert [(p["code"], p["data"].get("status")) for p in pushes] == [
        (3, "READY_TO_SHIP"),
        (3, "SHIPPED"),
        (4, None),
    ]
    assert pushes[1]["shop_id"] == int(SHOP_ID) and pushes[1]["data"]["ordersn"] == order["order_sn"]
    assert pushes[2]["data"]["tracking_no"] == "12345678901"


# -- logistics ---------------------------------------------------------------------------------


def test_ship_order_assigns_tracking_then_refuses_a_second_time(sb, shop):
    order = sb.create_order(shop_id=SHOP_ID, carrier="7-ELEVEN")
    params = ok(shop.get("/api/v2/logistics/get_shipping_parameter", order_sn=order["order_sn"]))
    assert "dropoff" in params["info_needed"]
    assert (
        ok(shop.get("/api/v2/logistics/get_tracking_number", order_sn=order["order_sn"]))["tracking_number"]
        == ""
    )
    ok(shop.post("/api/v2/logistics/ship_order", {"order_sn": order["order_sn"], "dropoff": {}}))
    tracking = ok(shop.get("/api/v2/logistics/get_tracking_number", order_sn=order["order_sn"]))[
        "tracking_number"
    ]
    assert tracking.startswith("F") and len(tracking) == 12
    again = shop.post("/api/v2/logistics/ship_order", {"order_sn": order["order_sn"], "dropoff": {}})
    refused(again, 400, "logistics.error_param", "The order status is not ready to ship.")
    assert [p["code"] for p in sb.pushes()][-2:] == [3, 4]


def test_home_delivery_ships_by_pickup(sb, shop):
    order = sb.create_order(shop_id=SHOP_ID, carrier="黑貓宅急便")
    params = ok(shop.get("/api/v2/logistics/get_shipping_parameter", order_sn=order["order_sn"]))
    address = params["pickup"]["address_list"][0]
    body = {"order_sn": order["order_sn"], "dropoff": {}}
    refused(shop.post("/api/v2/logistics/ship_order", body), 400, "logistics.error_param")
    pickup = {
        "address_id": address["address_id"],
        "pickup_time_id": address["time_slot_list"][0]["pickup_time_id"],
    }
    ok(shop.post("/api/v2/logistics/ship_order", {"order_sn": order["order_sn"], "pickup": pickup}))


def test_arranging_a_store_order_gives_it_a_new_number_that_the_label_prints(sb, shop):
    order = sb.create_order(shop_id=SHOP_ID, carrier="全家", tracking_number="auto")
    sn, before = order["order_sn"], order["tracking_number"]
    assert ok(shop.get("/api/v2/logistics/get_tracking_number", order_sn=sn))["tracking_number"] == before

    ok(shop.post("/api/v2/logistics/ship_order", {"order_sn": sn, "dropoff": {}}))

    after = ok(shop.get("/api/v2/logistics/get_tracking_number", order_sn=sn))["tracking_number"]
    assert after and after != before
    assert [p["body"]["data"]["tracking_no"] for p in sb.pushes() if p["body"]["code"] == 4][-1] == after
    assert documents(shop, "create_shipping_document", sn)[0]["fail_error"] == ""
    sb.shift_clock(3)
    documents(shop, "get_shipping_document_result", sn)
    assert documents(shop, "get_shipping_document_result", sn)[0]["status"] == "READY"
    entry = {"order_list": [{"order_sn": sn}], "shipping_document_type": "NORMAL_AIR_WAYBILL"}
    label = shop.post("/api/v2/logistics/download_shipping_document", entry).content.decode()
    assert after in label and before not in label


def test_a_store_number_can_be_kept_on_shipping_by_setting(sb, shop):
    sb.configure(store_number_changes_on_ship=False)
    order = sb.create_order(shop_id=SHOP_ID, carrier="7-ELEVEN", tracking_number="auto")
    ok(shop.post("/api/v2/logistics/ship_order", {"order_sn": order["order_sn"], "dropoff": {}}))
    answer = ok(shop.get("/api/v2/logistics/get_tracking_number", order_sn=order["order_sn"]))
    assert answer["tracking_number"] == order["tracking_number"]


def test_a_failed_pickup_is_arranged_again_by_update_shipping_order(sb, shop):
    order = sb.create_order(shop_id=SHOP_ID, carrier="新竹物流", status="RETRY_SHIP", tracking_number="auto")
    sn = order["order_sn"]
    refused(
        shop.post("/api/v2/logistics/ship_order", {"order_sn": sn, "pickup": {}}),
        400,
        "logistics.error_param",
        "The order status is not ready to ship.",
    )
    address = ok(shop.get("/api/v2/logistics/get_shipping_parameter", order_sn=sn))["pickup"]["address_list"][
        0
    ]
    pickup = {
        "address_id": address["address_id"],
        "pickup_time_id": address["time_slot_list"][0]["pickup_time_id"],
    }
    refused(
        shop.post("/api/v2/logistics/update_shipping_order", {"order_sn": sn, "pickup": {}}),
        400,
        "logistics.error_param",
    )
    assert sb.state()["orders"][sn]["status"] == "RETRY_SHIP"

    ok(shop.post("/api/v2/logistics/update_shipping_order", {"order_sn": sn, "pickup": pickup}))

    assert sb.state()["orders"][sn]["status"] == "PROCESSED"
    assert (
        ok(shop.get("/api/v2/logistics/get_tracking_number", order_sn=sn))["tracking_number"]
        == order["tracking_number"]
    )
    assert documents(shop, "create_shipping_document", sn)[0]["fail_error"] == ""


@pytest.mark.parametrize("carrier", ["7-ELEVEN", "賣家宅配"])
def test_a_re_ship_without_a_pickup_cannot_be_arranged_through_the_api(sb, shop, carrier):
    order = sb.create_order(shop_id=SHOP_ID, carrier=carrier, status="RETRY_SHIP", tracking_number="auto")
    body = {"order_sn": order["order_sn"], "pickup": {"address_id": 200001, "pickup_time_id": "1"}}
    refused(
        shop.post("/api/v2/logistics/update_shipping_order", body),
        400,
        "logistics.error_param",
        f"{carrier} has no pickup to update.",
    )
    assert sb.state()["orders"][order["order_sn"]]["status"] == "RETRY_SHIP"


def test_channel_list_has_taiwan_carriers(shop):
    channels = ok(shop.get("/api/v2/logistics/get_channel_list"))["logistics_channel_list"]
    names = {c["logistics_channel_id"]: c["logistics_channel_name"] for c in channels}
    assert {
        30005: "7-ELEVEN",
        30006: "全家",
        30007: "萊爾富",
        30014: "OK Mart",
        30029: "蝦皮店到店",
    }.items() <= (names.items())
    assert names[30001] == "黑貓宅急便" and {"新竹物流", "賣家宅配"} <= set(names.values())


def documents(shop, action: str, order_sn: str) -> list[dict]:
    entry = {"order_sn": order_sn, "shipping_document_type": "NORMAL_AIR_WAYBILL"}
    return ok(shop.post(f"/api/v2/logistics/{action}", {"order_list": [entry]}))["result_list"]


@pytest.mark.parametrize(
    ("carrier", "content_type", "start"),
    [("新竹物流", "application/pdf", b"%PDF-"), ("全家", "text/html", b"<!DOCTYPE")],
)
def test_shipping_document_is_processing_then_ready_then_downloads(sb, shop, carrier, content_type, start):
    order = sb.create_order(shop_id=SHOP_ID, carrier=carrier, status="PROCESSED", tracking_number="auto")
    sn = order["order_sn"]
    assert documents(shop, "get_shipping_document_parameter", sn)[0]["fail_error"] == ""
    assert documents(shop, "create_shipping_document", sn)[0]["fail_error"] == ""
    entry = {"order_list": [{"order_sn": sn}], "shipping_document_type": "NORMAL_AIR_WAYBILL"}
    refused(shop.post("/api/v2/logistics/download_shipping_document", entry), 400, "logistics.error_param")
    assert documents(shop, "get_shipping_document_result", sn)[0]["status"] == "PROCESSING"
    assert documents(shop, "get_shipping_document_result", sn)[0]["status"] == "PROCESSING"  # takes a moment
    sb.shift_clock(2)
    assert documents(shop, "get_shipping_document_result", sn)[0]["status"] == "READY"
    download = shop.post("/api/v2/logistics/download_shipping_document", entry)
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith(content_type) and download.content.startswith(start)
    assert (sn.encode() in download.content) and download.content.rstrip().endswith(
        b"%%EOF" if start == b"%PDF-" else b"</html>"
    )


def test_tcat_and_unshipped_orders_cannot_print(sb, shop):
    tcat = sb.create_order(shop_id=SHOP_ID, carrier="黑貓宅急便", status="PROCESSED", tracking_number="auto")
    waiting = sb.create_order(shop_id=SHOP_ID, carrier="7-ELEVEN", status="READY_TO_SHIP")
    [result] = documents(shop, "create_shipping_document", tcat["order_sn"])
    assert result["fail_message"] == "The package can not print now"
    [result] = documents(shop, "create_shipping_document", waiting["order_sn"])
    assert result["fail_message"] == "Order status does not support awb printing"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("CANCELLED", "The order status is not ready to ship."),
        ("IN_CANCEL", "The order status is not ready to ship."),
        ("UNPAID", "The order status is not ready to ship."),
        ("SHIPPED", "Order has been shipped."),
        ("COMPLETED", "Order has been shipped."),
    ],
)
def test_shipping_parameter_and_ship_order_refuse_orders_not_ready_to_ship(sb, shop, status, message):
    order = sb.create_order(shop_id=SHOP_ID, carrier="全家", status=status)
    sn = order["order_sn"]
    refused(
        shop.get("/api/v2/logistics/get_shipping_parameter", order_sn=sn),
        400,
        "logistics.error_param",
        message,
    )
    refused(
        shop.post("/api/v2/logistics/ship_order", {"order_sn": sn, "dropoff": {}}),
        400,
        "logistics.error_param",
        message,
    )
    assert sb.state()["orders"][sn]["status"] == status


def test_a_cancelled_orders_shipping_document_fails(sb, shop):
    order = sb.create_order(shop_id=SHOP_ID, carrier="7-ELEVEN", status="PROCESSED", tracking_number="auto")
    sn = order["order_sn"]
    assert documents(shop, "create_shipping_document", sn)[0]["fail_error"] == ""
    sb.set_order_status(sn, "CANCELLED")
    sb.shift_clock(5)
    [result] = documents(shop, "get_shipping_document_result", sn)
    assert (
        result["status"] == "FAILED"
        and result["fail_message"] == "Order status does not support awb printing"
    )
    entry = {"order_list": [{"order_sn": sn}], "shipping_document_type": "NORMAL_AIR_WAYBILL"}
    refused(
        shop.post("/api/v2/logistics/download_shipping_document", entry),
        400,
        "logistics.invalid_order_status",
    )


def test_order_items_carry_their_skus(sb, shop):
    items = [
        {"item_name": "米餅", "item_sku": "RICE-50", "model_sku": "RICE-50-O", "quantity": 2, "price": 89}
    ]
    order = sb.create_order(shop_id=SHOP_ID, items=items)
    detail = ok(
        shop.get(
            "/api/v2/order/get_order_detail",
            order_sn_list=order["order_sn"],
            response_optional_fields="item_list",
        )
    )
    [item] = detail["order_list"][0]["item_list"]
    assert (item["item_sku"], item["model_sku"], item["model_quantity_purchased"]) == (
        "RICE-50",
        "RICE-50-O",
        2,
    )


def test_shipment_list_pages_orders_waiting_to_ship(sb, shop):
    waiting = {sb.create_order(shop_id=SHOP_ID)["order_sn"] for _ in range(5)}
    sb.create_order(shop_id=SHOP_ID, status="SHIPPED")
    first = ok(shop.get("/api/v2/order/get_shipment_list", page_size=3))
    second = ok(shop.get("/api/v2/order/get_shipment_list", page_size=3, cursor=first["next_cursor"]))
    assert first["more"] and not second["more"]
    assert {o["order_sn"] for o in first["order_list"] + second["order_list"]} == waiting


# -- chat --------------------------------------------------------------------------------------


def chatting_buyer(sb: Sandbox) -> tuple[str, str]:
    """A buyer with an order who just wrote to the shop: (buyer_id, order_sn)."""
    order = sb.create_order(shop_id=SHOP_ID, buyer_name="mei_ling")
    sb.buyer_says(SHOP_ID, "請問什麼時候出貨？", buyer_id=order["buyer_id"])
    return order["buyer_id"], order["order_sn"]


def test_text_limit_counts_characters_not_bytes(sb, shop):
    buyer, _ = chatting_buyer(sb)
    ok(shop.post(SEND, text_message(buyer, "😊" * 600)))  # 2400 bytes, 600 characters
    refused(shop.post(SEND, text_message(buyer, "a" * 601)), 400, "message_too_long")


def test_five_consecutive_messages_until_the_buyer_answers(sb, shop):
    buyer, _ = chatting_buyer(sb)
    for n in range(5):
        ok(shop.post(SEND, text_message(buyer, f"第 {n + 1} 則")))
    refused(shop.post(SEND, text_message(buyer, "第 6 則")), 400, "reach_5_message_limit")
    sb.buyer_says(SHOP_ID, "好的 👍", buyer_id=buyer)
    ok(shop.post(SEND, text_message(buyer, "謝謝您！")))


def test_seller_centre_messages_count_toward_the_five(sb, shop):
    buyer, _ = chatting_buyer(sb)
    for _ in range(3):
        sb.seller_centre_says(SHOP_ID, buyer, "從賣家中心回覆")
    ok(shop.post(SEND, text_message(buyer, "4")))
    ok(shop.post(SEND, text_message(buyer, "5")))
    refused(shop.post(SEND, text_message(buyer, "6")), 400, "reach_5_message_limit")


def test_first_message_needs_an_order_of_that_buyer(sb, shop):
    order = sb.create_order(shop_id=SHOP_ID, buyer_name="new_buyer")
    other = sb.create_order(shop_id=SHOP_ID, buyer_name="someone_else")
    buyer = order["buyer_id"]
    refused(shop.post(SEND, text_message(buyer, "您好")), 400, "first_chat_without_order_info")
    refused(
        shop.post(SEND, text_message(buyer, "您好", other["order_sn"])), 400, "first_chat_without_order_info"
    )
    sent = ok(shop.post(SEND, text_message(buyer, "您的訂單已出貨", order["order_sn"])))
    assert isinstance(sent["conversation_id"], str) and int(sent["conversation_id"]) > 2**53
    ok(shop.post(SEND, text_message(buyer, "第二則不需要訂單")))


def test_buyer_reachable_only_within_chat_and_order_windows(sb, shop):
    buyer, order_sn = chatting_buyer(sb)
    sb.shift_clock(8 * DAY)  # chatted 8 days ago, ordered 8 days ago: still reachable by the order
    shop = shop.renewed()
    ok(shop.post(SEND, text_message(buyer, "還在嗎？")))
    sb.shift_clock(23 * DAY)  # order and chat now 31 days old
    shop = shop.renewed()
    refused(shop.post(SEND, text_message(buyer, "哈囉")), 400, "user_is_forbidden")
    sb.buyer_says(SHOP_ID, "我回來了", buyer_id=buyer)
    ok(shop.post(SEND, text_message(buyer, "歡迎回來")))


def test_taiwan_send_restriction(sb, shop):
    buyer, _ = chatting_buyer(sb)
    sb.set_faults(tw_send_restriction=True)
    refused(shop.post(SEND, text_message(buyer, "您好")), 400, "region_not_supported")
    assert sb.deliveries() == []


def test_chat_rules_can_be_switched_off(sb, shop):
    order = sb.create_order(shop_id=SHOP_ID)
    sb.configure(rule_first_chat_order=False, rule_5_messages=False)
    for _ in range(7):
        ok(shop.post(SEND, text_message(order["buyer_id"], "通知")))


def test_sent_messages_show_in_get_message_and_deliveries_seller_centre_only_in_get_message(sb, shop):
    buyer, _ = chatting_buyer(sb)
    sent = ok(shop.post(SEND, text_message(buyer, "今天下午出貨 🚚")))
    sb.seller_centre_says(SHOP_ID, buyer, "（賣家中心）已幫您備註")
    page = ok(shop.get(GET_MESSAGE, conversation_id=sent["conversation_id"], page_size=10))
    texts = [m["content"]["text"] for m in page["messages"]]
    assert texts == ["（賣家中心）已幫您備註", "今天下午出貨 🚚", "請問什麼時候出貨？"]
    api_message = page["messages"][1]
    assert api_message["message_id"] == sent["message_id"] and api_message["from_shop_id"] == int(SHOP_ID)
    assert len(str(api_message["created_timestamp"])) == 10  # seconds
    [delivery] = sb.deliveries(shop_id=SHOP_ID, buyer_id=buyer)
    assert delivery["message_id"] == sent["message_id"] and delivery["content"] == {"text": "今天下午出貨 🚚"}
    assert sb.deliveries(buyer_id="1") == []


def test_get_message_pages_newest_first_until_all(sb, shop):
    buyer, _ = chatting_buyer(sb)
    for n in range(11):
        sb.buyer_says(SHOP_ID, f"訊息 {n}", buyer_id=buyer)
    conversation_id = ok(shop.get(CONVERSATIONS, direction="older", type="all"))["conversations"][0][
        "conversation_id"
    ]
    texts, offset, pages = [], None, 0
    while True:
        params = {"conversation_id": conversation_id, "page_size": 5} | ({"offset": offset} if offset else {})
        page = ok(shop.get(GET_MESSAGE, **params))
        texts += [m["content"]["text"] for m in page["messages"]]
        pages += 1
        offset = page["page_result"]["next_offset"]
        if not offset:
            break
    assert pages == 3 and texts == [f"訊息 {n}" for n in range(10, -1, -1)] + ["請問什麼時候出貨？"]
    refused(shop.get(GET_MESSAGE, conversation_id=conversation_id, offset="0"), 400, "error_param")


def test_conversation_list_cursor_page_size_and_nanoseconds(sb, shop):
    for n in range(7):
        sb.buyer_says(SHOP_ID, f"買家 {n} 的問題 😊", buyer_name=f"buyer_{n}")
    refused(shop.get(CONVERSATIONS, direction="older", type="all", page_size=26), 400, "error_param")
    first = ok(shop.get(CONVERSATIONS, direction="older", type="all", page_size=4))
    cursor = first["page_result"]["next_cursor"]["next_message_time_nano"]
    second = ok(
        shop.get(CONVERSATIONS, direction="older", type="all", page_size=4, next_timestamp_nano=cursor)
    )
    assert first["page_result"]["more"] is True and second["page_result"]["more"] is False
    names = [c["latest_message_content"]["text"] for c in first["conversations"] + second["conversations"]]
    assert names == [f"買家 {n} 的問題 😊" for n in range(6, -1, -1)]
    newest = first["conversations"][0]
    assert len(str(newest["last_message_timestamp"])) == 19 and isinstance(cursor, str)
    assert isinstance(newest["conversation_id"], str) and newest["unread_count"] == 1
    forward = ok(shop.get(CONVERSATIONS, direction="latest", type="all", page_size=25))
    assert [c["latest_message_content"]["text"] for c in forward["conversations"]] == names[::-1]


def test_read_conversation_and_unread_count(sb, shop):
    buyer, _ = chatting_buyer(sb)
    sb.buyer_says(SHOP_ID, "還有一個問題", buyer_id=buyer)
    sb.buyer_says(SHOP_ID, "可以嗎？", buyer_name="another_buyer")
    assert ok(shop.get("/api/v2/sellerchat/get_unread_conversation_count"))["total_unread_count"] == 2
    unread = ok(shop.get(CONVERSATIONS, direction="older", type="unread"))["conversations"]
    mine = next(c for c in unread if str(c["to_id"]) == buyer)
    assert mine["unread_count"] == 2
    body = {
        "conversation_id": int(mine["conversation_id"]),
        "last_read_message_id": mine["latest_message_id"],
    }
    ok(shop.post("/api/v2/sellerchat/read_conversation", body))
    assert ok(shop.get("/api/v2/sellerchat/get_unread_conversation_count"))["total_unread_count"] == 1
    one = ok(shop.get("/api/v2/sellerchat/get_one_conversation", conversation_id=mine["conversation_id"]))
    assert one["unread_count"] == 0 and one["last_read_message_id"] == mine["latest_message_id"]


# -- pushes ------------------------------------------------------------------------------------


def test_buyer_message_push_is_signed_over_url_and_raw_body(sb, caller, receiver):
    sb.configure(callback_url=receiver.url)
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場", region="SG")
    message = sb.buyer_says(SHOP_ID, "請問有現貨嗎？🙏", buyer_name="yating")
    [push] = wait_until(lambda: receiver.received, timeout=5, message="the push")
    push_key, signature = sb.configure()["push_key"], push.headers["Authorization"]
    assert signing.verify_push(push_key, receiver.url, push.body, signature)
    assert not signing.verify_push(push_key, receiver.url, push.body + b" ", signature)
    assert not signing.verify_push(caller.partner_key, receiver.url, push.body, signature)
    body = json.loads(push.body)
    assert body["code"] == 10 and body["shop_id"] == int(SHOP_ID)
    content = body["data"]["content"]
    assert (
        content["content"] == {"text": "請問有現貨嗎？🙏"} and content["message_id"] == message["message_id"]
    )
    assert content["conversation_id"] == message["conversation_id"] and content["to_shop_id"] == int(SHOP_ID)
    wait_until(lambda: sb.pushes()[0]["state"] == "delivered", timeout=5, message="delivered")
    assert ok(caller.call("GET", "/api/v2/push/get_lost_push_message"))["push_message_list"] == []


def test_failed_push_is_retried_kept_as_lost_and_confirmed(sb, caller, receiver):
    receiver.statuses = [500]
    sb.configure(callback_url=receiver.url)
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場", region="SG")
    sb.buyer_says(SHOP_ID, "哈囉", buyer_name="a")
    wait_until(lambda: len(receiver.received) == 2, timeout=5, message="the retry")
    assert receiver.received[0].body == receiver.received[1].body
    wait_until(lambda: sb.pushes()[0]["state"] == "delivered", timeout=5, message="delivered on retry")
    lost = ok(caller.call("GET", "/api/v2/push/get_lost_push_message"))
    [item] = lost["push_message_list"]
    assert item["code"] == 10 and item["shop_id"] == int(SHOP_ID) and not lost["has_next_page"]
    assert json.loads(item["data"])["content"]["content"] == {"text": "哈囉"}
    ok(
        caller.call(
            "POST",
            "/api/v2/push/confirm_consumed_lost_push_message",
            body={"last_message_id": lost["last_message_id"]},
        )
    )
    assert ok(caller.call("GET", "/api/v2/push/get_lost_push_message"))["push_message_list"] == []


def test_push_gives_up_after_the_retries(sb, receiver):
    receiver.statuses = [500, 503, 502]
    sb.configure(callback_url=receiver.url)
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場")
    sb.create_order(shop_id=SHOP_ID)
    wait_until(lambda: sb.pushes()[0]["state"] == "failed", timeout=5, message="failed")
    assert len(receiver.received) == 3 and sb.pushes()[0]["lost"] is True


def test_buyer_message_pushes_retry_on_their_own_quicker_schedule(sb, receiver):
    sb.configure(callback_url=receiver.url, push_retry_delays=[60], webchat_push_retry_delays=[0.1])
    receiver.statuses = [500, 500]
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場", region="SG")
    sb.create_order(shop_id=SHOP_ID)
    sb.buyer_says(SHOP_ID, "在嗎？", buyer_name="a")
    wait_until(lambda: len(receiver.received) == 3, timeout=5, message="the webchat retry")
    codes = [json.loads(r.body)["code"] for r in receiver.received]
    assert codes == [3, 10, 10]
    assert {p["code"]: p["state"] for p in sb.pushes()} == {3: "pending", 10: "delivered"}


def test_without_callback_url_pushes_go_to_the_lost_list_in_pages_of_100(sb, caller):
    sb.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場", region="SG")
    for n in range(101):
        sb.buyer_says(SHOP_ID, f"訊息 {n}", buyer_name="same_buyer")
    first = ok(caller.call("GET", "/api/v2/push/get_lost_push_message"))
    assert len(first["push_message_list"]) == 100 and first["has_next_page"] is True
    body = {"last_message_id": first["last_message_id"]}
    ok(caller.call("POST", "/api/v2/push/confirm_consumed_lost_push_message", body=body))
    second = ok(caller.call("GET", "/api/v2/push/get_lost_push_message"))
    assert len(second["push_message_list"]) == 1 and second["has_next_page"] is False


# -- faults and limits -------------------------------------------------------------------------


def test_error_share_answers_error_server(sb, shop):
    sb.set_faults(error_share=1.0, paths=["/get_shop_info"])
    refused(shop.get("/api/v2/shop/get_shop_info"), 500, "error_server")
    ok(shop.get("/api/v2/logistics/get_channel_list"))
    sb.set_faults(clear=True)
    ok(shop.get("/api/v2/shop/get_shop_info"))


def test_outage_answers_503_until_it_ends(sb, shop):
    sb.set_faults(outage_seconds=0.5)
    refused(shop.get("/api/v2/shop/get_shop_info"), 503, "error_server")
    time.sleep(0.6)
    ok(shop.get("/api/v2/shop/get_shop_info"))


def test_timeout_share_makes_the_caller_time_out(sb, shop):
    sb.set_faults(timeout_share=1.0, timeout_seconds=1.0)
    with pytest.raises(requests.Timeout):
        shop.caller.call(
            "GET", "/api/v2/shop/get_shop_info", shop_id=SHOP_ID, access_token=shop.access_token, timeout=0.3
        )


def test_rate_limit_answers_429_with_retry_after(sb, shop):
    sb.set_faults(shop_calls_per_second=2)
    answers = [shop.get("/api/v2/shop/get_shop_info") for _ in range(4)]
    assert [a.status_code for a in answers[:2]] == [200, 200]
    refused(answers[-1], 429, "error_rate_limit")
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_partner_rate_limit_covers_every_shop(sb, caller, shop):
    sb.set_faults(partner_calls_per_second=1)
    ok(shop.get("/api/v2/shop/get_shop_info"))
    refused(caller.call("GET", "/api/v2/public/get_shops_by_partner"), 429, "error_rate_limit")


def test_daily_quota_answers_error_limit(sb, shop):
    sb.set_faults(daily_quota_exceeded=True)
    response = shop.get("/api/v2/shop/get_shop_info")
    refused(response, 429, "error_limit")
    assert 1 <= int(response.headers["Retry-After"]) <= DAY


def test_accept_then_hang_delivers_although_the_caller_times_out(sb, shop):
    buyer, _ = chatting_buyer(sb)
    sb.set_faults(hang_seconds=1.0, hang_count=1)
    with pytest.raises(requests.Timeout):
        shop.post(SEND, text_message(buyer, "出貨通知"), timeout=0.3)
    assert [d["content"]["text"] for d in sb.deliveries(buyer_id=buyer)] == ["出貨通知"]
    ok(shop.post(SEND, text_message(buyer, "第二則不會卡住"), timeout=2))


def test_latency_is_added(sb, shop):
    sb.set_faults(latency_ms=300)
    started = time.monotonic()
    ok(shop.get("/api/v2/shop/get_shop_info"))
    assert time.monotonic() - started >= 0.3


# -- control API over HTTP ---------------------------------------------------------------------


def test_control_api_over_http(sb, caller):
    control = f"{sb.url}/_sandbox"
    shop = requests.post(
        f"{control}/shops",
        json={"account": "ktmst", "password": "pw", "name": "我的測試賣場", "region": "SG"},
    )
    shop_id = shop.json()["shop_id"]
    code = requests.post(f"{control}/shops/{shop_id}/authorize").json()["code"]
    ok(caller.get_token(shop_id, code))
    order = requests.post(
        f"{control}/orders", json={"shop_id": shop_id, "carrier": "蝦皮店到店", "tracking_number": "auto"}
    ).json()
    assert order["tracking_number"].startswith("TW") and order["carrier"] == "蝦皮店到店"
    status = requests.post(f"{control}/orders/{order['order_sn']}/status", json={"status": "SHIPPED"})
    assert status.json()["status"] == "SHIPPED"
    said = requests.post(
        f"{control}/messages/buyer",
        json={"shop_id": shop_id, "buyer_id": order["buyer_id"], "text": "收到了❤️"},
    ).json()
    assert said["buyer_id"] == order["buyer_id"]
    before = requests.get(f"{control}/clock").json()["now"]
    after = requests.post(f"{control}/clock", json={"shift_seconds": 3600}).json()["now"]
    assert 3599 <= after - before <= 3601
    assert requests.get(f"{control}/shops/{shop_id}/nothing").status_code == 404
    assert requests.post(f"{control}/orders/NOPE/status", json={"status": "SHIPPED"}).status_code == 404
    assert (
        requests.post(f"{control}/orders/{order['order_sn']}/status", json={"status": "X"}).status_code == 400
    )
    calls = requests.get(f"{control}/calls").json()
    assert calls["calls"] == [{"path": "/api/v2/auth/token/get", "shop_id": "", "count": 1}]
    assert len(requests.get(f"{control}/pushes").json()["pushes"]) == 3
    requests.post(f"{control}/reset", json={})
    assert requests.get(f"{control}/state").json()["shops"] == {}


def test_calls_are_counted_per_path_and_shop(sb, shop):
    sb.reset_calls()
    for _ in range(3):
        shop.get("/api/v2/shop/get_shop_info")
    assert sb.calls() == [{"path": "/api/v2/shop/get_shop_info", "shop_id": SHOP_ID, "count": 3}]


def test_unknown_api_path_is_refused_in_the_envelope(caller):
    refused(caller.call("GET", "/api/v2/shop/no_such_call"), 404, "error_not_found")


# -- state file, demo, command line ------------------------------------------------------------


def test_state_file_survives_a_restart(tmp_path, make_sandbox, make_caller):
    state_file = tmp_path / "sandbox.json"
    first = make_sandbox(state_file=state_file, save_delay_seconds=0.05)
    first.create_shop(shop_id=SHOP_ID, account="ktmst", password="pw", name="我的測試賣場")
    shop = make_caller(first.url).shop_session(SHOP_ID, first.authorize_code(SHOP_ID))
    order = first.create_order(shop_id=SHOP_ID, carrier="萊爾富")
    wait_until(state_file.exists, timeout=3, message="a debounced save")
    first.stop()
    second = make_sandbox(state_file=state_file)
    again = make_caller(second.url).with_tokens(SHOP_ID, shop.access_token, shop.refresh_token)
    fields = {"order_sn_list": order["order_sn"], "response_optional_fields": "shipping_carrier"}
    [detail] = ok(again.get(ORDER_DETAIL, **fields))["order_list"]
    assert detail["shipping_carrier"] == "萊爾富"
    ok(again.caller.refresh(SHOP_ID, shop.refresh_token))


def test_demo_seed_has_shops_orders_and_chats(make_sandbox):
    sandbox = make_sandbox(demo=True)
    state = sandbox.state()
    shops = {s["shop_id"]: (s["account"], s["name"], s["authorized"]) for s in sandbox.shops()}
    assert shops == {
        "242826267": ("ktmst", "我的測試賣場", False),
        "318990021": ("tmsbaby", "寶寶生活館", False),
        "405512873": ("tmsgadget", "3C小舖", False),
    }
    orders = list(state["orders"].values())
    assert 250 <= len(orders) <= 500
    now = sandbox.now()
    assert all(now - 30 * DAY <= o["create_time"] <= now for o in orders)
    statuses = Counter(o["status"] for o in orders)
    assert {"UNPAID", "READY_TO_SHIP", "PROCESSED", "SHIPPED", "COMPLETED", "CANCELLED"} <= set(statuses)
    channels = Counter(o["channel_id"] for o in orders)
    assert set(channels) == {30005, 30006, 30007, 30014, 30029, 30001, 30016, 30099}
    store_waiting = [
        o for o in orders if o["status"] == "READY_TO_SHIP" and o["channel_id"] in (30005, 30006)
    ]
    assert {bool(o["tracking_number"]) for o in store_waiting} == {True, False}
    assert len(state["conversations"]) >= 36
    messages = state["messages"].values()
    texts = [m["content"].get("text", "") for m in messages]
    assert (
        any("出貨" in t for t in texts) and any("尺寸" in t for t in texts) and any("😊" in t for t in texts)
    )
    assert any(m["origin"] == "seller_centre" for m in messages)
    assert all(m["created_ns"] <= now * 10**9 + 10**9 for m in messages)
    assert sandbox.pushes() == []
    assert set(make_sandbox(demo=True).state()["orders"]) == set(state["orders"])  # deterministic


def test_command_line_serves_the_demo(tmp_path):
    env = dict(os.environ, SHOPEE_PARTNER_ID="2001999", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "shopee.sandbox",
            "--port",
            "0",
            "--demo",
            "--state-file",
            str(tmp_path / "s.json"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        assert requests.get(f"{url}/_sandbox/config").json()["partner_id"] == 2001999
        assert len(requests.get(f"{url}/_sandbox/shops").json()["shops"]) == 3
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    assert process.returncode == 0 and (tmp_path / "s.json").exists()


def test_a_malformed_entry_fails_alone_when_creating_shipping_documents(shop):
    body = ok(
        shop.post("/api/v2/logistics/create_shipping_document", {"order_list": ["x", {"order_sn": "nope"}]})
    )
    failures = [entry["fail_error"] for entry in body["result_list"]]
    assert failures == ["logistics.error_param", "error_not_found"]

"""HTTP for the Seller Centre face: the main site's login and verification calls (/api/v4/…),
Seller Centre's login (/api/v2/login/), its chat page and web-chat API (/webchat/…), and the
seller's "phone" (/phone, /verify/link). The same faults as the Open Platform apply (outage,
latency, error and timeout shares, accept-then-hang on send, rate limits), plus the `sc_*` ones.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
import math
import re
from collections.abc import Mapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

from shopee.sandbox import sellercentre as sc
from shopee.sandbox.api import SERVER_ERROR, Answer, _fault
from shopee.sandbox.core import ApiError, Core

log = logging.getLogger(__name__)

MAIN_CALLS = {
    "/api/v4/account/login_by_password": "login",
    "/api/v4/anti_fraud/ivs/methods": "methods",
    "/api/v4/anti_fraud/ivs/link/verify": "link_verify",
    "/api/v4/anti_fraud/ivs/link/get_status": "link_status",
    "/api/v4/anti_fraud/ivs/token/verify": "token_verify",
    "/api/v4/account/basic/login_ivs": "login_ivs",
}
SELLER_LOGIN = "/api/v2/login"
CHAT_PAGE = "/webchat/conversations"
CHAT_LOGIN = "/webchat/api/coreapi/v1.2/mini/login"
CONVERSATIONS = "/webchat/api/v1.2/mini/conversations"
MESSAGES = re.compile(r"^/webchat/api/v1\.2/mini/conversations/(?P<cid>\d+)/messages$")
SEND = "/webchat/api/v1.2/messages"
IMAGES = "/webchat/api/coreapi/v1.2/images"
READ = re.compile(r"^/webchat/api/v1\.2/conversations/(?P<cid>\d+)/read$")
UNREAD_COUNT = "/webchat/api/v1.2/conversation/unread-count"
# The cheap signal: the mini chat pane's path and the older full page's [2+ paths, 1 each].
USER_SYNC = ("/webchat/api/v1.2/mini/user/sync", "/webchat/api/v1.2/user/sync")
SIGN_HEADER = "x-sap-sec"


def handles(path: str) -> bool:
    return (
        path in MAIN_CALLS
        or path == SELLER_LOGIN
        or path.startswith("/webchat/")
        or path in ("/verify/link", "/phone")
    )


def answer(
    core: Core, method: str, path: str, query: dict[str, str], raw: bytes, headers: Mapping[str, str]
) -> Answer:
    if path in ("/verify/link", "/phone"):
        with core.lock:
            answer = _phone(core, method, path, query, raw)
            core.changed()
        return answer
    with core.lock:
        if not path.startswith("/webchat/"):  # web-chat calls are counted per shop, below
            core.calls[(_counted_path(path), "")] += 1
        faults = core.faults
    if faults.applies_to(path):
        core.sleep(faults.latency_ms / 1000)
    fault = _fault(core, path)
    if fault:
        return fault
    cookies = _cookies(headers.get("Cookie", ""))
    try:
        # An upload's multipart body is read by its own call (_webchat).
        body = json.loads(raw) if raw.strip() and path != IMAGES else {}
    except ValueError:
        return _json(400, {"error": "error_param", "message": "The request body is not valid JSON."})
    if not isinstance(body, dict):
        return _json(400, {"error": "error_param", "message": "The request body must be a JSON object."})
    try:
        with core.lock:
            if core.faults.sc_interface_changed and path != CHAT_PAGE:
                return _changed()
            if path in MAIN_CALLS:
                return _main(core, method, path, body, cookies, headers)
            if path == SELLER_LOGIN:
                return _seller_login(core, method, cookies)
            if path == CHAT_PAGE:
                return _chat_page(core, method, cookies)
            return _webchat(core, method, path, query, body, cookies, headers, raw)
    except ApiError as exc:
        if path == IMAGES:  # the upload's refusals carry `error_code` (research notes §1.2)
            return _json(exc.http_status, {"error_code": "param_error", "message": exc.message})
        return _json(exc.http_status, {"error": exc.code, "message": exc.message})
    except Exception:
        log.exception("sandbox bug answering %s %s", method, path)
        return _json(500, {"error": "error_server", "message": SERVER_ERROR})


def _counted_path(path: str) -> str:
    for pattern, template in (
        (MESSAGES, "/webchat/api/v1.2/mini/conversations/{id}/messages"),
        (READ, "/webchat/api/v1.2/conversations/{id}/read"),
    ):
        if pattern.match(path):
            return template
    return path


def _cookies(header: str) -> dict[str, str]:
    parsed: SimpleCookie = SimpleCookie()
    try:
        parsed.load(header)
    except Exception:
        return {}
    return {name: morsel.value for name, morsel in parsed.items()}


def _json(
    status: int, data: Any, cookies: list[str] | None = None, headers: dict[str, str] | None = None
) -> Answer:
    return Answer(
        status,
        json.dumps(data, ensure_ascii=False).encode("utf-8"),
        cookies=cookies or [],
        headers=headers or {},
    )


# -- main site: login and verification -------------------------------------------------------------


def _main(core, method, path, body, cookies, headers) -> Answer:
    if method != "POST":
        return _json(405, {"error": "error_param", "message": f"{path} takes POST."})
    csrf = cookies.get("csrftoken", "")
    if not csrf or not hmac.compare_digest(csrf, headers.get("x-csrftoken", "") or ""):
        return _json(403, {"error": "csrf_failed", "message": "CSRF verification failed."})
    step = MAIN_CALLS[path]
    if step in ("login", "login_ivs"):
        result, session = (sc.login_by_password if step == "login" else sc.login_ivs)(core, body)
        cookies_out = sc.session_cookies(core, session, seller=False) if session else []
        return _json(200, result, cookies_out)
    handler = {
        "methods": sc.ivs_methods,
        "link_verify": sc.ivs_link_verify,
        "link_status": sc.ivs_link_status,
        "token_verify": sc.ivs_token_verify,
    }[step]
    return _json(200, handler(core, body))


def _seller_login(core, method, cookies) -> Answer:
    if method != "GET":
        return _json(405, {"errcode": 1, "message": "GET only"})
    session = sc.session_by_cookie(core, cookies)
    if session is None:
        return _json(403, {"errcode": 2, "message": "not logged in"})
    return _json(200, sc.seller_login_info(core, session), sc.session_cookies(core, session, seller=True))


# -- web chat --------------------------------------------------------------------------------------


def _unauthorized() -> Answer:
    return _json(401, {"error": "user_is_unauthorized", "message": "Please log in again."})


def _anti_bot() -> Answer:
    return _json(403, {"is_login": False, "action_type": 2, "error": sc.ANTI_BOT, "tracking_id": "sandbox"})


def _signed(core: Core, session: sc.ScSession, path: str, headers: Mapping[str, str]) -> bool:
    if not core.config.sc_signed:
        return True
    given = headers.get(SIGN_HEADER, "") or ""
    return hmac.compare_digest(given, sc.sign_value(session.sign_key, path))


def _webchat(core, method, path, query, body, cookies, headers, raw=b"") -> Answer:  # noqa: C901
    session = sc.session_by_cookie(core, cookies)
    core.calls[(_counted_path(path), session.shop_id if session else "")] += 1
    if path == CHAT_LOGIN:
        if method != "POST":
            return _json(405, {"error": "error_param"})
        if session is None or not hmac.compare_digest(query.get("csrf_token", ""), session.csrf):
            return _unauthorized()
        if not _signed(core, session, path, headers):
            return _anti_bot()
        return _json(200, sc.chat_login(core, session))
    token = (headers.get("Authorization", "") or "").removeprefix("Bearer ").strip()
    by_token = sc.session_by_chat_token(core, token)
    if session is None or by_token is None or by_token.token != session.token:
        return _unauthorized()
    if not _signed(core, session, path, headers):
        return _anti_bot()
    config = core.config
    wait = core.limiter.wait_needed(
        config.partner_calls_per_second, config.shop_calls_per_second, session.shop_id
    )
    if wait:
        return _json(
            429,
            {"error": "error_rate_limit", "message": "Too many requests."},
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    shop = core.world.shops[session.shop_id]
    if path in USER_SYNC and method == "POST":
        return _json(200, sc.user_sync(core, shop, session))
    if path == CONVERSATIONS and method == "POST":
        return _json(200, sc.web_conversations(core, shop, body))
    if (match := MESSAGES.match(path)) and method == "GET":
        return _json(200, sc.web_messages(core, shop, match["cid"], query))
    if path == SEND and method == "POST":
        latest_before = sc.shop_latest_ns(core, shop.shop_id)
        message = sc.web_send(core, shop, body)
        sc.session_sent(core, session, message, latest_before)
        delay = 0.0
        faults = core.faults
        if faults.hang_seconds > 0 and faults.hang_count != 0:
            delay = faults.hang_seconds  # accept-then-hang: stored, answered too late
            if faults.hang_count is not None:
                faults.hang_count -= 1
        core.changed()
        shown = sc.web_message(core, message)
        keys = (
            "id",
            "request_id",
            "to_id",
            "type",
            "content",
            "conversation_id",
            "created_timestamp",
            "created_at",
        )
        result = {key: shown[key] for key in keys} | {
            "from_id": shown["from_id"],
            "source_content": shown["source_content"],
            "message_option": 0,
        }
        out = _json(200, result)
        out.delay = delay
        return out
    if path == IMAGES and method == "POST":
        upload = sc.web_upload(core, shop, raw, headers.get("Content-Type", "") or "")
        core.changed()
        return _json(200, upload)
    if (match := READ.match(path)) and method == "PUT":
        sc.web_read(core, shop, match["cid"], body)
        core.changed()
        return _json(200, {})
    if path == UNREAD_COUNT and method == "GET":
        count = sum(
            1 for c in core.world.conversations.values() if c.shop_id == shop.shop_id and c.unread_count > 0
        )
        return _json(200, {"total_unread_count": count, "shop_id": int(shop.shop_id)})
    return _json(404, {"error": "not_found", "message": f"No web-chat call {method} {path}."})


def _changed() -> Answer:
    """The interface-changed fault: every login and web-chat call answers in an envelope the
    client does not know, and does nothing."""
    return _json(200, {"code": 0, "msg": "success", "data": {"version": "v3", "items": []}})


# -- pages -----------------------------------------------------------------------------------------

SIGN_SCRIPT = """<script>
(function () {
  // Stands in for Seller Centre's anti-fraud script: every web-chat call made by this page
  // gets a header computed from a per-session key; the API refuses calls without it.
  const key = %s;
  const plainFetch = window.fetch.bind(window);
  function sign(path) {
    let value = 0x811c9dc5;
    for (const byte of new TextEncoder().encode(key + "|" + path)) {
      value = Math.imul(value ^ byte, 0x01000193) >>> 0;
    }
    return value.toString(16).padStart(8, "0");
  }
  window.fetch = async function (input, init) {
    init = Object.assign({}, init || {});
    const url = new URL(typeof input === "string" ? input : input.url, location.href);
    if (url.pathname.startsWith("/webchat/api/")) {
      const headers = new Headers(init.headers || {});
      headers.set("%s", sign(url.pathname));
      init.headers = headers;
    }
    return plainFetch(input, init);
  };
  window.__chatPageReady = true;
})();
</script>"""


def _chat_page(core, method, cookies) -> Answer:
    if method != "GET":
        return _json(405, {"error": "error_param"})
    session = sc.session_by_cookie(core, cookies)
    if session is None:
        body = '<h1>蝦皮賣家中心</h1><p id="chat-login-needed">請先登入賣家中心。</p>'
        return _html("蝦皮賣家中心 聊聊", body, 401)
    shop = core.world.shops[session.shop_id]
    script = SIGN_SCRIPT % (json.dumps(session.sign_key), SIGN_HEADER)
    body = f'<h1>聊聊</h1><p id="chat-shop">{html.escape(shop.name)}</p>{script}'
    return _html("蝦皮賣家中心 聊聊", body, 200)


def _phone(core: Core, method: str, path: str, query: dict[str, str], raw: bytes) -> Answer:
    """The seller's phone: /phone lists the links "sent by SMS"; /verify/link is the link itself."""
    if path == "/phone" and method == "GET":
        shop_id = query.get("shop_id") or None
        items = "".join(
            f'<li class="sms"><span class="sms-account">{html.escape(link["account"])}</span> '
            f"【蝦皮購物】您的登入驗證連結："
            f'<a class="sms-link" href="{html.escape(link["path"])}">{html.escape(link["path"])}</a> '
            f'<span class="sms-status">{link["status"]}</span></li>'
            for link in sc.links(core, shop_id)
        )
        body = f'<h1>手機簡訊</h1><ul id="sms-list">{items or "<li>沒有簡訊</li>"}</ul>'
        return _html("手機簡訊", body, 200)
    if path == "/verify/link" and method == "GET":
        token = query.get("short_token", "")
        status = sc.links_status(core, token)
        if status != "pending":
            return _link_result(status)
        body = f"""<h1>蝦皮購物 登入驗證</h1>
<p id="link-question">有人正在新裝置登入您的蝦皮賣家帳號。是您本人嗎？</p>
<form method="post" action="/verify/link">
  <input type="hidden" name="short_token" value="{html.escape(token)}">
  <button id="approve-link" type="submit">是，我要登入</button>
</form>"""
        return _html("登入驗證", body, 200)
    if path == "/verify/link" and method == "POST":
        form = dict(parse_qsl(raw.decode("utf-8", "replace")))
        return _link_result(sc.link_tap(core, form.get("short_token", "")))
    return _json(405, {"error": f"{path} does not take {method}"})


def _link_result(status: str) -> Answer:
    if status == "done":
        body = '<h1>驗證成功</h1><p id="link-done">驗證完成，請回到電腦上繼續登入。</p>'
        return _html("驗證成功", body, 200)
    words = "此驗證連結已失效，請重新登入以取得新的連結。" if status == "expired" else "驗證連結無效。"
    body = f'<h1>無法驗證</h1><p id="link-error">{words}</p>'
    return _html("無法驗證", body, 410 if status == "expired" else 404)


def _html(title: str, body: str, status: int = 200) -> Answer:
    page = f"""<!DOCTYPE html>
<html lang="zh-Hant"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{html.escape(title)}</title></head>
<body><header>Shopee 蝦皮（沙盒）</header><main>{body}</main></body></html>"""
    return Answer(status, page.encode("utf-8"), "text/html; charset=utf-8")

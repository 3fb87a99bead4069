"""The control API under /_sandbox/: JSON in and out, no signature. Each route calls the
`Sandbox` method of the same name, so tests in Python and over HTTP drive the same code."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shopee.sandbox.api import Answer
from shopee.sandbox.demo import DEMO_PASSWORD
from shopee.sandbox.demo import SHOPS as DEMO_SHOPS
from shopee.sandbox.limits import TAIPEI

if TYPE_CHECKING:
    from shopee.sandbox.sandbox import Sandbox

Route = Callable[["Sandbox", dict[str, Any], dict[str, str], re.Match[str]], Any]

ROUTES: list[tuple[str, re.Pattern[str], Route]] = []


def route(method: str, pattern: str):
    def register(handler: Route) -> Route:
        ROUTES.append((method, re.compile(f"^/_sandbox{pattern}$"), handler))
        return handler

    return register


@route("POST", "/reset")
def _reset(sb, body, query, match):
    sb.reset(demo=bool(body.get("demo", False)))
    return {"ok": True}


@route("GET", "/config")
def _config(sb, body, query, match):
    return sb.configure()


@route("POST", "/config")
def _configure(sb, body, query, match):
    return sb.configure(**body)


@route("GET", "/faults")
def _faults(sb, body, query, match):
    return sb.set_faults()


@route("POST", "/faults")
def _set_faults(sb, body, query, match):
    return sb.set_faults(**body)


@route("GET", "/shops")
def _shops(sb, body, query, match):
    return {"shops": sb.shops()}


@route("POST", "/shops")
def _create_shop(sb, body, query, match):
    return sb.create_shop(**body)


@route("POST", r"/shops/(?P<shop_id>\d+)/authorize")
def _authorize(sb, body, query, match):
    return {"code": sb.authorize_code(match["shop_id"]), "shop_id": match["shop_id"]}


@route("POST", r"/shops/(?P<shop_id>\d+)/revoke")
def _revoke(sb, body, query, match):
    sb.revoke(match["shop_id"])
    return {"ok": True}


@route("POST", r"/shops/(?P<shop_id>\d+)/password")
def _change_password(sb, body, query, match):
    sb.change_password(match["shop_id"], body.get("password", ""))
    return {"ok": True}


@route("POST", r"/shops/(?P<shop_id>\d+)/expire_soon")
def _expire_soon(sb, body, query, match):
    sb.expire_soon(match["shop_id"], body.get("days", 7))
    return {"ok": True}


@route("POST", "/orders")
def _create_order(sb, body, query, match):
    return sb.create_order(**body)


@route("POST", r"/orders/(?P<order_sn>\w+)/items")
def _set_order_items(sb, body, query, match):
    return sb.set_order_items(match["order_sn"], body.get("items"))


@route("POST", r"/orders/(?P<order_sn>\w+)/status")
def _set_order_status(sb, body, query, match):
    return sb.set_order_status(match["order_sn"], body.get("status", ""))


@route("POST", r"/orders/(?P<order_sn>\w+)/tracking_number")
def _set_tracking_number(sb, body, query, match):
    return sb.set_tracking_number(match["order_sn"], body.get("tracking_number"))


@route("POST", "/messages/buyer")
def _buyer_says(sb, body, query, match):
    return sb.buyer_says(**body)


@route("POST", "/messages/seller_centre")
def _seller_centre_says(sb, body, query, match):
    return sb.seller_centre_says(body.get("shop_id"), body.get("buyer_id"), body.get("text", ""))


@route("POST", "/messages/shopee")
def _shopee_says(sb, body, query, match):
    return sb.shopee_says(**body)


@route("GET", "/uploads")
def _uploads(sb, body, query, match):
    return {"uploads": sb.uploads(query.get("shop_id") or None)}


@route("GET", "/clock")
def _clock(sb, body, query, match):
    return {"now": sb.now()}


@route("POST", "/clock")
def _shift_clock(sb, body, query, match):
    return {"now": sb.shift_clock(body.get("shift_seconds", 0))}


@route("GET", "/deliveries")
def _deliveries(sb, body, query, match):
    return {"deliveries": sb.deliveries(shop_id=query.get("shop_id"), buyer_id=query.get("buyer_id"))}


@route("GET", "/calls")
def _calls(sb, body, query, match):
    calls = sb.calls()
    return {"calls": calls, "total": sum(call["count"] for call in calls)}


@route("POST", "/calls/reset")
def _reset_calls(sb, body, query, match):
    sb.reset_calls()
    return {"ok": True}


@route("GET", "/pushes")
def _pushes(sb, body, query, match):
    return {"pushes": sb.pushes()}


@route("GET", "/sellercentre/links")
def _sc_links(sb, body, query, match):
    return {"links": sb.sc_links(query.get("shop_id") or None)}


@route("POST", r"/shops/(?P<shop_id>\d+)/sellercentre/tap_link")
def _sc_tap_link(sb, body, query, match):
    return sb.sc_tap_link(match["shop_id"])


@route("POST", r"/shops/(?P<shop_id>\d+)/sellercentre/revoke")
def _sc_revoke(sb, body, query, match):
    return {"ended": sb.sc_revoke(match["shop_id"])}


@route("GET", "/sellercentre/signals")
def _sc_signals(sb, body, query, match):
    return {"signals": sb.sc_signals(query.get("shop_id") or None)}


@route("GET", "/sellercentre/sessions")
def _sc_sessions(sb, body, query, match):
    return {"sessions": sb.sc_sessions(query.get("shop_id") or None)}


@route("GET", "/state")
def _state(sb, body, query, match):
    return sb.state()


def control_answer(sb: Sandbox, method: str, path: str, query: dict[str, str], raw: bytes) -> Answer:
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return _json(400, {"error": "the body is not JSON"})
    if not isinstance(body, dict):
        return _json(400, {"error": "the body must be a JSON object"})
    matched_path = False
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if not match:
            continue
        matched_path = True
        if route_method != method:
            continue
        try:
            return _json(200, handler(sb, body, query, match))
        except LookupError as exc:
            return _json(404, {"error": str(exc).strip("'\"")})
        except (TypeError, ValueError, OverflowError) as exc:  # bad input: nothing was changed
            return _json(400, {"error": str(exc)})
    if matched_path:
        return _json(405, {"error": f"{path} does not take {method}"})
    return _json(404, {"error": f"no control route {path}; see shopee/sandbox/README.md"})


def _json(status: int, data: Any) -> Answer:
    return Answer(status, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def overview_page(sb: Sandbox) -> Answer:
    """GET / and /_sandbox/: what a person opening the sandbox in a browser wants to know."""
    shops = sb.shops()
    rows = "".join(
        "<tr><td>{shop_id}</td><td>{account}</td><td>{name}</td><td>{until}</td></tr>".format(
            shop_id=html.escape(shop["shop_id"]),
            account=html.escape(shop["account"]),
            name=html.escape(shop["name"]),
            until=_taipei(shop["expire_time"]) if shop["authorized"] else "未授權",
        )
        for shop in shops
    )
    demo_accounts = {demo.account for demo in DEMO_SHOPS}
    demo_note = (
        f"<p>示範商店的密碼：<code>{DEMO_PASSWORD}</code>。</p>"
        if any(shop["account"] in demo_accounts for shop in shops)
        else ""
    )
    config = sb.configure()
    pushes = Counter(push["state"] for push in sb.pushes())
    routes = "".join(
        f"<li><code>{method} {html.escape(_readable(pattern))}</code></li>" for method, pattern, _ in ROUTES
    )
    page = f"""<!DOCTYPE html>
<html lang="zh-Hant"><head><meta charset="utf-8"><title>Shopee 沙盒</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}td,th{{padding:4px 12px;text-align:left}}
th{{background:#f3f3f3}}</style></head><body>
<h1>Shopee 開放平台沙盒</h1>
<p>API：<code>/api/v2/…</code>（合作夥伴編號 {config["partner_id"]}）。推播網址：
<code>{html.escape(config["callback_url"] or "未設定（推播只進 lost push 清單）")}</code>；
推播待送 {pushes["pending"]}、已送達 {pushes["delivered"]}、失敗 {pushes["failed"]}。</p>
<h2>商店</h2>
<table><tr><th>商店編號</th><th>帳號</th><th>名稱</th><th>授權期限</th></tr>{rows}</table>
{demo_note}
<p>賣家中心登入（聊聊登入認證）的驗證連結：<a href="/phone">手機簡訊 /phone</a>。</p>
<p>各商店的聊聊對話（圖片、貼圖、商品與訂單卡片）：<a href="/_sandbox/chat">/_sandbox/chat</a>。</p>
<h2>控制 API（JSON）</h2><ul>{routes}</ul>
<p>說明：shopee/sandbox/README.md</p>
</body></html>"""
    return Answer(200, page.encode("utf-8"), "text/html; charset=utf-8")


def _readable(pattern: re.Pattern[str]) -> str:
    """^/_sandbox/shops/(?P<shop_id>\\d+)/revoke$ -> /_sandbox/shops/<shop_id>/revoke"""
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern.pattern[1:-1])


def _taipei(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, TAIPEI).strftime("%Y-%m-%d %H:%M")

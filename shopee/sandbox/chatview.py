"""The sandbox's own view of its chats, for people: /_sandbox/chat lists the conversations,
/_sandbox/chat/<conversation_id> shows one as Shopee stores it, every message type included
(pictures from /file/, cards and Shopee's own messages in words, anything else as its JSON)."""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shopee.sandbox.api import Answer
from shopee.sandbox.chat import NS
from shopee.sandbox.limits import TAIPEI
from shopee.sandbox.state import Message

if TYPE_CHECKING:
    from shopee.sandbox.sandbox import Sandbox

SENDERS = {"buyer": "買家", "api": "賣家（開放平台）", "webchat": "賣家（賣家中心聊聊）"}
SENDERS |= {"seller_centre": "賣家（在賣家中心輸入）", "shopee": "蝦皮"}


def page(sb: Sandbox, path: str, query: dict[str, str]) -> Answer:
    core = sb.core
    conversation_id = path.removeprefix("/_sandbox/chat").strip("/")
    with core.lock:
        if not conversation_id:
            return _page("聊聊", _conversation_list(sb, query.get("shop_id") or None))
        conversation = core.world.conversations.get(conversation_id)
        if conversation is None:
            return _page("聊聊", "<p>沒有這個對話。</p>", 404)
        messages = [core.world.messages[mid] for mid in conversation.message_ids]
        buyer = core.world.buyers[str(conversation.buyer_id)]
        shop = core.world.shops[conversation.shop_id]
        rows = "".join(_message_row(m) for m in messages)
    title = f"{buyer.username} ↔ {shop.name}"
    body = f'<p><a href="/_sandbox/chat?shop_id={html.escape(shop.shop_id)}">← 對話列表</a></p>'
    body += f'<table id="messages"><tr><th>時間</th><th>誰</th><th>類型</th><th>內容</th></tr>{rows}</table>'
    return _page(title, body)


def _conversation_list(sb: Sandbox, shop_id: str | None) -> str:
    world = sb.core.world
    chosen = [
        c for c in world.conversations.values() if c.message_ids and (shop_id is None or c.shop_id == shop_id)
    ]
    chosen.sort(key=lambda c: world.messages[c.message_ids[-1]].created_ns, reverse=True)
    rows = "".join(
        f'<tr><td><a href="/_sandbox/chat/{c.conversation_id}">{html.escape(world.buyers[str(c.buyer_id)].username)}</a></td>'
        f"<td>{html.escape(world.shops[c.shop_id].name)}</td>"
        f"<td>{html.escape(world.messages[c.message_ids[-1]].message_type)}</td>"
        f"<td>{_time(world.messages[c.message_ids[-1]].created_ns)}</td></tr>"
        for c in chosen
    )
    return f"<table><tr><th>買家</th><th>商店</th><th>最新訊息類型</th><th>時間</th></tr>{rows}</table>"


def _message_row(message: Message) -> str:
    who = SENDERS.get(message.origin, message.origin)
    if message.status != "normal":
        who += f"（{html.escape(message.status)}）"
    return (
        f'<tr class="msg type-{html.escape(message.message_type)}" id="m{message.message_id}">'
        f"<td>{_time(message.created_ns)}</td><td>{who}</td><td>{html.escape(message.message_type)}</td>"
        f"<td>{_content(message.message_type, message.content)}</td></tr>"
    )


def _content(message_type: str, content: dict[str, Any]) -> str:
    if message_type == "text":
        return html.escape(str(content.get("text") or ""))
    if message_type == "image" and str(content.get("url") or "").startswith("http"):
        thumb = html.escape(str(content.get("thumb_url") or content["url"]))
        return f'<a href="{html.escape(content["url"])}"><img src="{thumb}" alt="圖片" height="80"></a>'
    if message_type == "sticker":
        return f"[貼圖] {html.escape(str(content.get('sticker_package_id')))}/{html.escape(str(content.get('sticker_id')))}"
    if message_type in ("item", "product"):
        name = content.get("product_name") or content.get("name") or ""
        number = content.get("item_id") or content.get("product_id")
        return f"[商品] {html.escape(str(name))} #{html.escape(str(number))}"
    if message_type == "order":
        return f"[訂單] {html.escape(str(content.get('order_sn')))}"
    return f"<code>{html.escape(json.dumps(content, ensure_ascii=False))}</code>"


def _time(ns: int) -> str:
    return datetime.fromtimestamp(ns / NS, TAIPEI).strftime("%m/%d %H:%M:%S")


def _page(title: str, body: str, status: int = 200) -> Answer:
    text = f"""<!DOCTYPE html>
<html lang="zh-Hant"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:4px 10px;text-align:left;vertical-align:top}}
th{{background:#f3f3f3}}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"""
    return Answer(status, text.encode("utf-8"), "text/html; charset=utf-8")

"""The Seller Centre face: password login, link verification (the seller taps a link on the
phone), sessions, and the web chat over the SAME conversations and messages as the Open Platform
chat. Shapes follow SHOPEE_API.md §5A; what is not publicly known is a setting (`sc_*` in
SandboxConfig) and is listed in README.md, "Seller Centre".

Every function runs with `core.lock` held (the HTTP layer and the control API take it).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime
from typing import Any

from shopee.sandbox import chat, media
from shopee.sandbox.config import DAY
from shopee.sandbox.core import ApiError, Core, SignalLog
from shopee.sandbox.limits import TAIPEI
from shopee.sandbox.state import Conversation, Message, ScFlow, ScSession, Shop

LINK_PENDING, LINK_APPROVED, LINK_FAILED = 1, 2, 4
METHOD_PHONE_LINK = 5
# The sandbox's stand-in for "a method other than a link" (captcha, code): Shopee's real numbers
# for those are not publicly known; the client treats every non-link method alike.
METHOD_OTHER = 1
IVS_FAILED = 49900000
IVS_LINK_LIMIT = 81900202
ANTI_BOT = 90309999
PHONE_MASK = "+886 9***{last2}"


def password_hash(password: str) -> str:
    """sha256(md5hex(password)), as Shopee's login page sends it."""
    return hashlib.sha256(
        hashlib.md5(password.encode("utf-8"), usedforsecurity=False).hexdigest().encode()
    ).hexdigest()


def sign_value(sign_key: str, path: str) -> str:
    """The header the signed chat page's script adds: FNV-1a (32 bit, hex) of "<key>|<URL path>".
    Plain arithmetic rather than Web Crypto, so the page also signs when the sandbox is reached
    over a non-secure origin (a compose host name), where `crypto.subtle` does not exist."""
    value = 0x811C9DC5
    for byte in f"{sign_key}|{path}".encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


# -- login ---------------------------------------------------------------------------------------


def login_by_password(core: Core, body: dict[str, Any]) -> tuple[dict[str, Any], ScSession | None]:
    """The main site's password login: logged in (trusted device), verification needed, or refused."""
    account = next((body.get(k) for k in ("username", "email", "phone") if body.get(k)), "")
    shop = core.world.shop_by_account(str(account).strip()) if isinstance(account, str) else None
    given = body.get("password")
    if (
        shop is None
        or not isinstance(given, str)
        or not secrets.compare_digest(given, password_hash(shop.password))
    ):
        return {"error": 2, "error_msg": None, "data": None}, None
    identifier = body.get("client_identifier") if isinstance(body.get("client_identifier"), dict) else {}
    device_id = str(identifier.get("security_device_fingerprint") or "")
    trusted = device_id and device_id in core.world.sc_trusted_devices.get(shop.shop_id, [])
    if trusted and core.config.sc_trust_devices and not core.faults.sc_captcha:
        session = session_create(core, shop, device_id)
        return {
            "error": 0,
            "error_msg": None,
            "data": {"userid": shop.user_id, "username": shop.account},
        }, session
    now = core.world.now()
    flow = ScFlow(
        ivs_token=secrets.token_hex(16),
        flow_no=secrets.token_hex(8),
        shop_id=shop.shop_id,
        device_id=device_id,
        created_at=now,
    )
    core.world.sc_flows[flow.ivs_token] = flow
    core.changed()
    return {
        "error": 98,
        "error_msg": None,
        "data": {"ivs_flow_no": flow.flow_no, "ivs_token": flow.ivs_token},
    }, None


def _failed() -> dict[str, Any]:
    return {"error": IVS_FAILED, "error_msg": None, "data": None}


def ivs_methods(core: Core, body: dict[str, Any]) -> dict[str, Any]:
    flow = core.world.sc_flows.get(str(body.get("u_token") or ""))
    if flow is None or flow.used:
        return _failed()
    flow.v_token = secrets.token_hex(12)
    kind = METHOD_OTHER if core.faults.sc_captcha else METHOD_PHONE_LINK
    core.changed()
    return {"error": 0, "error_msg": None, "data": [{"type": kind, "v_token": flow.v_token}]}


def ivs_link_verify(core: Core, body: dict[str, Any]) -> dict[str, Any]:
    """Send the link to the shop's phone (unless today's limit is reached)."""
    flow = core.world.sc_flows.get(str(body.get("request_id") or ""))
    if flow is None or flow.used or not flow.v_token or body.get("v_token") != flow.v_token:
        return _failed()
    if core.faults.sc_captcha:
        return _failed()  # the link is not among the methods offered
    now = core.world.now()
    sent_today = sum(
        1 for f in core.world.sc_flows.values() if f.shop_id == flow.shop_id and f.link_sent_at > now - DAY
    )
    if sent_today >= core.config.sc_links_per_day:
        return {"error": IVS_LINK_LIMIT, "error_msg": None, "data": None}
    flow.r_token = secrets.token_hex(16)
    flow.short_token = secrets.token_urlsafe(12)
    flow.link_status = LINK_PENDING
    # The link-expired fault: the link is already older than its lifetime when it arrives.
    flow.link_sent_at = now - (core.config.sc_link_seconds + 1 if core.faults.sc_link_expired else 0)
    core.changed()
    shop = core.world.shops[flow.shop_id]
    phone = PHONE_MASK.format(last2=shop.shop_id[-2:])
    return {
        "error": 0,
        "error_msg": None,
        "data": {"phone_number": phone, "r_token": flow.r_token, "msg_type": 1},
    }


def _link_status(core: Core, flow: ScFlow) -> int:
    if (
        flow.link_status == LINK_PENDING
        and core.world.now() - flow.link_sent_at > core.config.sc_link_seconds
    ):
        flow.link_status = LINK_FAILED
        core.changed()
    return flow.link_status


def _flow_by_r_token(core: Core, r_token: Any) -> ScFlow | None:
    return next((f for f in core.world.sc_flows.values() if r_token and f.r_token == r_token), None)


def ivs_link_status(core: Core, body: dict[str, Any]) -> dict[str, Any]:
    flow = _flow_by_r_token(core, body.get("r_token"))
    if flow is None:
        return _failed()
    return {"error": 0, "error_msg": None, "data": {"link_status": _link_status(core, flow)}}


def ivs_token_verify(core: Core, body: dict[str, Any]) -> dict[str, Any]:
    flow = core.world.sc_flows.get(str(body.get("u_token") or ""))
    if (
        flow is None
        or flow.used
        or body.get("r_token") != flow.r_token
        or body.get("v_token") != flow.v_token
        or _link_status(core, flow) != LINK_APPROVED
    ):
        return _failed()
    flow.signature = secrets.token_hex(16)
    core.changed()
    return {"error": 0, "signature": flow.signature, "event": 1}


def login_ivs(core: Core, body: dict[str, Any]) -> tuple[dict[str, Any], ScSession | None]:
    flow = next((f for f in core.world.sc_flows.values() if f.flow_no == body.get("ivs_flow_no")), None)
    if flow is None or flow.used or not flow.signature or body.get("ivs_signature") != flow.signature:
        return {"error": 2, "error_msg": "ivs validate signature error 50200104", "data": None}, None
    flow.used = True
    shop = core.world.shops[flow.shop_id]
    if flow.device_id:
        trusted = core.world.sc_trusted_devices.setdefault(shop.shop_id, [])
        if flow.device_id not in trusted:
            trusted.append(flow.device_id)
    session = session_create(core, shop, flow.device_id)
    return {"error": 0, "error_msg": None, "data": {"userid": shop.user_id}}, session


def _flow_by_link(core: Core, short_token: str):
    return next(
        (f for f in core.world.sc_flows.values() if short_token and f.short_token == short_token), None
    )


def link_tap(core: Core, short_token: str) -> str:
    """The seller taps the link on the phone: "done", "expired" or "unknown"."""
    shown = links_status(core, short_token)
    if shown != "pending":
        return shown
    _flow_by_link(core, short_token).link_status = LINK_APPROVED
    core.changed()
    return "done"


def links_status(core: Core, short_token: str) -> str:
    """What the phone's link page shows: "pending", "done", "expired" or "unknown"."""
    flow = _flow_by_link(core, short_token)
    if flow is None:
        return "unknown"
    status = _link_status(core, flow)
    if status == LINK_APPROVED:
        return "done"
    return "pending" if status == LINK_PENDING and not flow.used else "expired"


def links(core: Core, shop_id: str | None = None) -> list[dict[str, Any]]:
    """The links "sent to the phone", newest first (the sandbox's SMS inbox)."""
    sent = [
        f for f in core.world.sc_flows.values() if f.short_token and (shop_id is None or f.shop_id == shop_id)
    ]
    sent.sort(key=lambda f: f.link_sent_at, reverse=True)
    return [
        {
            "shop_id": f.shop_id,
            "account": core.world.shops[f.shop_id].account,
            "path": f"/verify/link?short_token={f.short_token}",
            "sent_at": int(f.link_sent_at),
            "status": {LINK_PENDING: "pending", LINK_APPROVED: "tapped", LINK_FAILED: "expired"}.get(
                _link_status(core, f), "none"
            ),
            "used": f.used,
        }
        for f in sent
    ]


# -- sessions ------------------------------------------------------------------------------------


def session_create(core: Core, shop: Shop, device_id: str) -> ScSession:
    now = core.world.now()
    session = ScSession(
        token=secrets.token_hex(24),
        shop_id=shop.shop_id,
        device_id=device_id,
        created_at=now,
        expires_at=now + core.config.sc_session_seconds,
        password=shop.password,
        csrf=secrets.token_hex(16),
        sign_key=secrets.token_hex(16),
    )
    core.world.sc_sessions[session.token] = session
    core.changed()
    return session


def session_valid(core: Core, session: ScSession | None) -> bool:
    if session is None or session.revoked or core.world.now() >= session.expires_at:
        return False
    shop = core.world.shops.get(session.shop_id)
    return shop is not None and shop.password == session.password


def session_by_cookie(core: Core, cookies: dict[str, str]) -> ScSession | None:
    token = cookies.get("SPC_SC_TK") or cookies.get("SPC_EC") or ""
    session = core.world.sc_sessions.get(token)
    return session if session_valid(core, session) else None


def sessions_revoke(core: Core, shop_id: str) -> int:
    ended = 0
    for session in core.world.sc_sessions.values():
        if session.shop_id == shop_id and not session.revoked:
            session.revoked = True
            ended += 1
    core.changed()
    return ended


def session_cookies(core: Core, session: ScSession, *, seller: bool) -> list[str]:
    """Main-site cookies after the password/verified login; Seller Centre ones after its login."""
    user_id = str(core.world.shops[session.shop_id].user_id)
    if seller:
        values = {
            "SPC_SC_TK": session.token,
            "SPC_SC_UD": user_id,
            "CTOKEN": session.csrf,
            "SPC_CDS": session.sign_key[:8],
        }
    else:
        values = {"SPC_EC": session.token, "SPC_U": user_id, "SPC_F": session.device_id or "unknown"}
    return [f"{name}={value}; Path=/; HttpOnly" for name, value in values.items()]


def sessions(core: Core, shop_id: str | None = None) -> list[dict[str, Any]]:
    return [
        {
            "shop_id": s.shop_id,
            "device_id": s.device_id,
            "created_at": int(s.created_at),
            "expires_at": int(s.expires_at),
            "valid": session_valid(core, s),
            "chat_login": bool(s.chat_token),
        }
        for s in core.world.sc_sessions.values()
        if shop_id is None or s.shop_id == shop_id
    ]


def seller_login_info(core: Core, session: ScSession) -> dict[str, Any]:
    shop = core.world.shops[session.shop_id]
    return {
        "username": shop.account,
        "shopid": int(shop.shop_id),
        "id": shop.user_id,
        "phone": "",
        "email": "",
        "portrait": "",
        "sso": None,
        "cs_token": None,
        "token": secrets.token_hex(12),
        "sub_account_token": None,
        "errcode": 0,
    }


def chat_login(core: Core, session: ScSession) -> dict[str, Any]:
    shop = core.world.shops[session.shop_id]
    session.chat_token = "eyJ" + secrets.token_urlsafe(32)  # JWT-looking, opaque here
    if not session.sync_mark_ns:  # a new login starts from now; a renewed chat token keeps its place
        session.sync_mark_ns = shop_latest_ns(core, shop.shop_id)
    core.changed()
    return {
        "token": session.chat_token,
        "user": {"id": shop.user_id, "uid": f"0-{shop.user_id}", "type": "seller"},
        "shop": {"id": int(shop.shop_id), "user_id": shop.user_id, "name": shop.name, "country": shop.region},
    }


def session_by_chat_token(core: Core, token: str) -> ScSession | None:
    if not token:
        return None
    return next((s for s in core.world.sc_sessions.values() if s.chat_token == token), None)


# -- web chat ------------------------------------------------------------------------------------


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / chat.NS, TAIPEI).isoformat(timespec="seconds")


def web_conversation(core: Core, conversation: Conversation) -> dict[str, Any]:
    world = core.world
    latest = world.messages[conversation.message_ids[-1]]
    shop = world.shops[conversation.shop_id]
    buyer = world.buyers[str(conversation.buyer_id)]
    return {
        "id": conversation.conversation_id,
        "to_id": conversation.buyer_id,
        "to_name": buyer.username,
        "to_avatar": "",
        "shop_id": int(conversation.shop_id),
        "to_shop_id": 0,
        "status": "activated",
        "unread_count": conversation.unread_count,
        "pinned": conversation.pinned,
        "last_read_message_id": conversation.last_read_message_id,
        "latest_message_id": latest.message_id,
        "latest_message_type": latest.message_type,
        "latest_message_content": latest.content,
        "latest_message_from_id": latest.buyer_id if latest.from_buyer else shop.user_id,
        "last_message_time": _iso(latest.created_ns),
        "last_message_time_nano": str(latest.created_ns),
        "next_timestamp_nano": str(latest.created_ns),
        "biz_id": 0,
    }


def web_message(core: Core, message: Message) -> dict[str, Any]:
    world = core.world
    shop = world.shops[message.shop_id]
    buyer = world.buyers[str(message.buyer_id)]
    seller = (shop.user_id, int(shop.shop_id), shop.account)
    customer = (message.buyer_id, 0, buyer.username)
    sender, receiver = (customer, seller) if message.from_buyer else (seller, customer)
    return {
        "id": message.message_id,
        "conversation_id": message.conversation_id,
        "request_id": message.request_id,
        "from_id": sender[0],
        "to_id": receiver[0],
        "from_shop_id": sender[1],
        "to_shop_id": receiver[1],
        "from_user_name": sender[2],
        "to_user_name": receiver[2],
        "type": message.message_type,
        "content": message.content,
        "created_timestamp": message.created_ns // chat.NS,
        "created_at": _iso(message.created_ns),
        "status": message.status,
        "message_option": 0,
        "source": "web" if message.origin == "webchat" else "",
        "source_type": "",
        "source_content": message.source_content,
    }


def web_conversations(core: Core, shop: Shop, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Newest first, older than `next_timestamp_nano` ("0": from now); an empty page ends."""
    world = core.world
    cursor = str(body.get("next_timestamp_nano") or "0")
    if not cursor.isdigit():
        raise ApiError("error_param", "next_timestamp_nano must be digits.")
    unread = body.get("type") == "unread"

    def last_ns(c: Conversation) -> int:
        return world.messages[c.message_ids[-1]].created_ns

    chosen = [
        c
        for c in world.conversations.values()
        if c.shop_id == shop.shop_id and c.message_ids and (not unread or c.unread_count)
    ]
    chosen.sort(key=last_ns, reverse=True)
    if cursor != "0":
        chosen = [c for c in chosen if last_ns(c) < int(cursor)]
    return [web_conversation(core, c) for c in chosen[: core.config.sc_conversation_page_size]]


def shop_conversation(core: Core, shop: Shop, conversation_id: str) -> Conversation:
    conversation = core.world.conversations.get(conversation_id)
    if conversation is None or conversation.shop_id != shop.shop_id or not conversation.message_ids:
        raise ApiError("error_not_found", "The conversation is not found.")
    return conversation


def web_messages(core: Core, shop: Shop, conversation_id: str, query: dict[str, str]) -> list[dict[str, Any]]:
    conversation = shop_conversation(core, shop, conversation_id)
    try:
        offset = int(query.get("offset") or 0)
        limit = int(query.get("limit") or 20)
    except ValueError:
        raise ApiError("error_param", "offset and limit must be integers.") from None
    if offset < 0 or not 1 <= limit <= core.config.sc_message_limit_max:
        raise ApiError("error_param", f"limit must be between 1 and {core.config.sc_message_limit_max}.")
    newest_first = list(reversed(conversation.message_ids))[offset : offset + limit]
    return [web_message(core, core.world.messages[mid]) for mid in newest_first]


# What the web chat sends besides text, and the content each must carry: an image of the shop's
# own upload (2020–26 clients, research notes §1.3), a product card with its name (the 2026 client
# refuses to send one without `product_name`, §2). No public client sends an order card: refused.
WEB_SEND_TYPES = ("text", "image", "product")


def web_send(core: Core, shop: Shop, body: dict[str, Any]) -> Message:
    """Send with Shopee's chat rules (those of send_message); the same `request_id` twice gives the
    first message back."""
    request_id = body.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        raise ApiError("error_param", "request_id is required.")
    world = core.world
    earlier = next(
        (m for m in world.messages.values() if m.shop_id == shop.shop_id and m.request_id == request_id), None
    )
    if earlier is not None:
        return earlier
    message_type = body.get("type")
    if message_type not in WEB_SEND_TYPES:
        raise ApiError("error_param", f"type must be one of {', '.join(WEB_SEND_TYPES)}.")
    content = _web_content(core, shop, message_type, body.get("content"))
    try:
        to_id = int(body.get("to_id"))
    except (TypeError, ValueError):
        raise ApiError("error_param", "to_id is required.") from None
    if str(to_id) not in world.buyers:
        raise ApiError("error_param", "to_id is not a valid user.")
    source_content = body.get("source_content") if isinstance(body.get("source_content"), dict) else {}
    conversation = world.conversation_between(shop.shop_id, to_id)
    # Without conversation_id (a buyer who never chatted) Shopee opens the conversation, as
    # send_message does; a given one must be this buyer's (the sandbox's choice: unknown).
    given = str(body.get("conversation_id") or "")
    if given and (conversation is None or conversation.conversation_id != given):
        raise ApiError("error_not_found", "The conversation is not found for this buyer.")
    chat._check_rules(core, shop, to_id, conversation, message_type, content, source_content)
    conversation = conversation or chat.conversation_ensure(core, shop.shop_id, to_id)
    message = chat._append(
        core,
        conversation,
        origin="webchat",
        message_type=message_type,
        content=content,
        source_content={k: v for k, v in source_content.items() if k in ("order_sn", "item_id")},
    )
    message.request_id = request_id
    return message


def _web_content(core: Core, shop: Shop, message_type: str, content: Any) -> dict[str, Any]:
    """The content of a web-chat send as it is stored and shown back, or Shopee's refusal."""
    if message_type == "text":
        chat._check_content(core, shop, "text", content)
        return {"text": content["text"]}
    if not isinstance(content, dict):
        raise ApiError("error_param", "content must be an object.")
    if message_type == "image":
        upload = media.upload_of_url(core, shop, content.get("url"))
        if upload is None:
            raise ApiError("error_param", "content.url is not an image uploaded by this shop.")
        return media.image_content(core, upload) | {"url_hash": upload.url_hash}
    product_id, name = str(content.get("product_id") or ""), content.get("product_name")
    if product_id not in chat.shop_item_ids(core, shop) or str(content.get("shop_id")) != shop.shop_id:
        raise ApiError("error_param", "content.product_id is not a product of this shop.")
    if not isinstance(name, str) or not name.strip():
        raise ApiError("error_param", "content.product_name is required.")
    return {"product_id": int(product_id), "shop_id": int(shop.shop_id), "product_name": name}


def web_upload(core: Core, shop: Shop, raw: bytes, content_type: str) -> dict[str, Any]:
    """The web chat's picture upload: multipart `file` (+ `conversation_id`, which must then be the
    shop's); the flat answer public clients read (research notes §1.2)."""
    fields, files = media.multipart_parse(raw, content_type)
    if fields.get("conversation_id"):
        shop_conversation(core, shop, fields["conversation_id"])
    upload = media.upload_store(core, shop, files.get("file"), via="seller_centre")
    answer = media.upload_json(core, upload)
    return {key: answer[key] for key in ("url", "thumbnail", "thumb_width", "thumb_height", "file_server_id")}


def web_read(core: Core, shop: Shop, conversation_id: str, body: dict[str, Any]) -> None:
    conversation = shop_conversation(core, shop, conversation_id)
    chat.read_up_to(core, conversation, str(body.get("last_read_message_id") or ""))


# -- the cheap signal (user/sync) --------------------------------------------------------------------


def shop_latest_ns(core: Core, shop_id: str) -> int:
    """When the shop's newest message was created (0: none)."""
    world = core.world
    return max(
        (
            world.messages[c.message_ids[-1]].created_ns
            for c in world.conversations.values()
            if c.shop_id == shop_id and c.message_ids
        ),
        default=0,
    )


def user_sync(core: Core, shop: Shop, session: ScSession) -> dict[str, Any]:
    """`POST /webchat/api/v1.2/mini/user/sync`: `{have_new_msg, unread_count}`, the shape public
    clients read [2+]. What makes Shopee say `have_new_msg` is not published; the sandbox's rule
    (inferred): a message of the shop newer than the newest this login session was told of by
    its previous sync (or, before any, its chat login), other than its own sends through the web
    chat. Answering tells the session of everything up to now. `unread_count` is the buyer
    messages not read yet, over all the shop's conversations."""
    latest = shop_latest_ns(core, shop.shop_id)
    have_new = latest > session.sync_mark_ns
    session.sync_mark_ns = max(session.sync_mark_ns, latest)
    unread = sum(c.unread_count for c in core.world.conversations.values() if c.shop_id == shop.shop_id)
    counted = core.signals.setdefault(shop.shop_id, SignalLog())
    counted.calls += 1
    counted.have_new_msg += have_new
    counted.times.append(round(time.time(), 3))
    core.changed()
    return {"have_new_msg": have_new, "unread_count": unread}


def session_sent(core: Core, session: ScSession, message: Message, latest_before: int) -> None:
    """The session's own send is no news to it, unless something it was not told of came first."""
    if session.sync_mark_ns >= latest_before:
        session.sync_mark_ns = max(session.sync_mark_ns, message.created_ns)


def signals(core: Core, shop_id: str | None = None) -> list[dict[str, Any]]:
    return [
        {"shop_id": key, "calls": c.calls, "have_new_msg": c.have_new_msg, "times": list(c.times)}
        for key, c in sorted(core.signals.items())
        if shop_id is None or key == shop_id
    ]

"""The chat transport of a shop: the one seam through which chat sync, the inbox's mark-read and
the outbox's delivery and in-doubt check talk to Shopee.

`ChatTransport` (a Protocol) declares exactly what they call; `OpenPlatformTransport` and
`SellerCentreTransport` implement all of it (tests/chat/test_transport_protocol.py compares their
signatures with it), and callers annotate the Protocol, never a concrete class.

    transport = transport_for(shop)        # Shop.chat_transport_kind: TW → Seller Centre, else Open Platform
    transport.conversation_page(cursor)    # shopee.types.ConversationPage of Open-Platform-shaped dicts
    transport.message_page(conversation_id, offset)          # MessagePage, newest first
    transport.upload_image(data=, filename=, content_type=, conversation_id=)  # the picture, once per row
    transport.send(to_id=, message_type=, content=, order_sn=, conversation_id=, request_id=)
    transport.find_sent(conversation_id=, buyer_id=, request_id=, text=, since=)  # by key where echoes_request_id
    transport.mark_read(conversation_id, message_id)
    transport.signal()                     # the cheap "anything new?" (Seller Centre); None with pushes
    transport.session_lost(exc)            # an AuthError: the shop leaves the verified state

Each transport says what it can do (`capabilities`: read, send, send pictures / product cards /
order cards, mark read, push, the cheap signal, unread counts in the list) and, where it cannot, why
in words (`why_not`); `send_refusal(shop, message_type)` says the same without building a transport
(the inbox's buttons). `send` takes the product's own content of a kind (text `{text}`, image the
upload's answer, item `{item_id, name}`, order `{order_sn}`) and sends it in its face's shape. Both raise the same typed errors
(shopee.errors): AuthError (session or authorization gone: held, 未驗證), RateLimited, Transient,
PlatformRule, BadRequest. The Seller Centre transport renews a refused session once by itself
(accounts.chatlogin.chat_session_renew: new chat token, else the kept password) before giving up,
and turns `InterfaceChanged` / `AntiBotRefused` (a person must act) into an AuthError with that
reason, so the shop is 未驗證 with a clear reason and its messages are held, none lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from accounts.chat_words import (
    REASON_ANTI_BOT,
    REASON_INTERFACE_CHANGED,
    REASON_SESSION_LOST,
    ChatStop,
    chat_stop_of,
)
from accounts.chatlogin import chat_login_lost, chat_session_of, chat_session_renew, sellercentre_client
from accounts.models import Shop
from accounts.services import shop_auth_failed
from accounts.tokens import shop_api
from shopee.errors import AuthError, BadRequest
from shopee.sellercentre import (
    AntiBotRefused,
    InterfaceChanged,
    SellerCentreSession,
    SessionExpired,
    SyncSignal,
    WebMessage,
)
from shopee.types import ConversationPage, MessagePage

T = TypeVar("T")

READ, SEND, MARK_READ, PUSH, UNREAD_IN_LIST = "read", "send", "mark read", "push", "unread counts in the list"
SIGNAL = "signal"  # Shopee's cheap "anything new?" call, asked often instead of listing conversations
SEND_IMAGE, SEND_ITEM, SEND_ORDER = "send pictures", "send product cards", "send order cards"
# What sending each kind of message takes of a transport.
SENDS = {"text": SEND, "image": SEND_IMAGE, "item": SEND_ITEM, "order": SEND_ORDER}
IN_DOUBT_SKEW_SECONDS = 10  # allowed between our clock and Shopee's when looking for an in-doubt send

# Shopee's words (v2.sellerchat.send_message, SHOPEE_API.md §5.1).
TW_NOT_SUPPORTED = gettext_noop(
    "Shopee's Open Platform does not send chat for Taiwanese shops (\"Currently TW region is not supported "
    'to send messages"): use the Seller Centre login (聊聊登入認證) for this shop.'
)
TW_REGION_CODE = "region_not_supported"
SC_NO_ORDER_CARD = gettext_noop(
    "Seller Centre's web chat cannot send order cards from here: no public source shows how it sends "
    "one. Send the order number as text instead."
)


class ChatUnavailable(AuthError):
    """The shop's chat cannot be used until a person acts (reason in `code`)."""


@runtime_checkable
class ChatTransport(Protocol):
    """What chat sync (chat.sync), the inbox's mark-read and the outbox's delivery and in-doubt
    check (outbox.delivery, outbox.doubt) call on a shop's chat transport: all of it, nothing more."""

    shop: Shop
    kind: str
    capabilities: frozenset[str]
    why_not: dict[str, str]
    echoes_request_id: bool  # find_sent can match the outbox row's key (else: None, search by content)

    def can(self, what: str) -> bool: ...

    def open(self) -> None:
        """Raise AuthError now if the shop cannot be used (before any work)."""
        ...

    def conversation_page(self, cursor: str | None, page_size: int = 25) -> ConversationPage: ...

    def message_page(self, conversation_id: str, offset: str | None, page_size: int = 25) -> MessagePage: ...

    def send(
        self,
        *,
        to_id: str,
        message_type: str,
        content: Mapping[str, Any],
        order_sn: str | None,
        conversation_id: str | None,
        request_id: str,
    ) -> dict[str, Any]: ...

    def upload_image(
        self, *, data: bytes, filename: str, content_type: str, conversation_id: str | None
    ) -> dict[str, Any]:
        """Upload an image message's picture; Shopee's answer in one shape for both faces: `url`,
        `thumbnail`, `thumb_width`, `thumb_height`, `file_server_id`, `url_hash`."""
        ...

    def find_sent(
        self, *, conversation_id: str | None, buyer_id: str, request_id: str, text: str, since: datetime
    ) -> dict[str, Any] | None: ...

    def mark_read(self, conversation_id: str, message_id: str) -> None: ...

    def signal(self) -> SyncSignal | None:
        """Whether anything arrived since the shop's login last asked, and its unread count
        (chat.live asks it every few seconds and pulls only when it says so); None when the
        transport has no such call (Shopee pushes instead)."""
        ...

    def session_lost(self, exc: AuthError) -> None: ...


@dataclass
class _Transport:
    """What both transports keep alike: the shop and what they can do."""

    shop: Shop
    kind: str = ""
    capabilities: frozenset[str] = frozenset()
    why_not: dict[str, str] = field(default_factory=dict)
    echoes_request_id: bool = False

    def can(self, what: str) -> bool:
        return what in self.capabilities


# -- Open Platform -------------------------------------------------------------------------------


class OpenPlatformTransport(_Transport):
    """Shopee's Open Platform sellerchat API with the shop's authorization tokens."""

    def __init__(self, shop: Shop) -> None:
        can = {READ, MARK_READ, PUSH, UNREAD_IN_LIST, *SENDS.values()}
        why: dict[str, str] = {}
        for message_type, capability in SENDS.items():
            if refusal := send_refusal(shop, message_type):
                can.discard(capability)
                why[capability] = refusal
        super().__init__(
            shop=shop, kind=Shop.ChatTransport.OPEN_PLATFORM, capabilities=frozenset(can), why_not=why
        )
        self._api = None

    @property
    def api(self):
        if self._api is None:
            self._api = shop_api(self.shop)
        return self._api

    def open(self) -> None:
        """Raise AuthError now if the shop cannot be used (before any work)."""
        _ = self.api

    def conversation_page(self, cursor: str | None, page_size: int = 25) -> ConversationPage:
        return self.api.get_conversation_list(
            direction="older", type="all", next_timestamp_nano=cursor, page_size=page_size
        )

    def message_page(self, conversation_id: str, offset: str | None, page_size: int = 25) -> MessagePage:
        return self.api.get_messages(conversation_id, offset=offset, page_size=page_size)

    def send(
        self,
        *,
        to_id: str,
        message_type: str,
        content: Mapping[str, Any],
        order_sn: str | None,
        conversation_id: str | None,
        request_id: str,
    ) -> dict[str, Any]:
        return self.api.send_message(
            to_id=to_id,
            message_type=message_type,
            content=_open_platform_content(message_type, content),
            order_sn=order_sn or None,
        )

    def upload_image(
        self, *, data: bytes, filename: str, content_type: str, conversation_id: str | None
    ) -> dict[str, Any]:
        return picture_record(self.api.upload_image(data=data, filename=filename, content_type=content_type))

    def find_sent(
        self, *, conversation_id: str | None, buyer_id: str, request_id: str, text: str, since: datetime
    ) -> dict[str, Any] | None:
        """Nothing: the Open Platform's messages do not carry our request id (echoes_request_id is
        False), so the in-doubt check searches the conversation by content (outbox.doubt)."""
        return None

    def mark_read(self, conversation_id: str, message_id: str) -> None:
        self.api.read_conversation(conversation_id, message_id)

    def signal(self) -> SyncSignal | None:
        """None: Shopee pushes this transport's new messages (code 10)."""
        return None

    def session_lost(self, exc: AuthError) -> None:
        shop_auth_failed(shop=self.shop, reason=str(exc))


# -- Seller Centre -------------------------------------------------------------------------------


class SellerCentreTransport(_Transport):
    """The seller's own Seller Centre login and its web chat (shopee.sellercentre)."""

    def __init__(self, shop: Shop) -> None:
        super().__init__(
            shop=shop,
            kind=Shop.ChatTransport.SELLER_CENTRE,
            capabilities=frozenset({READ, SEND, SEND_IMAGE, SEND_ITEM, MARK_READ, UNREAD_IN_LIST, SIGNAL}),
            why_not={
                PUSH: gettext_noop(
                    "Seller Centre's chat pushes through its own page's socket, which no public code "
                    "opens from outside the page: new messages come by asking Seller Centre's signal "
                    "every few seconds while staff are about, and with the regular pull."
                ),
                SEND_ORDER: SC_NO_ORDER_CARD,
            },
            echoes_request_id=True,
        )
        self.client = sellercentre_client()
        self._session: SellerCentreSession | None = None

    def open(self) -> None:
        self._session = chat_session_of(self.shop)

    def _call(self, fn: Callable[[SellerCentreSession], T]) -> T:
        """One web-chat call; a refused session is renewed once (silently, if it can be)."""
        if self._session is None:
            self.open()
        try:
            try:
                return fn(self._session)
            except SessionExpired:
                self._session = chat_session_renew(shop_pk=self.shop.pk, seen_at=self.shop.chat_session_at)
                self.shop.refresh_from_db()
                return fn(self._session)
        except InterfaceChanged as exc:
            chat_login_lost(shop=self.shop, reason=REASON_INTERFACE_CHANGED)
            raise ChatUnavailable(str(exc), code=REASON_INTERFACE_CHANGED) from exc
        except AntiBotRefused as exc:
            chat_login_lost(shop=self.shop, reason=REASON_ANTI_BOT)
            raise ChatUnavailable(str(exc), code=REASON_ANTI_BOT) from exc

    def conversation_page(self, cursor: str | None, page_size: int = 25) -> ConversationPage:
        page = self._call(lambda s: self.client.conversation_list(s, before=cursor))
        rows = [_conversation_dict(c, self.shop) for c in page.conversations]
        return ConversationPage(
            conversations=rows,
            more=bool(rows) and page.next_cursor is not None,
            next_timestamp_nano=page.next_cursor,
        )

    def message_page(self, conversation_id: str, offset: str | None, page_size: int = 25) -> MessagePage:
        start = int(offset or 0)
        messages = self._call(
            lambda s: self.client.message_list(s, conversation_id, offset=start, limit=page_size)
        )
        more = len(messages) >= page_size
        return MessagePage(
            messages=[message_dict(m, self.shop) for m in messages],
            next_offset=str(start + page_size) if more else None,
        )

    def send(
        self,
        *,
        to_id: str,
        message_type: str,
        content: Mapping[str, Any],
        order_sn: str | None,
        conversation_id: str | None,
        request_id: str,
    ) -> dict[str, Any]:
        """Within the buyer's conversation if there is one, else by `to_id` alone (a buyer who never
        chatted: Shopee opens the conversation, its rules for a first message apply)."""
        web_type, web_content = _seller_centre_content(message_type, content, self.shop)
        sent = self._call(
            lambda s: self.client.message_send(
                s,
                to_id=to_id,
                conversation_id=conversation_id or None,
                message_type=web_type,
                content=web_content,
                request_id=request_id,
                order_sn=order_sn or None,
            )
        )
        return message_dict(sent, self.shop)

    def upload_image(
        self, *, data: bytes, filename: str, content_type: str, conversation_id: str | None
    ) -> dict[str, Any]:
        return picture_record(
            self._call(
                lambda s: self.client.image_upload(
                    s,
                    data=data,
                    filename=filename,
                    content_type=content_type,
                    conversation_id=conversation_id,
                )
            )
        )

    def find_sent(
        self, *, conversation_id: str | None, buyer_id: str, request_id: str, text: str, since: datetime
    ) -> dict[str, Any] | None:
        """The message an earlier attempt sent with `request_id` (text and time only as fallback).
        Without a known conversation it is the buyer's on Shopee, if one moved since `since`: none
        means the first message never arrived."""
        sent_after = int(since.timestamp()) - IN_DOUBT_SKEW_SECONDS

        def find(s: SellerCentreSession) -> WebMessage | None:
            cid = conversation_id
            if not cid:
                found = self.client.conversation_with(s, buyer_id, since_nano=sent_after * 1_000_000_000)
                if found is None:
                    return None
                cid = found.conversation_id
            return self.client.message_find(s, cid, request_id, text=text, sent_after=sent_after)

        found = self._call(find)
        return message_dict(found, self.shop) if found is not None else None

    def mark_read(self, conversation_id: str, message_id: str) -> None:
        self._call(
            lambda s: self.client.conversation_read(
                s, conversation_id=conversation_id, last_read_message_id=message_id
            )
        )

    def signal(self) -> SyncSignal | None:
        return self._call(self.client.user_sync)

    def session_lost(self, exc: AuthError) -> None:
        code = str(getattr(exc, "code", "") or "")
        chat_login_lost(
            shop=self.shop, reason=code if code and code != "shop_not_verified" else REASON_SESSION_LOST
        )


def _conversation_dict(c, shop: Shop) -> dict[str, Any]:
    """A web-chat conversation in the Open Platform's shape (what chat.sync stores)."""
    return {
        "conversation_id": c.conversation_id,
        "to_id": c.buyer_id,
        "to_name": c.buyer_name,
        "to_avatar": str(c.raw.get("to_avatar") or ""),
        "unread_count": c.unread_count,
        "pinned": bool(c.raw.get("pinned")),
        "last_read_message_id": c.last_read_message_id,
        "last_message_timestamp": c.last_message_nano,
        "latest_message_id": c.last_message_id,
        "latest_message_type": c.last_message_type,
        "latest_message_content": {"text": c.last_message_text},
        "latest_message_from_id": c.buyer_id if c.last_message_from_buyer else "",
    }


def message_dict(m: WebMessage, shop: Shop) -> dict[str, Any]:
    """A web-chat message in the Open Platform's shape."""
    return {
        "message_id": m.message_id,
        "conversation_id": m.conversation_id,
        "request_id": m.request_id,
        "from_id": m.from_id,
        "to_id": m.to_id,
        "from_shop_id": "" if m.from_buyer else shop.shop_id,
        "message_type": m.message_type,
        "content": m.content,
        "created_timestamp": m.created_timestamp,
        "source_content": m.raw.get("source_content") or {},
        "status": str(m.raw.get("status") or ""),
    }


def picture_record(answer: Mapping[str, Any]) -> dict[str, Any]:
    """An upload's answer as the outbox records it, the same from either face."""
    url = str(answer.get("url") or "")
    return {
        "url": url,
        "thumbnail": str(answer.get("thumbnail") or url),
        "thumb_width": _number(answer.get("thumb_width")),
        "thumb_height": _number(answer.get("thumb_height")),
        "file_server_id": _number(answer.get("file_server_id")),
        "url_hash": str(answer.get("url_hash") or url.rstrip("/").rsplit("/", 1)[-1]),
    }


def _number(value: Any) -> int:
    return int(value) if str(value or "").isdigit() else 0


def _open_platform_content(message_type: str, content: Mapping[str, Any]) -> dict[str, Any]:
    """sellerchat/send_message's content of a kind [2+]: image `{image_url}` (the upload's url),
    item `{item_id}`, order `{order_sn}`, text `{text}`."""
    if message_type == "image":
        return {"image_url": content["url"]}
    if message_type == "item":
        return {"item_id": int(content["item_id"])}
    if message_type == "order":
        return {"order_sn": str(content["order_sn"])}
    return dict(content)


def _seller_centre_content(message_type: str, content: Mapping[str, Any], shop: Shop) -> tuple[str, dict]:
    """The web chat's type and content of a kind: an image by its upload (the 2026 client's set,
    research notes §1.3), a product card by id, shop and name [1]; text as it is. Order cards:
    no public source (capability off), refused here too."""
    if message_type == "text":
        return "text", {"text": str(content.get("text") or "")}
    if message_type == "image":
        return "image", {
            "url": content["url"],
            "url_hash": content.get("url_hash") or "",
            "thumb_url": content.get("thumbnail") or content["url"],
            "thumb_width": content.get("thumb_width") or 0,
            "thumb_height": content.get("thumb_height") or 0,
            "file_server_id": content.get("file_server_id") or 0,
        }
    if message_type == "item":
        product = {"product_id": int(content["item_id"]), "shop_id": int(shop.shop_id)}
        return "product", product | {"product_name": str(content.get("name") or "")}
    raise BadRequest(f"Seller Centre's web chat does not send {message_type} messages from here")


def send_refusal(shop: Shop, message_type: str = "text") -> str:
    """Why the shop's transport cannot send this kind of message, whatever its state ("" when it
    can): a TW shop on the Open Platform sends nothing; Seller Centre sends no order cards."""
    if not shop.uses_seller_centre and shop.region == "TW":
        return TW_NOT_SUPPORTED
    if shop.uses_seller_centre and SENDS.get(message_type) == SEND_ORDER:
        return SC_NO_ORDER_CARD
    return ""


def chat_stop(shop: Shop) -> ChatStop | None:
    """What the inbox and composer say stops the shop's chat (None: nothing): its transport's
    verification, or a transport that reads but cannot send (a TW shop on the Open Platform)."""
    stop = chat_stop_of(shop)
    if stop is None and (refusal := send_refusal(shop)):
        return ChatStop(
            what=gettext("Replies"),
            state=gettext("cannot be sent"),
            reason=gettext(refusal),
            url=reverse("accounts:edit", args=[shop.pk]),
            action=gettext("Open the shop account"),
            reads=True,
        )
    return stop


def transport_for(shop: Shop) -> ChatTransport:
    if shop.uses_seller_centre:
        return SellerCentreTransport(shop)
    return OpenPlatformTransport(shop)

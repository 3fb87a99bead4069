"""`SellerCentreClient`: Seller Centre's password login with link verification, and its web chat.

Paths, payloads and cookies are those public code uses (docs/SELLERCENTRE.md, with sources and
confidence); they are kept in `PATHS` only. The client keeps no state: every call takes the
`PendingLogin` / `SellerCentreSession` the caller stored (encrypted) and returns the new one.
Failures raise the typed errors of `shopee.sellercentre.errors`; nothing is retried here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from shopee.errors import AuthError, PlatformRule, RateLimited, ShopeeError, Transient, error_for
from shopee.sellercentre.errors import (
    AntiBotRefused,
    CaptchaRequired,
    InterfaceChanged,
    LinkExpired,
    LinkNotTapped,
    LoginError,
    SessionExpired,
    TooManyAttempts,
    WrongPassword,
)
from shopee.sellercentre.signers import PlainSigner, RawResponse, Signer
from shopee.sellercentre.types import (
    PendingLogin,
    SellerCentreSession,
    SyncSignal,
    WebConversation,
    WebConversationPage,
    WebMessage,
)

log = logging.getLogger(__name__)

PATHS: dict[str, str] = {
    # main site (shopee.tw)
    "login": "/api/v4/account/login_by_password",
    "ivs_methods": "/api/v4/anti_fraud/ivs/methods",
    "ivs_link_verify": "/api/v4/anti_fraud/ivs/link/verify",
    "ivs_link_status": "/api/v4/anti_fraud/ivs/link/get_status",
    "ivs_token_verify": "/api/v4/anti_fraud/ivs/token/verify",
    "login_ivs": "/api/v4/account/basic/login_ivs",
    # Seller Centre (seller.shopee.tw)
    "seller_login": "/api/v2/login/",
    "chat_login": "/webchat/api/coreapi/v1.2/mini/login",
    "conversations": "/webchat/api/v1.2/mini/conversations",
    "messages": "/webchat/api/v1.2/mini/conversations/{conversation_id}/messages",
    "send": "/webchat/api/v1.2/messages",
    # The picture of an image message: three paths seen in six years (v1.1/mini/images 2020,
    # v1.2/images 2021, coreapi/v1.2/images 2026) [1 each]; the newest here.
    "image_upload": "/webchat/api/coreapi/v1.2/images",
    "read": "/webchat/api/v1.2/conversations/{conversation_id}/read",
    # The cheap signal the mini chat pane polls; the older full page used /webchat/api/v1.2/user/sync.
    "user_sync": "/webchat/api/v1.2/mini/user/sync",
}

LINK_METHODS = frozenset({5, 8})  # 5 link to the phone, 8 link by e-mail [2+]
LINK_PENDING, LINK_APPROVED, LINK_FAILED = 1, 2, 4
ANTI_BOT = 90309999
IVS_LINK_LIMIT = 81900202  # daily link limit [1]
IVS_BAD_LINK = 81900101
LOGIN_OK, LOGIN_RETRY, LOGIN_BAD_CREDENTIALS, LOGIN_NEEDS_IVS = 0, 1, 2, 98


def password_hash(password: str) -> str:
    """sha256 of the md5 hex of the password, as Shopee's login page sends it [2+]."""
    return hashlib.sha256(
        hashlib.md5(password.encode("utf-8"), usedforsecurity=False).hexdigest().encode()
    ).hexdigest()


def new_device_id() -> str:
    """A device id for a shop; keep it with the shop so Shopee can trust the device next time."""
    return str(uuid.uuid4())


class SellerCentreClient:
    """Seller Centre for one region. Against Taiwan::

        SellerCentreClient(main_url="https://shopee.tw", seller_url="https://seller.shopee.tw",
                           signer=make_signer("page", seller_url="https://seller.shopee.tw"))

    Against the sandbox both URLs are the sandbox's. `timeout` (seconds) is mandatory.
    `device_fingerprint(device_id) -> str` is the hook for Shopee's `security_device_fingerprint`
    (computed by its page's script; not publicly known): by default the device id itself.
    `client_version` is the chat client's `_v` query value; `paths` overrides entries of `PATHS`
    (e.g. {"chat_login": "/webchat/api/coreapi/v1.2/mini/login/sc"}, a variant seen in 2025–26).
    """

    def __init__(
        self,
        *,
        seller_url: str,
        main_url: str | None = None,
        timeout: float,
        signer: Signer | None = None,
        device_fingerprint: Callable[[str], str] | None = None,
        client_version: str = "8.4.0",
        paths: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not timeout or timeout <= 0:
            raise ValueError("a positive timeout is mandatory")
        self.seller_url = seller_url.rstrip("/")
        self.main_url = (main_url or seller_url).rstrip("/")
        self.timeout = float(timeout)
        self.signer: Signer = signer or PlainSigner()
        self._login_http = PlainSigner()  # the login steps are plain calls on the main site
        self._fingerprint = device_fingerprint or (lambda device_id: device_id)
        self.client_version = client_version
        unknown = set(paths or {}) - set(PATHS)
        if unknown:
            raise ValueError(f"unknown Seller Centre paths: {', '.join(sorted(unknown))}")
        self.paths = {**PATHS, **(paths or {})}
        self._clock = clock

    def close(self) -> None:
        self.signer.close()
        self._login_http.close()

    # -- login (聊聊登入認證) --------------------------------------------------------------------------

    def login(self, *, account: str, password: str, device_id: str) -> SellerCentreSession | PendingLogin:
        """Step 1: the password. A trusted device gets the session at once; otherwise Shopee asks
        for link verification and a `PendingLogin` comes back (send the link next).
        Raises WrongPassword, CaptchaRequired, TooManyAttempts, LoginError."""
        account = account.strip()
        cookies = {"csrftoken": secrets.token_hex(16), "SPC_F": device_id}
        body = {
            _account_kind(account): account,
            "password": password_hash(password),
            "support_ivs": True,
            "client_identifier": {"security_device_fingerprint": self._fingerprint(device_id)},
        }
        answer, cookies = self._main("login", body, cookies)
        code = _error_code(answer, "login")
        if code == LOGIN_OK:
            return self._seller_session(cookies, device_id)
        if code == LOGIN_BAD_CREDENTIALS:
            raise WrongPassword()
        if code == LOGIN_RETRY:
            raise Transient("Shopee asked to retry the login")
        if code != LOGIN_NEEDS_IVS:
            raise LoginError(
                f"Shopee refused the login (code {answer.get('error')!r}).", code=f"login_{code}"
            )
        data = _dict(answer.get("data"), "login")
        pending = PendingLogin(
            account=account,
            device_id=device_id,
            cookies=cookies,
            ivs_flow_no=_str(data, "ivs_flow_no", "login"),
            ivs_token=_str(data, "ivs_token", "login"),
        )
        methods, cookies = self._main("ivs_methods", {"event": 1, "u_token": pending.ivs_token}, cookies)
        self._ivs_error(methods)
        offered = [m for m in _list(methods.get("data"), "ivs methods") if isinstance(m, dict)]
        link = next((m for m in offered if _int(m.get("type")) in LINK_METHODS), None)
        if link is None:
            raise CaptchaRequired(methods=tuple(_int(m.get("type")) for m in offered))
        pending.v_token = _str(link, "v_token", "ivs methods")
        pending.cookies = cookies
        return pending

    def verification_send(self, pending: PendingLogin) -> PendingLogin:
        """Step 1b: Shopee sends the link to the seller's phone. Returns the pending login with the
        masked phone number. Raises TooManyAttempts at Shopee's daily link limit."""
        body = {"v_token": pending.v_token, "request_id": pending.ivs_token}
        answer, cookies = self._main("ivs_link_verify", body, pending.cookies)
        self._ivs_error(answer)
        data = _dict(answer.get("data"), "link/verify")
        return PendingLogin.from_dict(
            pending.to_dict()
            | {
                "cookies": cookies,
                "r_token": _str(data, "r_token", "link/verify"),
                "phone_number": str(data.get("phone_number") or ""),
                "link_sent_at": self._clock(),
            }
        )

    def verification_confirm(self, pending: PendingLogin) -> SellerCentreSession:
        """Step 3: after the seller tapped the link. Raises LinkNotTapped (ask again later) or
        LinkExpired (send a new link); on success the Seller Centre session (no chat token yet)."""
        if not pending.r_token:
            raise LinkNotTapped("No verification link was sent yet.")
        status, cookies = self._main("ivs_link_status", {"r_token": pending.r_token}, pending.cookies)
        self._ivs_error(status)
        link_status = _int(_dict(status.get("data"), "link/get_status").get("link_status"))
        # (an unknown link_status is InterfaceChanged below)
        if link_status == LINK_PENDING:
            raise LinkNotTapped()
        if link_status == LINK_FAILED:
            raise LinkExpired()
        if link_status != LINK_APPROVED:
            raise InterfaceChanged(f"unknown link_status {link_status!r} from link/get_status")
        body = {
            "method_name": 5,
            "event": 1,
            "u_token": pending.ivs_token,
            "r_token": pending.r_token,
            "v_token": pending.v_token,
            "misc": {"operation": 0},
        }
        verified, cookies = self._main("ivs_token_verify", body, cookies)
        if _error_code(verified, "token/verify") != 0 or not verified.get("signature"):
            raise LinkExpired("Shopee did not accept the verification; send a new link.")
        body = {
            "is_user_login": True,
            "is_web": True,
            "ivs_flow_no": pending.ivs_flow_no,
            "ivs_signature": verified["signature"],
            "ivs_method": 5,
        }
        logged_in, cookies = self._main("login_ivs", body, cookies)
        if _error_code(logged_in, "login_ivs") != 0:
            raise LoginError(f"Shopee refused the verified login: {logged_in.get('error_msg') or ''}".strip())
        return self._seller_session(cookies, pending.device_id)

    def _seller_session(self, cookies: dict[str, str], device_id: str) -> SellerCentreSession:
        """GET seller/api/v2/login/: the Seller Centre cookies and who we are."""
        raw = self._login_http.request(
            shop_key="",
            method="GET",
            url=self.seller_url + self.paths["seller_login"],
            headers={"Accept": "application/json"},
            cookies=cookies,
            body=None,
            timeout=self.timeout,
        )
        if raw.status in (400, 401, 403):
            raise SessionExpired("Seller Centre did not accept the login session", http_status=raw.status)
        answer = self._json(raw, "seller_login")
        if _int(answer.get("errcode")) is None:
            raise InterfaceChanged("Seller Centre's login answer has no errcode")
        if _int(answer.get("errcode")) != 0:
            raise SessionExpired(f"Seller Centre login answered errcode {answer.get('errcode')!r}")
        return SellerCentreSession(
            shop_id=_id(answer, "shopid", "seller_login"),
            user_id=_id(answer, "id", "seller_login"),
            device_id=device_id,
            cookies=cookies | raw.cookies,
            logged_in_at=self._clock(),
        )

    # -- chat --------------------------------------------------------------------------------------

    def chat_login(self, session: SellerCentreSession) -> SellerCentreSession:
        """The chat token for this session (no refresh call exists: call again after SessionExpired)."""
        query = {"csrf_token": session.cookies.get("CTOKEN", ""), "source": "sc", "_api_source": "sc"}
        raw = self._chat_raw(session, "POST", self.paths["chat_login"], query, {}, bearer=False)
        answer = self._chat_json(raw, "chat_login")
        if not isinstance(answer, dict) or not isinstance(answer.get("token"), str) or not answer["token"]:
            raise InterfaceChanged("the chat login answer has no token")
        shop = _dict(answer.get("shop"), "chat_login")
        if str(shop.get("id")) != session.shop_id:
            raise InterfaceChanged("the chat login answered for another shop")
        return SellerCentreSession.from_dict(session.to_dict() | {"chat_token": answer["token"]})

    def user_sync(self, session: SellerCentreSession) -> SyncSignal:
        """The cheap signal: `have_new_msg` (something arrived since this login last asked) and
        the unread count. One call; public clients poll it every 5 s per shop and fetch the
        conversations only when it says so (docs/SELLERCENTRE.md)."""
        answer = self._chat(session, "POST", self.paths["user_sync"], {}, None, "user_sync")
        answer = _dict(answer, "user_sync")
        have_new = answer.get("have_new_msg")
        if not isinstance(have_new, bool | int):
            raise InterfaceChanged("Shopee's user_sync answer has no have_new_msg")
        unread = _int(answer.get("unread_count", answer.get("unread_message_count")))
        return SyncSignal(have_new_msg=bool(have_new), unread_count=unread)

    def conversation_list(
        self, session: SellerCentreSession, *, before: str | None = None, unread_only: bool = False
    ) -> WebConversationPage:
        """One page of conversations, newest first. `before` is the previous page's `next_cursor`."""
        body: dict[str, Any] = {
            "direction": "older",
            "biz_id": 0,
            "on_message_received": True,
            "next_timestamp_nano": before or "0",
        }
        if unread_only:
            body["type"] = "unread"
        rows = self._chat(session, "POST", self.paths["conversations"], {}, body, "conversations")
        conversations = [_conversation(row) for row in _list(rows, "conversations")]
        cursor = (
            str(rows[-1].get("next_timestamp_nano") or conversations[-1].last_message_nano) if rows else None
        )
        return WebConversationPage(conversations=conversations, next_cursor=cursor)

    def conversations_since(
        self, session: SellerCentreSession, *, since_nano: int = 0, max_pages: int = 20
    ) -> tuple[list[WebConversation], int]:
        """The conversations with a message after `since_nano`, newest first, and the new mark to
        store. When nothing changed this costs one call."""
        changed: list[WebConversation] = []
        mark = since_nano
        before = None
        for _ in range(max_pages):
            page = self.conversation_list(session, before=before)
            fresh = [c for c in page.conversations if c.last_message_nano > since_nano]
            changed += fresh
            mark = max([mark, *(c.last_message_nano for c in fresh)])
            if len(fresh) < len(page.conversations) or page.next_cursor is None or not page.conversations:
                break
            before = page.next_cursor
        return changed, mark

    def message_list(
        self, session: SellerCentreSession, conversation_id: str, *, offset: int = 0, limit: int = 20
    ) -> list[WebMessage]:
        """Messages of a conversation, newest first; the next older page is `offset + limit`."""
        path = self.paths["messages"].format(conversation_id=quote(str(conversation_id)))
        query = {"shop_id": session.shop_id, "offset": offset, "limit": limit, "direction": "older"}
        rows = self._chat(session, "GET", path, query, None, "messages")
        return [_message(row, session) for row in _list(rows, "messages")]

    def message_find(
        self,
        session: SellerCentreSession,
        conversation_id: str,
        request_id: str,
        *,
        text: str | None = None,
        sent_after: int | None = None,
        pages: int = 3,
    ) -> WebMessage | None:
        """The message sent with `request_id` (our idempotency key), looking through the newest
        `pages` pages: the in-doubt check after a send whose answer was lost.

        Fallback, only when no seller message in those pages carries any `request_id` (an
        interface that stopped echoing it): the seller's message with exactly `text`, created at or
        after `sent_after` (unix seconds)."""
        limit = 20
        seen: list[WebMessage] = []
        for page in range(pages):
            messages = self.message_list(session, conversation_id, offset=page * limit, limit=limit)
            found = next((m for m in messages if m.request_id == request_id), None)
            if found is not None:
                return found
            seen += messages
            if len(messages) < limit:
                break
        echoes = any(m.request_id for m in seen if not m.from_buyer)
        if text is None or sent_after is None or echoes:
            return None
        return next(
            (m for m in seen if not m.from_buyer and m.text == text and m.created_timestamp >= sent_after),
            None,
        )

    def conversation_with(
        self, session: SellerCentreSession, buyer_id: str, *, since_nano: int = 0, max_pages: int = 20
    ) -> WebConversation | None:
        """The shop's conversation with `buyer_id`, looking newest first through the conversations
        with a message after `since_nano` (None: there is none). Costs one call per page read."""
        before = None
        for _ in range(max_pages):
            page = self.conversation_list(session, before=before)
            for conversation in page.conversations:
                if conversation.buyer_id == str(buyer_id):
                    return conversation
                if conversation.last_message_nano < since_nano:
                    return None  # older than `since_nano` from here on
            if page.next_cursor is None or not page.conversations:
                return None
            before = page.next_cursor
        return None

    def message_send(
        self,
        session: SellerCentreSession,
        *,
        to_id: str,
        conversation_id: str | None = None,
        text: str | None = None,
        request_id: str,
        order_sn: str | None = None,
        message_type: str = "text",
        content: Mapping[str, Any] | None = None,
    ) -> WebMessage:
        """Send a message to a buyer: a text (`text=`), or another `message_type` with its web-chat
        `content` (`image_content`, `product_content`). `request_id` is the caller's idempotency
        key: Shopee's message list echoes it. Without `conversation_id` (a buyer who never chatted
        with the shop) the message goes by `to_id` alone, as older public clients send every
        message [2]; whether Seller Centre still takes that is not verified (docs/SELLERCENTRE.md).
        The answer's `conversation_id` says where it went; an answer without one is looked up in
        the conversation list. Chat rules (600 characters, 5 in a row, first message needs an
        order, buyer not reachable) raise PlatformRule."""
        if not request_id:
            raise ValueError("request_id (the idempotency key) is required")
        body: dict[str, Any] = {
            "request_id": str(request_id),
            "to_id": int(to_id),
            "type": message_type,
            "content": dict(content) if content is not None else {"text": text or ""},
            "chat_send_option": {
                "force_send_cancel_order_warning": False,
                "comply_cancel_order_warning": False,
            },
            "shop_id": int(session.shop_id),
            "biz_id": 0,
        }
        if conversation_id:
            body["conversation_id"] = str(conversation_id)
        if order_sn:
            body["source_content"] = {"order_sn": order_sn}
        row = _dict(self._chat(session, "POST", self.paths["send"], {}, body, "send"), "send")
        if not row.get("conversation_id"):
            conversation = conversation_id or self._conversation_id_of(session, to_id)
            row = {**row, "conversation_id": conversation}
        return _message(row, session)

    def image_upload(
        self,
        session: SellerCentreSession,
        *,
        data: bytes,
        filename: str,
        content_type: str,
        conversation_id: str | None = None,
    ) -> dict[str, Any]:
        """Upload the picture of an image message (multipart `file` [2+], `conversation_id` as the
        newest public client sends it [1]). Returns the flat answer [2+]: `url`, `thumbnail`, and
        where given `thumb_width`, `thumb_height`, `file_server_id` [1]; `url_hash` is the url's
        last path segment. An answer without `url` is a failure [1]: InterfaceChanged."""
        fields = {"conversation_id": str(conversation_id)} if conversation_id else {}
        body, boundary = _multipart(fields, ("file", filename, content_type, data))
        raw = self._chat_raw(
            session,
            "POST",
            self.paths["image_upload"],
            {"shop_id": session.shop_id},
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        answer = _dict(self._chat_json(raw, "image upload"), "image upload")
        url = answer.get("url")
        if not isinstance(url, str) or not url:
            raise InterfaceChanged("Shopee's image upload answer has no url")
        return {
            "url": url,
            "thumbnail": str(answer.get("thumbnail") or url),
            "thumb_width": _int(answer.get("thumb_width")) or 0,
            "thumb_height": _int(answer.get("thumb_height")) or 0,
            "file_server_id": _int(answer.get("file_server_id")) or 0,
            "url_hash": url.rstrip("/").rsplit("/", 1)[-1],
        }

    def _conversation_id_of(self, session: SellerCentreSession, buyer_id: str) -> str:
        """Where a message just sent to `buyer_id` went, when the send's answer did not say.
        Shopee took the message, so whatever goes wrong here is Transient: the caller keeps the
        message in doubt and finds it later by its request_id, never sending it again blindly."""
        try:
            conversation = self.conversation_with(session, buyer_id, max_pages=1)
        except ShopeeError as exc:
            raise Transient(f"sent, but finding its conversation failed: {exc}") from exc
        if conversation is None:
            raise Transient("sent, but the send's answer has no conversation_id and the list shows none yet")
        return conversation.conversation_id

    def conversation_read(
        self, session: SellerCentreSession, *, conversation_id: str, last_read_message_id: str
    ) -> None:
        path = self.paths["read"].format(conversation_id=quote(str(conversation_id)))
        body = {"last_read_message_id": str(last_read_message_id), "shop_id": int(session.shop_id)}
        self._chat(session, "PUT", path, {}, body, "read")

    # -- plumbing ----------------------------------------------------------------------------------

    def _main(
        self, name: str, body: Mapping[str, Any], cookies: dict[str, str]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """A JSON POST to the main site's account / anti-fraud API; the answer and the new cookies."""
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "x-api-source": "pc",
            "x-requested-with": "XMLHttpRequest",
            "x-csrftoken": cookies.get("csrftoken", ""),
        }
        raw = self._login_http.request(
            shop_key="",
            method="POST",
            url=self.main_url + self.paths[name],
            headers=headers,
            cookies=cookies,
            body=json.dumps(body),
            timeout=self.timeout,
        )
        return self._json(raw, name), cookies | raw.cookies

    def _ivs_error(self, answer: dict[str, Any]) -> None:
        code = _error_code(answer, "verification")
        if code == 0:
            return
        if code == IVS_LINK_LIMIT:
            raise TooManyAttempts(code=str(code))
        if code == IVS_BAD_LINK:
            raise LinkExpired(code=str(code))
        raise LoginError(f"Shopee's verification refused the step (code {code}).", code=str(code))

    def _json(self, raw: RawResponse, name: str) -> Any:
        """The body of a login-step answer, or the typed error its status says."""
        _raise_for_status(raw, name)
        try:
            return _dict(json.loads(raw.text), name)
        except ValueError:
            raise InterfaceChanged(f"Shopee's {name} answer is not JSON (HTTP {raw.status})") from None

    def _chat_raw(
        self,
        session: SellerCentreSession,
        method: str,
        path: str,
        query: Mapping[str, Any],
        body: Mapping[str, Any] | bytes | None,
        *,
        bearer: bool = True,
        content_type: str = "application/json",
    ) -> RawResponse:
        """`body`: a JSON object, or bytes already encoded as `content_type` (an upload)."""
        headers = {"Accept": "application/json", "Content-Type": content_type}
        if bearer:
            if not session.chat_token:
                raise SessionExpired("no chat token: call chat_login first")
            headers["Authorization"] = f"Bearer {session.chat_token}"
            query = {
                "_uid": f"0-{session.user_id}",
                "_v": self.client_version,
                "csrf_token": session.cookies.get("CTOKEN", ""),
                "_api_source": "sc",
                **query,
            }
        url = self.seller_url + path + ("?" + urlencode(query) if query else "")
        return self.signer.request(
            shop_key=session.shop_id,
            method=method,
            url=url,
            headers=headers,
            cookies=session.cookies,
            body=json.dumps(body) if isinstance(body, Mapping) else body,
            timeout=self.timeout,
        )

    def _chat(
        self,
        session: SellerCentreSession,
        method: str,
        path: str,
        query: Mapping[str, Any],
        body: Mapping[str, Any] | None,
        name: str,
    ) -> Any:
        return self._chat_json(self._chat_raw(session, method, path, query, body), name)

    def _chat_json(self, raw: RawResponse, name: str) -> Any:
        _raise_for_status(raw, name)
        try:
            answer = json.loads(raw.text) if raw.text.strip() else {}
        except ValueError:
            raise InterfaceChanged(f"Shopee's chat {name} answer is not JSON (HTTP {raw.status})") from None
        if isinstance(answer, dict) and (
            answer.get("error") not in (None, 0, "", "0")
            or answer.get("error_code") not in (None, 0, "", "0", "success")
        ):
            # Some Shopee web calls refuse with HTTP 200 and an error in the body.
            _raise_for_status(RawResponse(400, raw.text, raw.headers), name)
        return answer


def _raise_for_status(raw: RawResponse, name: str) -> None:
    status = raw.status
    if status < 400:
        return
    try:
        payload = json.loads(raw.text)
    except ValueError:
        payload = None
    payload = payload if isinstance(payload, dict) else {}
    # Most web-chat refusals carry `error`; the upload's carry `error_code` [1].
    code = payload.get("error") or payload.get("error_code")
    message = str(payload.get("message") or payload.get("error_msg") or "")
    if _int(code) == ANTI_BOT:
        raise AntiBotRefused(
            "Shopee's anti-bot check refused the call: it needs the Seller Centre page's signature "
            "(signing 'page').",
            code=str(ANTI_BOT),
            http_status=status,
        )
    if status == 429:
        wait = raw.headers.get("retry-after", "")
        retry_after = float(wait) if wait.replace(".", "", 1).isdigit() else 1.0
        raise RateLimited(
            message or "rate limited", retry_after=retry_after, code=str(code or ""), http_status=status
        )
    if status >= 500:
        raise Transient(
            message or f"HTTP {status} from Seller Centre {name}", code=str(code or ""), http_status=status
        )
    if status == 401:
        raise SessionExpired(message or "the Seller Centre session or chat token expired", http_status=status)
    if status == 404:
        raise InterfaceChanged(f"Seller Centre has no {name} call any more (HTTP 404)", http_status=status)
    if isinstance(code, str) and code:
        error = error_for(code, message, http_status=status)
        if isinstance(error, (PlatformRule, AuthError)) or status == 400:
            raise error
    if status == 403:
        raise SessionExpired(message or "Seller Centre refused the session (HTTP 403)", http_status=status)
    raise InterfaceChanged(f"unexpected HTTP {status} from Seller Centre {name}", http_status=status)


# -- shapes ------------------------------------------------------------------------------------------


def _multipart(fields: Mapping[str, str], file: tuple[str, str, str, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body of `fields` and one file (field name, filename, type, bytes)."""
    boundary = "----tmschat" + secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    name, filename, content_type, data = file
    safe = filename.replace('"', "").replace("\r", "").replace("\n", "") or "image"
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{safe}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def _account_kind(account: str) -> str:
    if "@" in account:
        return "email"
    if account.lstrip("+").isdigit():
        return "phone"
    return "username"


def _error_code(answer: dict[str, Any], name: str) -> int:
    """The main site's numeric `error` (0 = success); its absence means another interface."""
    code = _int(answer.get("error"))
    if code is None:
        raise InterfaceChanged(f"Shopee's {name} answer has no error code")
    return code


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _dict(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InterfaceChanged(f"Shopee's {name} answer is not an object")
    return value


def _list(value: Any, name: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InterfaceChanged(f"Shopee's {name} answer is not a list")
    return value


def _str(data: dict[str, Any], key: str, name: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InterfaceChanged(f"Shopee's {name} answer has no {key}")
    return value


def _id(data: dict[str, Any], key: str, name: str) -> str:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise InterfaceChanged(f"Shopee's {name} answer has no {key}")
    return str(value)


def _conversation(row: dict[str, Any]) -> WebConversation:
    try:
        content = row.get("latest_message_content") or {}
        return WebConversation(
            conversation_id=_id(row, "id", "conversations"),
            buyer_id=_id(row, "to_id", "conversations"),
            buyer_name=str(row.get("to_name") or ""),
            unread_count=int(row.get("unread_count") or 0),
            last_message_id=str(row.get("latest_message_id") or ""),
            last_message_type=str(row.get("latest_message_type") or ""),
            last_message_text=str(content.get("text") or "") if isinstance(content, dict) else "",
            last_message_from_buyer=str(row.get("latest_message_from_id")) == str(row.get("to_id")),
            last_message_nano=int(row["last_message_time_nano"]),
            last_read_message_id=str(row.get("last_read_message_id") or ""),
            raw=row,
        )
    except (KeyError, TypeError, ValueError):
        raise InterfaceChanged("a conversation in Shopee's answer lacks its fields") from None


def _message(row: dict[str, Any], session: SellerCentreSession) -> WebMessage:
    try:
        content = row["content"]
        if not isinstance(content, dict):
            raise TypeError
        return WebMessage(
            message_id=_id(row, "id", "messages"),
            conversation_id=_id(row, "conversation_id", "messages"),
            request_id=str(row.get("request_id") or ""),
            from_buyer=str(row.get("from_id")) != session.user_id,
            from_id=str(row["from_id"]),
            to_id=str(row["to_id"]),
            message_type=str(row["type"]),
            content=content,
            created_timestamp=int(row["created_timestamp"]),
            raw=row,
        )
    except (KeyError, TypeError, ValueError):
        raise InterfaceChanged("a message in Shopee's answer lacks its fields") from None

"""Plain, serialisable state and typed results of the Seller Centre client.

`SellerCentreSession` and `PendingLogin` hold secrets (cookies, tokens): the caller stores
`to_dict()` encrypted and rebuilds with `from_dict()`. Every id is a string.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


def _from(cls, data: dict[str, Any]):
    known = {f.name for f in fields(cls)}
    return cls(**{key: value for key, value in data.items() if key in known})


@dataclass
class SellerCentreSession:
    """A logged-in seller: the cookies Shopee set, and the chat token once `chat_login` ran."""

    shop_id: str
    user_id: str
    device_id: str
    cookies: dict[str, str] = field(repr=False)
    chat_token: str = field(default="", repr=False)
    logged_in_at: float = 0.0  # unix seconds, the caller's clock

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SellerCentreSession:
        return _from(cls, data)


@dataclass
class PendingLogin:
    """A password login waiting for the phone link (steps 1–3 of 聊聊登入認證)."""

    account: str
    device_id: str
    cookies: dict[str, str] = field(repr=False)
    ivs_flow_no: str = field(repr=False)
    ivs_token: str = field(repr=False)
    v_token: str = field(default="", repr=False)
    r_token: str = field(default="", repr=False)  # set once the link was sent
    phone_number: str = ""  # masked, as Shopee shows it: "+886 9***78"
    link_sent_at: float | None = None

    @property
    def link_sent(self) -> bool:
        return bool(self.r_token)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PendingLogin:
        return _from(cls, data)


@dataclass(frozen=True, slots=True)
class WebConversation:
    conversation_id: str
    buyer_id: str
    buyer_name: str
    unread_count: int
    last_message_id: str
    last_message_type: str
    last_message_text: str  # "" for non-text messages
    last_message_from_buyer: bool
    last_message_nano: int  # the paging cursor: nanoseconds
    last_read_message_id: str
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class WebConversationPage:
    conversations: list[WebConversation]  # newest first
    next_cursor: str | None  # pass back as `before`; None when this page was the last


@dataclass(frozen=True, slots=True)
class WebMessage:
    message_id: str
    conversation_id: str
    request_id: str  # the sender's idempotency key, echoed by the message list ("" if none)
    from_buyer: bool
    from_id: str
    to_id: str
    message_type: str
    content: dict[str, Any]
    created_timestamp: int  # unix seconds
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def text(self) -> str:
        return str(self.content.get("text") or "") if self.message_type == "text" else ""


@dataclass(frozen=True, slots=True)
class SyncSignal:
    """Seller Centre's cheap signal (user/sync): whether anything new arrived since this login
    last asked, and the unread count (None when the answer has none)."""

    have_new_msg: bool
    unread_count: int | None

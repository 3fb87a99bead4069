"""Everything the sandbox remembers, as plain dataclasses that round-trip through JSON.

Ids Shopee sends as strings are strings here too; buyer and seller user ids are ints as in the API.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_VERSION = 1
MESSAGE_ID_BASE = 2_050_000_000_000_000_000  # 19-digit ids like Shopee's


@dataclass
class Shop:
    shop_id: str
    account: str  # the seller's login (帳號), e.g. "ktmst"
    password: str
    name: str  # the shop's name (帳號名稱)
    region: str = "TW"
    user_id: int = 0  # the seller's own user id: from_id of the shop's chat messages
    auth_time: int | None = None  # set while the partner app is authorized
    expire_time: int | None = None
    grant: int = 0  # bumped by revoke / password change: tokens of an older grant stop working

    def authorized(self, now: float) -> bool:
        return self.expire_time is not None and now < self.expire_time


@dataclass
class AccessToken:
    token: str
    shop_id: str
    expires_at: int
    grant: int


@dataclass
class RefreshToken:
    token: str
    shop_id: str
    expires_at: int
    grant: int
    used: bool = False


@dataclass
class AuthCode:
    code: str
    shop_id: str
    expires_at: int
    used: bool = False


@dataclass
class Buyer:
    buyer_id: int
    username: str


@dataclass
class Order:
    order_sn: str
    shop_id: str
    buyer_id: int
    buyer_username: str
    status: str
    channel_id: int
    create_time: int
    update_time: int
    items: list[dict[str, Any]]  # {item_id, item_name, model_id, model_name, quantity, price}
    total_amount: float  # TWD, shipping included
    shipping_fee: int
    recipient: dict[str, str]  # name, phone, town, district, city, state, region, zipcode, full_address
    package_number: str
    tracking_number: str = ""
    pay_time: int | None = None
    payment_method: str = "信用卡"
    cod: bool = False
    message_to_seller: str = ""
    note: str = ""
    days_to_ship: int = 2
    cancel_by: str = ""
    cancel_reason: str = ""
    pickup_done_time: int = 0


@dataclass
class Message:
    message_id: str
    conversation_id: str
    shop_id: str
    buyer_id: int
    from_buyer: bool
    # "buyer" | "api" (send_message) | "seller_centre" (typed in Seller Centre by a person)
    # | "webchat" (sent through the Seller Centre web-chat API: a delivery, like "api")
    origin: str
    message_type: str
    content: dict[str, Any]
    created_ns: int
    source_content: dict[str, Any] = field(default_factory=dict)
    request_id: str = ""  # the sender's idempotency key (Seller Centre web chat echoes it)
    # Shopee's message status: normal, auto_reply, offwork_autoreply, … (SHOPEE_API.md §6.4)
    status: str = "normal"


@dataclass
class Upload:
    """A picture uploaded for an image message (or sent by a buyer), served at /file/<url_hash>."""

    url_hash: str
    shop_id: str
    content_type: str
    size: int
    width: int
    height: int
    data: str  # base64: the state file is JSON
    created_ns: int
    via: str  # "open_platform" | "seller_centre" | "buyer"


@dataclass
class Conversation:
    conversation_id: str
    shop_id: str
    buyer_id: int
    message_ids: list[str] = field(default_factory=list)
    unread_count: int = 0
    last_read_message_id: str = "0"
    pinned: bool = False


@dataclass
class Push:
    push_id: int
    code: int
    shop_id: str | None
    body: str  # the exact JSON text POSTed; the signature covers these bytes
    timestamp: int
    attempts: int = 0
    next_attempt_at: float = 0.0  # time.time() of the next delivery try
    state: str = "pending"  # pending | delivered | failed
    lost: bool = False  # not acknowledged at the first try: listed by get_lost_push_message
    confirmed: bool = False
    last_error: str = ""


@dataclass
class DocumentJob:
    order_sn: str
    document_type: str
    polls: int = 0
    created_at: float = 0.0  # sandbox clock at create_shipping_document


@dataclass
class ScSession:
    """A Seller Centre login session (cookie SPC_EC / SPC_SC_TK) and its chat token."""

    token: str
    shop_id: str
    device_id: str
    created_at: float
    expires_at: float
    password: str  # the password it was made with: a password change ends the session
    csrf: str = ""  # CTOKEN cookie, the chat `csrf_token`
    sign_key: str = ""  # what the signed chat page's script signs with
    chat_token: str = ""
    revoked: bool = False
    # The cheap signal (user/sync): the newest message of the shop this session was told of.
    sync_mark_ns: int = 0


@dataclass
class ScFlow:
    """One link verification (IVS) in progress, keyed by its ivs_token."""

    ivs_token: str
    flow_no: str
    shop_id: str
    device_id: str
    created_at: float
    v_token: str = ""
    r_token: str = ""
    short_token: str = ""  # the token in the link sent to the phone
    link_sent_at: float = 0.0
    link_status: int = 0  # 0 none, 1 pending, 2 approved (tapped), 4 failed
    signature: str = ""
    used: bool = False


@dataclass
class World:
    clock_offset: float = 0.0  # seconds added to the real clock (shift_clock)
    shops: dict[str, Shop] = field(default_factory=dict)
    buyers: dict[str, Buyer] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    pushes: list[Push] = field(default_factory=list)
    documents: dict[str, DocumentJob] = field(default_factory=dict)
    sc_sessions: dict[str, ScSession] = field(default_factory=dict)
    sc_flows: dict[str, ScFlow] = field(default_factory=dict)
    sc_trusted_devices: dict[str, list[str]] = field(default_factory=dict)  # shop_id -> device ids
    uploads: dict[str, Upload] = field(default_factory=dict)
    message_counter: int = 0
    push_counter: int = 0
    last_ns: int = 0

    # -- clock and ids --------------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.clock_offset

    def now_s(self) -> int:
        return int(self.now())

    def next_ns(self) -> int:
        """A nanosecond timestamp unique across the sandbox, so chat cursors never tie."""
        self.last_ns = max(int(self.now() * 1e9), self.last_ns + 1)
        return self.last_ns

    def next_message_id(self) -> str:
        self.message_counter += 1
        return str(MESSAGE_ID_BASE + self.message_counter)

    def next_push_id(self) -> int:
        self.push_counter += 1
        return self.push_counter

    @staticmethod
    def new_token() -> str:
        return secrets.token_hex(16)

    # -- lookups ----------------------------------------------------------------------------------

    def shop_by_account(self, account: str) -> Shop | None:
        return next((shop for shop in self.shops.values() if shop.account == account), None)

    def conversation_between(self, shop_id: str, buyer_id: int) -> Conversation | None:
        return next(
            (c for c in self.conversations.values() if c.shop_id == shop_id and c.buyer_id == buyer_id),
            None,
        )

    # -- JSON -------------------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps({"version": STATE_VERSION, "world": asdict(self)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> World:
        data = json.loads(text)
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"state file version {data.get('version')!r} is not {STATE_VERSION}")
        raw = data["world"]

        def table(name: str, kind: type) -> dict[str, Any]:
            return {key: kind(**value) for key, value in raw.get(name, {}).items()}

        return cls(
            clock_offset=raw.get("clock_offset", 0.0),
            shops=table("shops", Shop),
            buyers=table("buyers", Buyer),
            orders=table("orders", Order),
            conversations=table("conversations", Conversation),
            messages=table("messages", Message),
            access_tokens=table("access_tokens", AccessToken),
            refresh_tokens=table("refresh_tokens", RefreshToken),
            codes=table("codes", AuthCode),
            pushes=[Push(**value) for value in raw.get("pushes", [])],
            documents=table("documents", DocumentJob),
            sc_sessions=table("sc_sessions", ScSession),
            sc_flows=table("sc_flows", ScFlow),
            sc_trusted_devices={k: list(v) for k, v in raw.get("sc_trusted_devices", {}).items()},
            uploads=table("uploads", Upload),
            message_counter=raw.get("message_counter", 0),
            push_counter=raw.get("push_counter", 0),
            last_ns=raw.get("last_ns", 0),
        )


def load_state_file(path: Path) -> World:
    """The world saved in `path`; ValueError naming the file when it is not a sandbox state."""
    try:
        return World.from_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"{path} is not a readable sandbox state file ({type(exc).__name__}: {exc}); "
            "move it away to start afresh"
        ) from None


def write_atomically(path: Path, text: str) -> None:
    """Write a complete new file, then swap it in: a crash mid-write leaves the previous file
    intact, and the data is on disk before the swap (fsync) so a power cut cannot leave it empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)

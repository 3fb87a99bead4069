"""Typed results of the Shopee client. Every id is a string (int64 values exceed float precision)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class TokenPair:
    """A shop's tokens. The refresh token is single-use: store the new pair before using it."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expire_in: int  # access-token lifetime in seconds (14400 = 4 h)
    shop_id: str


@dataclass(frozen=True, slots=True)
class AuthorizedShop:
    """A shop that authorized our partner app, and until when (unix seconds)."""

    shop_id: str
    region: str
    auth_time: int
    expire_time: int


@dataclass(frozen=True, slots=True)
class ConversationPage:
    conversations: list[dict[str, Any]]
    more: bool
    next_timestamp_nano: str | None  # pass back as `next_timestamp_nano` for the next page


@dataclass(frozen=True, slots=True)
class MessagePage:
    messages: list[dict[str, Any]]  # newest first
    next_offset: str | None  # None when there are no older messages


@dataclass(frozen=True, slots=True)
class ShippingDocument:
    """A printable shipping label: PDF, HTML (Taiwan convenience-store and C2C channels) or ZIP."""

    content: bytes = field(repr=False)
    content_type: str


@dataclass(frozen=True, slots=True)
class Push:
    """One push from Shopee (live or recovered as lost). `shop_id` is None for partner-level pushes
    that name no single shop (e.g. code 12, authorization about to expire)."""

    code: int
    shop_id: str | None
    timestamp: int
    data: dict[str, Any]
    msg_id: str | None = None


@dataclass(frozen=True, slots=True)
class LostPushPage:
    """Up to 100 pushes Shopee failed to deliver; confirm with `last_message_id` once stored."""

    messages: list[Push]
    has_next_page: bool
    last_message_id: str | None

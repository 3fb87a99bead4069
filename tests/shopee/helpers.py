"""Helpers of the sandbox tests (fixtures: conftest.py): the test partner, a signed raw-HTTP
caller (requests + shopee.signing, not the product's client) and what the push receiver keeps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import requests

from shopee import signing

PARTNER_ID = 2001887
PARTNER_KEY = "shpk-test-partner-key-商店"  # non-ASCII on purpose
PUSH_KEY = "push-key-separate-from-partner-key"


class Caller:
    """Signs and sends one Shopee call at a time, exactly as documented."""

    def __init__(self, base_url: str, partner_id: int = PARTNER_ID, partner_key: str = PARTNER_KEY) -> None:
        self.base_url = base_url
        self.partner_id = partner_id
        self.partner_key = partner_key
        self.session = requests.Session()
        self.session.trust_env = False  # never a proxy for 127.0.0.1

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        shop_id: str | None = None,
        access_token: str | None = None,
        timestamp: int | None = None,
        sign: str | None = None,
        timeout: float = 5.0,
    ) -> requests.Response:
        timestamp = int(time.time()) if timestamp is None else timestamp
        query: dict[str, Any] = {"partner_id": self.partner_id, "timestamp": timestamp}
        if access_token is not None:
            query |= {"access_token": access_token, "shop_id": shop_id}
        query["sign"] = sign or signing.api_signature(
            self.partner_key, self.partner_id, path, timestamp, access_token, shop_id
        )
        query |= params or {}
        return self.session.request(
            method,
            self.base_url + path,
            params=query,
            json=body if method == "POST" else None,
            timeout=timeout,
        )

    def get_token(self, shop_id: str, code: str) -> requests.Response:
        body = {"code": code, "shop_id": int(shop_id), "partner_id": self.partner_id}
        return self.call("POST", "/api/v2/auth/token/get", body=body)

    def refresh(self, shop_id: str, refresh_token: str) -> requests.Response:
        body = {"refresh_token": refresh_token, "shop_id": int(shop_id), "partner_id": self.partner_id}
        return self.call("POST", "/api/v2/auth/access_token/get", body=body)

    def shop_session(self, shop_id: str, code: str) -> ShopSession:
        """Exchange an authorization code for the shop's tokens."""
        answer = self.get_token(shop_id, code).json()
        return self.with_tokens(shop_id, answer["access_token"], answer["refresh_token"])

    def with_tokens(self, shop_id: str, access_token: str, refresh_token: str) -> ShopSession:
        return ShopSession(self, shop_id, access_token, refresh_token)


@dataclass
class ShopSession:
    """A shop that authorized the app, with its current tokens."""

    caller: Caller
    shop_id: str
    access_token: str
    refresh_token: str

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.caller.call(
            "GET", path, params=params, shop_id=self.shop_id, access_token=self.access_token
        )

    def post(self, path: str, body: dict[str, Any], timeout: float = 5.0) -> requests.Response:
        return self.caller.call(
            "POST", path, body=body, shop_id=self.shop_id, access_token=self.access_token, timeout=timeout
        )

    def renewed(self) -> ShopSession:
        """The same shop with a fresh token pair (after the clock moved past the 4 hours)."""
        fresh = self.caller.refresh(self.shop_id, self.refresh_token).json()
        return self.caller.with_tokens(self.shop_id, fresh["access_token"], fresh["refresh_token"])


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushReceiver:
    """A stand-in for the product's push endpoint. `statuses` are answered in turn (then 204)."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

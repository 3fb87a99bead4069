"""Helpers of the chat sync, push and inbox tests: shops verified through the real flow on the
sandbox, buyers who write, and the sandbox's own view of a shop's chat (fixtures: conftest.py)."""

from __future__ import annotations

import itertools
import json

from accounts.models import Shop
from accounts.services import shop_verify
from shopee.signing import push_signature

# Worker processes started by these tests read this settings module (short sync lease).
WORKER_SETTINGS = "tests.chat.worker_settings"
BUYER_BASE = 700_000_000

_accounts = itertools.count(1)


def verified_shop(sandbox, user, name: str = "我的測試賣場", region: str = "SG") -> Shop:
    """A sandbox shop authorized by its seller and verified in the product (蝦皮API授權). By
    default non-TW, so its chat goes through the Open Platform (Shopee refuses TW sends there, §5.1)."""
    remote = sandbox.create_shop(account=f"sync{next(_accounts)}", password="pw", name=name, region=region)
    code = sandbox.authorize_code(remote["shop_id"])
    return shop_verify(shop=None, code=code, shop_id=remote["shop_id"], user=user)


def buyer_id(number: int) -> str:
    return str(BUYER_BASE + number)


def busy_chat(sandbox, shop: Shop, *, conversations: int = 60, long_messages: int = 70) -> None:
    """`conversations` buyers who wrote once or twice; the first one's conversation runs to
    `long_messages` messages (several pages), half of the seller's side typed in Seller Centre."""
    for number in range(conversations):
        sandbox.buyer_says(
            shop.shop_id, f"請問商品{number}還有貨嗎?", buyer_id=buyer_id(number), buyer_name=f"買家{number}"
        )
        if number % 3 == 0:
            sandbox.buyer_says(shop.shop_id, "謝謝 🙏", buyer_id=buyer_id(number))
    for turn in range(long_messages - 2):
        if turn % 2:
            sandbox.seller_centre_says(shop.shop_id, buyer_id(0), f"賣家中心回覆 {turn}")
        else:
            sandbox.buyer_says(shop.shop_id, f"第 {turn} 則", buyer_id=buyer_id(0))


def remote_chat(sandbox, shop: Shop) -> dict[str, dict]:
    """The sandbox's messages of the shop, by message id."""
    world = sandbox.state()
    return {mid: m for mid, m in world["messages"].items() if m["shop_id"] == shop.shop_id}


def remote_conversations(sandbox, shop: Shop) -> dict[str, dict]:
    world = sandbox.state()
    return {cid: c for cid, c in world["conversations"].items() if c["shop_id"] == shop.shop_id}


def api_calls(sandbox, path_end: str = "") -> int:
    return sum(row["count"] for row in sandbox.calls() if row["path"].endswith(path_end))


def pushes_to_server(sandbox, settings, base_url: str) -> str:
    """Point the sandbox's pushes at a running server of ours (live_server.url); returns the URL."""
    url = f"{base_url}/shopee/push/"
    settings.SHOPEE_PUSH_URL = url
    sandbox.configure(callback_url=url)
    return url


def signed(settings, body: dict | bytes) -> tuple[bytes, str]:
    """A push body and its Authorization header, as Shopee signs them."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return raw, push_signature(settings.SHOPEE_PUSH_KEY, settings.SHOPEE_PUSH_URL, raw)

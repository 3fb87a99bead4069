"""Helpers of the accounts tests (fixtures: conftest.py): the demo sellers, the seller's walk
through Shopee's pages, and our side of the round trip."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import requests
from django.test import Client
from django.urls import reverse

from accounts import chatlogin, services
from accounts.models import Shop

KTMST = {"shop_id": "242826267", "account": "ktmst", "password": "demo1234", "name": "我的測試賣場"}
TMSBABY = {"shop_id": "318990021", "account": "tmsbaby", "password": "baby5678", "name": "寶寶生活館"}


def sandbox_sellers(sandbox):
    """The demo sellers, known to the sandbox but not yet authorized. Outside Taiwan, so that chat
    goes through the Open Platform these tests are about (TW chat: the Seller Centre login,
    tests/chat/test_transport_sellercentre.py)."""
    for seller in (KTMST, TMSBABY):
        sandbox.create_shop(**seller, region="SG")
    return sandbox


def chat_login_in_sandbox(sandbox, shop: Shop, user, seller: dict) -> Shop:
    """The three steps of 聊聊登入認證 with `seller`'s own login (account, password, shop_id): the
    password, the tap on the phone, the second click."""
    chatlogin.chat_login_start(
        shop=shop, login_name=seller["account"], password=seller["password"], keep_password=True, user=user
    )
    sandbox.sc_tap_link(seller["shop_id"])
    return chatlogin.chat_login_confirm(shop=Shop.objects.get(pk=shop.pk), user=user)


def verify_in_sandbox(sandbox, shop: Shop | None, user, seller=KTMST) -> Shop:
    """What the callback does after the seller approved: the real service, a real code."""
    code = sandbox.authorize_code(seller["shop_id"])
    return services.shop_verify(shop=shop, code=code, shop_id=seller["shop_id"], user=user)


@dataclass
class ShopeePage:
    status: int
    html: str
    location: str = ""  # where Shopee sent the browser back to, once the seller decided

    @property
    def error(self) -> str:
        found = re.search(r'id="error"[^>]*>(.*?)</p>', self.html, re.S)
        return unescape(found.group(1)) if found else ""


def seller_at_shopee(
    authorization_url: str, *, account: str, password: str, decision: str = "approve"
) -> ShopeePage:
    """The seller on Shopee's authorization pages: sign in, confirm the phone link, decide."""
    http = requests.Session()
    page = http.get(authorization_url, timeout=10)
    base = authorization_url.split("/api/")[0].split("/auth?")[0]
    session = re.search(r'name="session" value="([^"]+)"', page.text).group(1)
    login = http.post(
        f"{base}/auth/login", data={"session": session, "account": account, "password": password}, timeout=10
    )
    if 'id="phone-form"' not in login.text:
        return ShopeePage(login.status_code, login.text)
    http.post(f"{base}/auth/phone", data={"session": session}, timeout=10)
    decided = http.post(
        f"{base}/auth/decide",
        data={"session": session, "decision": decision},
        allow_redirects=False,
        timeout=10,
    )
    return ShopeePage(decided.status_code, decided.text, decided.headers.get("Location", ""))


# -- our side of the round trip ------------------------------------------------------------------


def start(client: Client, shop: Shop | None = None) -> str:
    """Press [聊聊登入認證] (or "add a shop from Shopee"); returns Shopee's authorization URL."""
    url = reverse("accounts:verify", args=[shop.pk]) if shop else reverse("accounts:add_from_shopee")
    response = client.post(url)
    assert response.status_code == 302
    return response.url


def back_from_shopee(client: Client, location: str):
    assert location.startswith("http://testserver/shops/verify/callback/")
    return client.get(location, follow=True)


def flash(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])

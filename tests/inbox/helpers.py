"""Helpers of the inbox tests: reading the list and the pane as the browser gets them, and Taiwanese
shops verified through their Seller Centre login (chat's helpers: tests/chat/helpers.py)."""

from __future__ import annotations

import itertools
import re

from accounts import chatlogin
from accounts.models import Shop
from accounts.services import shop_create
from chat.models import Conversation

HTMX = {"HTTP_HX_REQUEST": "true"}

_accounts = itertools.count(1)


def buyers_listed(page) -> list[str]:
    """The buyers a list (a page, a fragment or its HTML) shows, top to bottom."""
    html = page if isinstance(page, str) else page.content.decode()
    return re.findall(r'class="conv-buyer">([^<]*)<', html)


def buyers_on_every_page(client, first) -> list[str]:
    """The buyers of a list's first page and of every page its infinite scroll loads after it."""
    seen = buyers_listed(first)
    more = re.search(r'hx-get="(/chat/list/more/[^"]+)"', first.content.decode())
    while more:
        page = client.get(more.group(1).replace("&amp;", "&"))
        seen += buyers_listed(page)
        more = re.search(r'hx-get="(/chat/list/more/[^"]+)"', page.content.decode())
    return seen


def list_poll_url(html: str) -> str:
    """Where the live list asks next for the rows that changed."""
    return re.search(r'hx-get="(/chat/list/changes/[^"]+)"', html).group(1).replace("&amp;", "&")


def pane(client, conversation: Conversation) -> str:
    """The conversation pane as the list's click loads it."""
    return client.get(f"/chat/c/{conversation.pk}/", **HTMX).content.decode()


def chat_login_verified(
    sandbox, user, *, region: str = "TW", keep_password: bool = True
) -> tuple[Shop, dict]:
    """A sandbox shop verified by its Seller Centre login (聊聊登入認證: the password, the link
    tapped on the phone, the second click); returns the shop and the sandbox's record of it."""
    remote = sandbox.create_shop(
        account=f"inbox{next(_accounts)}", password="pw", name="台灣賣場", region=region
    )
    shop = shop_create(name=remote["name"], account=remote["account"], salesperson=user)
    chatlogin.chat_login_start(
        shop=shop, login_name=remote["account"], password="pw", keep_password=keep_password, user=user
    )
    sandbox.sc_tap_link(remote["shop_id"])
    return chatlogin.chat_login_confirm(shop=Shop.objects.get(pk=shop.pk), user=user), remote

"""Fixtures of the outbox tests (helpers that are not fixtures: tests/outbox/helpers.py)."""

from __future__ import annotations

import itertools

import pytest

from accounts.models import Shop
from tests.outbox.helpers import verify

_accounts = itertools.count(1)


@pytest.fixture
def make_shop(sandbox, salesperson):
    """A shop on the sandbox, verified in the product, sending `rate` messages a second."""

    def make(name: str = "我的測試賣場", *, rate: float = 100.0) -> Shop:
        number = next(_accounts)
        # The Open Platform transport: a non-TW shop (Shopee refuses TW sends there, §5.1).
        remote = sandbox.create_shop(account=f"outbox{number}", password="pw", name=name, region="SG")
        shop = verify(sandbox, remote["shop_id"], salesperson)
        Shop.objects.filter(pk=shop.pk).update(send_rate_per_second=rate)
        shop.refresh_from_db()
        return shop

    return make


@pytest.fixture
def fast_outbox(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 0.05
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 0.2
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.SHOPEE_TIMEOUT_SECONDS = 0.5
    return settings


@pytest.fixture
def make_sc_shop(sandbox, salesperson):
    """A Taiwanese shop on the sandbox, verified by its Seller Centre login (聊聊登入認證: the
    password, the link tapped, the second click), on the session transport."""
    from accounts import chatlogin
    from accounts.services import shop_create

    def make(name: str = "台灣賣場", *, rate: float = 100.0) -> Shop:
        number = next(_accounts)
        remote = sandbox.create_shop(account=f"outboxtw{number}", password="pw", name=name)
        shop = shop_create(name=name, account=remote["account"], salesperson=salesperson)
        chatlogin.chat_login_start(
            shop=shop, login_name=remote["account"], password="pw", keep_password=True, user=salesperson
        )
        sandbox.sc_tap_link(remote["shop_id"])
        shop = chatlogin.chat_login_confirm(shop=Shop.objects.get(pk=shop.pk), user=salesperson)
        Shop.objects.filter(pk=shop.pk).update(send_rate_per_second=rate)
        shop.refresh_from_db()
        return shop

    return make

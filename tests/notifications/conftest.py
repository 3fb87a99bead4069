"""Fixtures of the notice tests: shops verified on the sandbox (helpers: helpers.py)."""

from __future__ import annotations

import pytest

from tests.outbox.helpers import verify


@pytest.fixture
def shop(make_shop):
    return make_shop(rate=1000.0)


@pytest.fixture
def tw_shop(make_sc_shop, sandbox, salesperson):
    """A Taiwanese shop: chat through its Seller Centre login, orders through the Open Platform."""
    shop = make_sc_shop(rate=1000.0)
    shop = verify(sandbox, shop.shop_id, salesperson, shop=shop)
    assert shop.uses_seller_centre and shop.api_authorized
    return shop

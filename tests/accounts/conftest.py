"""Fixtures of the accounts tests (helpers: tests/accounts/helpers.py)."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import sandbox_sellers, verify_in_sandbox
from tests.factories import ShopFactory


@pytest.fixture
def sandbox_shops(sandbox):
    return sandbox_sellers(sandbox)


@pytest.fixture
def shop(salesperson):
    """A shop account staff typed in, never verified."""
    return ShopFactory(name="測試賣場", customer="TMS獲利王", salesperson=salesperson)


@pytest.fixture
def verified_shop(sandbox_shops, shop, salesperson):
    return verify_in_sandbox(sandbox_shops, shop, salesperson)

"""Fixtures of the order-book tests (their helpers are in tests/book/helpers.py)."""

from __future__ import annotations

import pytest

from accounts.models import Shop
from tests.chat.helpers import verified_shop


@pytest.fixture(name="shop")
def shop_fixture(sandbox, salesperson) -> Shop:
    """The salesperson's shop, verified on the sandbox."""
    return verified_shop(sandbox, salesperson)

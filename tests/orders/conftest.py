"""Fixtures of the order download, table and Excel tests: a shop verified on the sandbox and the
days orders are seeded on (helpers: helpers.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.chat.helpers import verified_shop
from tests.orders.helpers import TAIPEI


@pytest.fixture
def shop(sandbox, salesperson):
    return verified_shop(sandbox, salesperson, region="TW")  # Taiwan's buyer masking applies


@pytest.fixture
def today():
    return datetime.now(TAIPEI).date()


@pytest.fixture
def order_day(today):
    return today - timedelta(days=2)

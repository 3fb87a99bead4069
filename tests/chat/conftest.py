"""Fixtures of the chat tests (helpers that are not fixtures: tests/chat/helpers.py)."""

from __future__ import annotations

import pytest

from accounts.models import Shop
from tests.chat.helpers import verified_shop


@pytest.fixture
def shop(sandbox, salesperson) -> Shop:
    return verified_shop(sandbox, salesperson)


@pytest.fixture
def pushes_to(sandbox, settings):
    """Point the sandbox's pushes at a running server of ours (live_server.url)."""

    def point(base_url: str) -> str:
        url = f"{base_url}/shopee/push/"
        settings.SHOPEE_PUSH_URL = url
        sandbox.configure(callback_url=url)
        return url

    return point

"""Fixtures of the chat tests (helpers that are not fixtures: tests/chat/helpers.py)."""

from __future__ import annotations

import pytest

from accounts.models import Shop
from tests.chat.helpers import pushes_to_server, verified_shop


@pytest.fixture
def shop(sandbox, salesperson) -> Shop:
    return verified_shop(sandbox, salesperson)


@pytest.fixture
def pushes_to(sandbox, settings):
    """Point the sandbox's pushes at a running server of ours (live_server.url)."""
    return lambda base_url: pushes_to_server(sandbox, settings, base_url)

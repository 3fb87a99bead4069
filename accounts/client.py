"""The partner-level Shopee client as the settings say now (tests point them at the sandbox): one
per process and settings, its errors counted for /metrics. A shop's handle is `accounts.tokens`."""

from __future__ import annotations

import os
from functools import lru_cache

from django.conf import settings

from shopee.client import ShopeeClient
from telemetry import counters


def shopee_client() -> ShopeeClient:
    return _client(
        os.getpid(),  # a connection pool must not cross a fork into Celery's children
        settings.SHOPEE_PARTNER_ID,
        settings.SHOPEE_PARTNER_KEY,
        settings.SHOPEE_BASE_URL,
        settings.SHOPEE_AUTH_PAGE_URL,
        settings.SHOPEE_AUTH_LINK_STYLE,
        settings.SHOPEE_TIMEOUT_SECONDS,
    )


@lru_cache(maxsize=8)
def _client(
    pid: int,
    partner_id: int,
    partner_key: str,
    base_url: str,
    auth_page_url: str,
    auth_link_style: str,
    timeout: float,
) -> ShopeeClient:
    return ShopeeClient(
        partner_id=partner_id,
        partner_key=partner_key,
        base_url=base_url,
        auth_page_url=auth_page_url,
        auth_link_style=auth_link_style,
        timeout=timeout,
        on_error=counters.shopee_error_seen,
    )

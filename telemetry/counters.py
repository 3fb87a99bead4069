"""Counters every process bumps and `/metrics` reads (tmschat.metrics): kept in the shared cache
(Redis in production). Apps of every layer count here, so this module imports none of them."""

from __future__ import annotations

import logging

from django.core.cache import cache

log = logging.getLogger(__name__)

COUNTER_PREFIX = "tmschat:metrics:"
SHOPEE_ERROR_TYPES = ("AuthError", "RateLimited", "Transient", "BadRequest", "PlatformRule", "ShopeeError")


def counter_add(name: str, label: str = "", amount: int = 1) -> None:
    key = f"{COUNTER_PREFIX}{name}:{label}"
    try:
        cache.add(key, 0, timeout=None)
        cache.incr(key, amount)
    except Exception:  # a metric must never break the request that counts it
        log.warning("metrics: could not count %s", key, exc_info=True)


def counter_value(name: str, label: str = "") -> int:
    try:
        return int(cache.get(f"{COUNTER_PREFIX}{name}:{label}") or 0)
    except Exception:
        return 0


def shopee_error_seen(error: Exception) -> None:
    """The Shopee client's on_error hook: count each typed error by its class."""
    name = type(error).__name__
    counter_add("shopee_errors", name if name in SHOPEE_ERROR_TYPES else "ShopeeError")

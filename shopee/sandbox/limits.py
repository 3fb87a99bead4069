"""Per-partner and per-shop rate limits as token buckets, and the daily quota's reset time."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

TAIPEI = timezone(timedelta(hours=8))  # Shopee's daily quota resets at 00:00 UTC+8


class TokenBucket:
    """`rate` calls per second on average, bursts of up to max(1, rate)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> float:
        """0 when the call may go; else the seconds until it could."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._partner: TokenBucket | None = None
        self._shops: dict[str, TokenBucket] = {}

    def wait_needed(self, partner_rate: float | None, shop_rate: float | None, shop_id: str | None) -> float:
        """Seconds the caller must wait (0: go). Buckets are rebuilt when a rate changes."""
        with self._lock:
            if partner_rate:
                if self._partner is None or self._partner.rate != partner_rate:
                    self._partner = TokenBucket(partner_rate)
                wait = self._partner.take()
                if wait:
                    return wait
            if shop_rate and shop_id:
                bucket = self._shops.get(shop_id)
                if bucket is None or bucket.rate != shop_rate:
                    bucket = self._shops[shop_id] = TokenBucket(shop_rate)
                return bucket.take()
            return 0.0


def seconds_until_quota_reset(now: float) -> int:
    local = datetime.fromtimestamp(now, TAIPEI)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - local).total_seconds()))

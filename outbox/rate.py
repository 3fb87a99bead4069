"""Per-shop send rate: a token bucket per shop, `Shop.send_rate_per_second` tokens a second,
bursts of up to one second's worth.

With REDIS_URL the bucket lives in Redis (one Lua script per take, Redis's own clock); without
it (the embedded setup) in a database row per shop (the database's clock). Either way every
worker process shares it, so the pace the batch preview promises is the pace kept.
A shop with an empty bucket is simply skipped, so it never holds up another shop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import redis
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from outbox.models import SendBucket

MIN_RATE = 0.05  # a shop set to 0 still sends, one message every 20 s
KEY_PREFIX = "tmschat:outbox:bucket:"
KEY_TTL_SECONDS = 3600


@dataclass(frozen=True)
class Grant:
    granted: int  # messages that may go now
    wait: float  # when none may: seconds until one may


class SendRate(Protocol):
    def take(self, shop_pk: int, *, rate: float, want: int) -> Grant: ...

    def give_back(self, shop_pk: int, *, count: int) -> None: ...

    def pause(self, shop_pk: int, *, seconds: float) -> None: ...


def _burst(rate: float) -> float:
    return max(1.0, rate)


# KEYS[1] bucket; ARGV rate, want. Returns {granted, wait}. Fields: tokens, ts (seconds, Redis
# clock). A `ts` in the future is a pause (Shopee said "slow down"): no refill until then.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local want = tonumber(ARGV[2])
local burst = math.max(1, rate)
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(saved[1]) or burst
local ts = tonumber(saved[2]) or now
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
  ts = now
end
local granted = math.max(0, math.min(want, math.floor(tokens)))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('EXPIRE', KEYS[1], ARGV[3])
local wait = 0
if granted == 0 then wait = (ts - now) + (1 - tokens) / rate end
return {granted, tostring(wait)}
"""

# Tokens taken but not used go back, unless Shopee paused the shop meanwhile (a future `ts`).
_GIVE_BACK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ts = tonumber(redis.call('HGET', KEYS[1], 'ts'))
if ts and ts <= now then redis.call('HINCRBYFLOAT', KEYS[1], 'tokens', ARGV[1]) end
"""

_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('HSET', KEYS[1], 'tokens', '0', 'ts', tostring(now + tonumber(ARGV[1])))
redis.call('EXPIRE', KEYS[1], ARGV[2])
"""


class RedisSendRate:
    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url)
        self._take = self._redis.register_script(_TAKE)
        self._give_back = self._redis.register_script(_GIVE_BACK)
        self._pause = self._redis.register_script(_PAUSE)

    def take(self, shop_pk: int, *, rate: float, want: int) -> Grant:
        granted, wait = self._take(
            keys=[f"{KEY_PREFIX}{shop_pk}"], args=[max(rate, MIN_RATE), want, KEY_TTL_SECONDS]
        )
        return Grant(granted=int(granted), wait=float(wait))

    def give_back(self, shop_pk: int, *, count: int) -> None:
        # The next take caps the bucket at its burst again.
        self._give_back(keys=[f"{KEY_PREFIX}{shop_pk}"], args=[count])

    def pause(self, shop_pk: int, *, seconds: float) -> None:
        self._pause(keys=[f"{KEY_PREFIX}{shop_pk}"], args=[seconds, KEY_TTL_SECONDS])


class DatabaseSendRate:
    """The same bucket as a row per shop (outbox.models.SendBucket), for setups without Redis:
    every process on the database shares it. A take holds the row's lock while it reads and
    writes (SELECT … FOR UPDATE on PostgreSQL; on SQLite the transaction's BEGIN IMMEDIATE holds
    the database's write lock, settings.DATABASES), and times come from the database's clock."""

    def take(self, shop_pk: int, *, rate: float, want: int) -> Grant:
        rate = max(rate, MIN_RATE)
        with transaction.atomic():
            bucket = _bucket_locked(shop_pk)
            now = _database_now()
            tokens, ts = bucket.tokens, bucket.ts
            if now > ts:
                tokens, ts = min(_burst(rate), tokens + (now - ts) * rate), now
            granted = max(0, min(want, int(tokens)))
            tokens -= granted
            SendBucket.objects.filter(shop_id=shop_pk).update(tokens=tokens, ts=ts)
        return Grant(granted=granted, wait=0.0 if granted else (ts - now) + (1 - tokens) / rate)

    def give_back(self, shop_pk: int, *, count: int) -> None:
        # Not while Shopee paused the shop; the next take caps the bucket at its burst again.
        SendBucket.objects.filter(shop_id=shop_pk, ts__lte=_database_now()).update(tokens=F("tokens") + count)

    def pause(self, shop_pk: int, *, seconds: float) -> None:
        with transaction.atomic():
            _bucket_locked(shop_pk)
            until = _database_now() + seconds
            SendBucket.objects.filter(shop_id=shop_pk).update(tokens=0.0, ts=until)


def _bucket_locked(shop_pk: int) -> SendBucket:
    """The shop's bucket, its row locked to the end of the transaction. The first time it is
    made with its clock at 0, so that take refills it to its burst; two first takes at once
    make one row."""
    SendBucket.objects.bulk_create([SendBucket(shop_id=shop_pk, tokens=0.0, ts=0.0)], ignore_conflicts=True)
    return SendBucket.objects.select_for_update().get(shop_id=shop_pk)


def _database_now() -> float:
    """Seconds since the epoch on the database's clock, the one every process shares."""
    query = (
        "SELECT EXTRACT(EPOCH FROM clock_timestamp())"
        if connection.vendor == "postgresql"
        else "SELECT (julianday('now') - 2440587.5) * 86400.0"
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        return float(cursor.fetchone()[0])


def send_rate() -> SendRate:
    return _send_rate(os.getpid(), settings.REDIS_URL)


@lru_cache(maxsize=4)
def _send_rate(pid: int, redis_url: str) -> SendRate:
    # Keyed by pid: a Redis connection pool must not cross a fork into Celery's children.
    return RedisSendRate(redis_url) if redis_url else DatabaseSendRate()

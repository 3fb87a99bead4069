"""The pace a shop's messages keep with two real worker processes draining its queue at once:
the sandbox receives them no closer together than the pace the batch preview promises
(outbox.pacing.shop_pace). On a bare machine this is the embedded setup of `make run` (SQLite
file, filesystem broker, the send-rate bucket in the database); with the services, PostgreSQL
with the bucket in the database and then in Redis."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from django.db import transaction

from outbox.pacing import shop_pace
from tests.outbox.helpers import buyers_who_wrote, queue
from tests.utils import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

DRAINED = re.compile(r"Task outbox\.tasks\.outbox_deliver_due\[[^\]]+\] succeeded")


def test_two_workers_draining_one_shop_at_once_keep_its_pace(
    sandbox, make_shop, bucket, settings, worker, beat
):
    shop = make_shop(rate=1.0)  # one message a second, a burst of one
    interval = 1 / shop_pace(shop).per_second
    buyers = buyers_who_wrote(sandbox, shop, 5)
    workers = [worker(REDIS_URL=settings.REDIS_URL) for _ in range(2)]
    beat(REDIS_URL=settings.REDIS_URL)

    with transaction.atomic():  # one commit: each worker is kicked at once
        for n, buyer in enumerate(buyers):
            queue(shop, buyer, f"您的訂單已出貨 {n}")
    received = wait_until(
        lambda: (rows := sandbox.deliveries(shop_id=shop.shop_id)) and len(rows) >= 5 and rows,
        timeout=60,
        message="five messages at the sandbox",
    )

    assert sorted(row["content"]["text"] for row in received) == [f"您的訂單已出貨 {n}" for n in range(5)]
    times = [row["received_ns"] / 1e9 for row in received]
    gaps = [round(later - earlier, 3) for earlier, later in pairwise(times)]
    # A little under the interval: each token is taken a moment before its message reaches Shopee.
    assert min(gaps) >= 0.8 * interval, gaps
    assert all(DRAINED.search(process.log()) for process in workers)  # both drained, neither got ahead

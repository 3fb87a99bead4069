"""What orders tells the apps above it, without importing them.

Each signal is sent after the transaction that stored the orders commits, with `sender=Order`
and `shop_pk`. Receivers are connected in the receiving app's `apps.py` and only queue that app's
own Celery task; a receiver that fails is logged, never raised into the order write (the
receiving app's periodic work catches up with what it missed).

- `orders_cancelled` (`order_sns`): orders just stored in a status Shopee cancelled them in
  (`CANCELLED_STATUSES`), new or changed since our last copy.
- `orders_synced`: a pull of the shop's orders ended (the scheduled sync or a download), also one
  that found nothing new.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

orders_cancelled = Signal()
orders_synced = Signal()


def send_on_commit(signal: Signal, *, sender, **kwargs) -> None:
    """Send `signal` once the current transaction commits (at once outside a transaction)."""

    def send() -> None:
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                log.error("receiver %r of %s failed: %r", receiver, kwargs, result)

    transaction.on_commit(send)

"""What accounts tells the apps above it, without importing them.

Each signal is sent after the transaction that made the change commits, with `sender=Shop` and
`shop_pk`. Receivers are connected in the receiving app's `apps.py` and only queue that app's
own Celery task, so a slow or failing receiver never holds up accounts.

- `shop_verified`: 聊聊登入認證 or 蝦皮API授權 succeeded (first time or again).

A lost authorization is no signal: the outbox holds a shop's messages when its own call is refused.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal
from django.utils.module_loading import import_string

shop_verified = Signal()


def send_on_commit(signal: Signal, *, shop_pk: int) -> None:
    """Send `signal` once the current transaction commits (at once outside a transaction)."""
    from accounts.models import Shop

    transaction.on_commit(lambda: signal.send(sender=Shop, shop_pk=shop_pk))


def queue_on(signal: Signal, task: str) -> None:
    """Let `signal` queue the Celery task at dotted path `task` with the shop's pk. Called from
    the receiving app's AppConfig.ready(), naming its own task: accounts never imports that app."""

    def receive(sender, *, shop_pk: int, **kwargs) -> None:
        import_string(task).delay(shop_pk)

    signal.connect(receive, weak=False, dispatch_uid=task)

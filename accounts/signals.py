"""What accounts tells the apps above it, without importing them.

Each signal is sent after the transaction that made the change commits, with `sender=Shop` and
`shop_pk`. Receivers are connected in the receiving app's `apps.py` and only queue that app's
own Celery task, so a slow or failing receiver never holds up accounts.

- `shop_verified`: 聊聊登入認證 succeeded (first time or again); the shop's tokens are fresh.
- `shop_authorization_lost`: Shopee no longer accepts the shop's tokens (revoked, lapsed, refused).
- `shop_token_refreshed`: the shop has a new access token.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal
from django.utils.module_loading import import_string

shop_verified = Signal()
shop_authorization_lost = Signal()
shop_token_refreshed = Signal()


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

"""Kicking delivery: a Celery task that drains what is due, asked for on commit, when a retry
falls due, and by the sweeper. The database is the truth and a kick only a hint, so a lost or
doubled kick costs a little latency or an empty run, never a message.
"""

from __future__ import annotations

import math
import threading
import time
import weakref

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

KICK_KEY = "tmschat:outbox:kick-at"  # + the quarter second a scheduled kick runs at
KICK_SLOT_SECONDS = 0.25


def outbox_kick(countdown: float = 0.0) -> None:
    """Ask a worker to deliver what is due (now, or after `countdown` seconds)."""
    from outbox.tasks import outbox_deliver_due

    outbox_deliver_due.apply_async(countdown=countdown, expires=countdown + sweep_seconds())


def sweep_seconds() -> float:
    return settings.OUTBOX_SWEEP_SECONDS


def parallel_drains() -> int:
    """How many drains one commit or one sweep starts: enough to use several worker processes."""
    return settings.OUTBOX_SWEEP_KICKS


class _Kicks:
    """The kicks one transaction has asked for; they run when it commits."""

    def __init__(self) -> None:
        self.asked = 0
        self.ran = False  # one ran: the transaction committed, later kicks belong to another

    def ask(self) -> None:
        self.asked += 1
        transaction.on_commit(self.run)

    def run(self) -> None:
        self.ran = True
        outbox_kick()


_local = threading.local()


def kick_on_commit() -> None:
    """Kick delivery when the caller's transaction commits, a few times per transaction at most:
    a batch of 1,000 notices needs a few drains, not 1,000 broker messages.

    Only Django's pending on-commit callbacks hold the batch of kicks (this thread keeps a weak
    reference): once one runs (the transaction committed), or they are discarded with a
    rolled-back transaction or savepoint, the next message starts a new batch. No Django
    internals are read.
    """
    kicks = _local.kicks() if hasattr(_local, "kicks") else None
    if kicks is None or kicks.ran:
        kicks = _Kicks()
        _local.kicks = weakref.ref(kicks)
    if kicks.asked < parallel_drains():
        kicks.ask()


def kick_later(seconds: float) -> None:
    """Schedule a kick for when something falls due: one per quarter second, however many
    drains end wanting one at that moment."""
    if current_app.conf.task_always_eager or seconds > sweep_seconds():
        return  # the sweeper comes sooner (and an eager kick would run here and now)
    slot = math.ceil((time.time() + seconds) / KICK_SLOT_SECONDS)
    if cache.add(f"{KICK_KEY}:{slot}", 1, timeout=int(seconds) + 2):
        outbox_kick(countdown=max(0.0, slot * KICK_SLOT_SECONDS - time.time()))

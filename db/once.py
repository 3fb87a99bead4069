"""Create once: a row keyed by something unique (an idempotency key, a form token, a running job's
key) is written by the first request only; the others, even at the same moment, get that row."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models, transaction

Row = TypeVar("Row", bound=models.Model)


def create_once(existing: models.QuerySet[Row], create: Callable[[], Row]) -> tuple[Row, bool]:
    """The row `existing` holds, or the one `create` writes now: (row, True when this call wrote it).

    `create` runs in a savepoint, so what it writes beside the row (and its on-commit hooks) goes
    with it; an error it raises changes nothing. When another transaction wrote the row between
    the look and the write, the unique constraint refuses ours and theirs is returned.
    """
    row = existing.first()
    if row is not None:
        return row, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        row = existing.first()
        if row is None:  # another constraint than the key's: not a race, a fault
            raise
        return row, False

"""Who else has a conversation open, and who is typing in it, so two people do not answer one buyer.

Kept in the shared cache (Redis with REDIS_URL, else the file cache every process on the machine
shares: settings.CACHES), never in the database: it is seconds old or worthless. Each open pane
beats every few seconds; a person whose beat is older than VIEWING_SECONDS has left. Each person's
beat is a key of its own, so beats never overwrite each other; the conversation's roster of
people is read-modify-written, and a name lost there by two first beats at once is put back by
the next beat.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

from accounts.people import display_name

VIEWING_SECONDS = 6.0  # three missed beats of a pane (it beats every 2 s)
TYPING_SECONDS = 4.0  # since the last key pressed in the message box
_ROSTER_SECONDS = 60


@dataclass(frozen=True)
class Colleague:
    name: str
    typing: bool


def _roster_key(conversation_pk: int) -> str:
    return f"inbox:presence:{conversation_pk}"


def _beat_key(conversation_pk: int, user_pk: int) -> str:
    return f"inbox:presence:{conversation_pk}:{user_pk}"


def presence_beat(*, conversation_pk: int, user, typing: bool) -> None:
    """`user` has the conversation open (and is typing in it, if `typing`)."""
    now = time.time()
    typing_until = now + TYPING_SECONDS if typing else 0.0
    cache.set(_beat_key(conversation_pk, user.pk), (display_name(user), now, typing_until), VIEWING_SECONDS)
    roster = cache.get(_roster_key(conversation_pk)) or []
    if user.pk not in roster:
        cache.set(_roster_key(conversation_pk), [*roster, user.pk], _ROSTER_SECONDS)
    else:
        cache.touch(_roster_key(conversation_pk), _ROSTER_SECONDS)


def presence_leave(*, conversation_pk: int, user) -> None:
    """`user` closed the conversation (another one chosen, the page left)."""
    cache.delete(_beat_key(conversation_pk, user.pk))


def colleagues_in(*, conversation_pk: int, user) -> list[Colleague]:
    """The others who have the conversation open now, typing ones first, by name."""
    roster = [pk for pk in cache.get(_roster_key(conversation_pk)) or [] if pk != user.pk]
    beats = cache.get_many([_beat_key(conversation_pk, pk) for pk in roster])
    now = time.time()
    present = [
        Colleague(name=name, typing=typing_until > now)
        for name, seen, typing_until in beats.values()
        if now - seen <= VIEWING_SECONDS
    ]
    return sorted(present, key=lambda c: (not c.typing, c.name))

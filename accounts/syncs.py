"""Per-shop sync state, one way for every pull from Shopee (chat, orders): `ShopSync` rows.

A run takes the shop's lease for its kind (`sync_lease_take`), renews it as it goes, and ends
with `sync_succeeded` (cursor, time, calls; the error cleared) or `sync_failed` (a language-
neutral code and the words behind it). A run killed mid-way keeps the shop only until its lease
lapses. Cursors move only with the data they cover, so an interrupted run is simply repeated.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import ShopSync
from shopee.errors import ShopeeError

log = logging.getLogger(__name__)

Kind = ShopSync.Kind


class LeaseLost(Exception):
    """Another run took the shop over after this one's lease lapsed: stop without writing."""


def _mine(*, shop_pk: int, kind: str, token: str):
    return ShopSync.objects.filter(shop_id=shop_pk, kind=kind, lease_token=token)


def sync_lease_take(*, shop_pk: int, kind: str, lease: timedelta) -> str | None:
    """The lease of the shop's `kind` pull for `lease`, or None while another run holds it."""
    ShopSync.objects.get_or_create(shop_id=shop_pk, kind=kind)
    token = secrets.token_hex(8)
    now = timezone.now()
    taken = (
        ShopSync.objects.filter(shop_id=shop_pk, kind=kind)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
        .update(lease_token=token, lease_expires_at=now + lease, last_started_at=now)
    )
    return token if taken else None


def sync_lease_renew(*, shop_pk: int, kind: str, token: str, lease: timedelta) -> None:
    """Keep the lease another `lease`; raises LeaseLost when it is no longer this run's."""
    if not _mine(shop_pk=shop_pk, kind=kind, token=token).update(lease_expires_at=timezone.now() + lease):
        raise LeaseLost


def sync_lease_release(*, shop_pk: int, kind: str, token: str) -> None:
    _mine(shop_pk=shop_pk, kind=kind, token=token).update(lease_token="", lease_expires_at=None)


def sync_cursor(*, shop_pk: int, kind: str) -> int:
    return ShopSync.objects.values_list("cursor", flat=True).get(shop_id=shop_pk, kind=kind)


def sync_succeeded(
    *, shop_pk: int, kind: str, token: str, cursor: int, api_calls: int = 0, full: bool = False
) -> None:
    """The run stored everything up to `cursor` (the cursor never moves back). Raises LeaseLost
    when the lease went to another run meanwhile."""
    now = timezone.now()
    updates = {
        "cursor": Greatest(F("cursor"), cursor),
        "last_success_at": now,
        "last_api_calls": api_calls,
        "last_error_code": "",
        "last_error": "",
    }
    if full:
        updates["last_full_at"] = now
    with transaction.atomic():
        if not _mine(shop_pk=shop_pk, kind=kind, token=token).update(**updates):
            raise LeaseLost


def sync_failed(*, shop_pk: int, kind: str, error: Exception) -> str:
    """Record why the run failed (shown on 帳號 and 狀態); the next scheduled run tries again.
    Returns the words recorded."""
    words = str(error)[:450]
    code = (error.code if isinstance(error, ShopeeError) else "") or type(error).__name__
    log.warning("%s sync of shop pk=%s failed: %s", kind, shop_pk, words)
    ShopSync.objects.update_or_create(
        shop_id=shop_pk,
        kind=kind,
        defaults={"last_error_code": code[:60], "last_error": words, "last_error_at": timezone.now()},
    )
    return words


def sync_errors_clear(*, shop_pk: int) -> None:
    """A new authorization: errors of the old one say nothing any more; the next runs tell afresh."""
    ShopSync.objects.filter(shop_id=shop_pk).update(last_error_code="", last_error="", last_error_at=None)


# -- Seller Centre's cheap signal (chat rows; chat.live asks it) ------------------------------------


@dataclass(frozen=True)
class SignalClaim:
    """A shop whose signal this caller may ask now: what the last pull covered, how it went."""

    shop_pk: int
    unread: int | None  # the unread count the last pull covers (None: a pull is owed)
    failures: int


def signal_claim(
    *, shop_pks: list[int], fast_pks: set[int], every: float, fast_every: float
) -> tuple[list[SignalClaim], float]:
    """Of `shop_pks`, claim those whose signal is due: each is not due again for `every` seconds
    (`fast_every` for `fast_pks`), so one caller asks per shop per interval however many
    processes claim at once (a conditional UPDATE, then the rows that carry this claim's token).
    Returns the claims and the seconds until the next of `shop_pks` is due."""
    now = timezone.now()
    rows = dict(
        ShopSync.objects.filter(kind=Kind.CHAT, shop_id__in=shop_pks).values_list("shop_id", "signal_due_at")
    )
    missing = [pk for pk in shop_pks if pk not in rows]
    if missing:  # never pulled yet: the row the pull will use anyway
        ShopSync.objects.bulk_create(
            [ShopSync(shop_id=pk, kind=Kind.CHAT) for pk in missing], ignore_conflicts=True
        )
        rows |= dict.fromkeys(missing)
    due = [pk for pk, at in rows.items() if at is None or at <= now]
    later = [(at - now).total_seconds() for at in rows.values() if at is not None and at > now]
    token = secrets.token_hex(8)
    for seconds, group in (
        (fast_every, [pk for pk in due if pk in fast_pks]),
        (every, [pk for pk in due if pk not in fast_pks]),
    ):
        if group:
            later.append(seconds)
            ShopSync.objects.filter(kind=Kind.CHAT, shop_id__in=group).filter(
                Q(signal_due_at__isnull=True) | Q(signal_due_at__lte=now)
            ).update(signal_token=token, signal_due_at=now + timedelta(seconds=seconds), signal_at=now)
    claimed = (
        ShopSync.objects.filter(kind=Kind.CHAT, shop_id__in=due, signal_token=token).values_list(
            "shop_id", "signal_unread", "signal_failures"
        )
        if due
        else []
    )
    return [SignalClaim(*row) for row in claimed], min(later, default=every)


def signal_settled(*, shop_pk: int, unread: int | None, pulled: bool) -> None:
    """The signal answered (and, when it said so, the pull ran): what the pull covers now."""
    updates: dict = {"signal_failures": 0}
    if pulled:
        updates["signal_unread"] = unread
    ShopSync.objects.filter(kind=Kind.CHAT, shop_id=shop_pk).update(**updates)


def signal_later(*, shop_pk: int, after: float, failed: bool = False, pull_owed: bool = False) -> None:
    """Ask the shop again `after` seconds from now (not sooner); `failed` counts one more failure
    in a row (the caller's backoff grows with them), `pull_owed` makes the next answer pull."""
    updates: dict = {"signal_due_at": timezone.now() + timedelta(seconds=after)}
    if failed:
        updates["signal_failures"] = F("signal_failures") + 1
    if pull_owed:
        updates["signal_unread"] = None
    ShopSync.objects.filter(kind=Kind.CHAT, shop_id=shop_pk).update(**updates)


def signal_due_now(*, shop_pks: list[int]) -> None:
    """Ask these shops' signal at the next round, whatever their interval (news from elsewhere)."""
    ShopSync.objects.filter(kind=Kind.CHAT, shop_id__in=shop_pks).update(signal_due_at=None)

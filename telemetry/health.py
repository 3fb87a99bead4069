"""What the status page and /healthz report: can we reach the database and the broker, and
are the worker and beat alive (beat schedules a heartbeat the worker records)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HEARTBEAT_KEY = "tmschat:heartbeat"
HEARTBEAT_STALE_AFTER = timedelta(seconds=90)
LIVE_HEARTBEAT_KEY = "tmschat:live-heartbeat"  # written by the live loop (chat.live) every 10 s
LIVE_STALE_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    ok: bool
    detail: str
    critical: bool = True


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Check("database", _("Database"), True, connection.vendor)
    except Exception as exc:  # a status page must render whatever is broken
        return Check("database", _("Database"), False, str(exc)[:200])


def _broker() -> Check:
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return Check("broker", _("Task broker"), True, conn.transport_cls)
    except Exception as exc:
        return Check("broker", _("Task broker"), False, str(exc)[:200])


def record_heartbeat(key: str = HEARTBEAT_KEY) -> None:
    cache.set(key, timezone.now().isoformat(), timeout=None)


def last_heartbeat(key: str = HEARTBEAT_KEY):
    value = cache.get(key)
    return timezone.datetime.fromisoformat(value) if value else None


def _worker() -> Check:
    try:
        beat = last_heartbeat()
    except Exception as exc:  # the cache is Redis in production: down with the broker
        return Check("worker", _("Worker and beat"), False, str(exc)[:200], critical=False)
    if beat is None:
        return Check("worker", _("Worker and beat"), False, _("no heartbeat yet"), critical=False)
    age = timezone.now() - beat
    ok = age <= HEARTBEAT_STALE_AFTER
    detail = _("last heartbeat %(seconds)d s ago") % {"seconds": age.total_seconds()}
    return Check("worker", _("Worker and beat"), ok, detail, critical=False)


def _live() -> Check:
    """The live loop (`manage.py chat_live`): without it Taiwanese shops' chats come once a minute."""
    label = _("Live chat (chat_live)")
    try:
        beat = last_heartbeat(LIVE_HEARTBEAT_KEY)
    except Exception as exc:
        return Check("live", label, False, str(exc)[:200], critical=False)
    age = timezone.now() - beat if beat else None
    if age is None or age > LIVE_STALE_AFTER:
        return Check(
            "live",
            label,
            False,
            _("not running: Taiwanese shops' new messages come once a minute"),
            critical=False,
        )
    return Check(
        "live",
        label,
        True,
        _("last round %(seconds)d s ago") % {"seconds": age.total_seconds()},
        critical=False,
    )


def checks() -> list[Check]:
    return [_database(), _broker(), _worker(), _live()]


def sections(request) -> list[dict]:
    """Each app may add a block to the status page with a `status.py` exposing
    `status_section(request) -> {"template": ..., **context}`."""
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.status")
        except ModuleNotFoundError:
            continue
        found.append(module.status_section(request))
    return found

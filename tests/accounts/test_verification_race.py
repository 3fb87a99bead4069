"""Two "add shop from Shopee" callbacks for the same Shopee shop at the same moment, on PostgreSQL:
one creates the shop, the other is told it already exists (never a 500)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from accounts import services
from accounts.models import Shop
from tests.utils import wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _waiting_on_locks() -> int:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else a transaction sees one snapshot
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_two_callbacks_adding_the_same_shop_at_once_create_it_once(sandbox, salesperson, require_postgres):
    remote = sandbox.create_shop(account="racer", password="pw", name="搶先賣場")
    codes = [sandbox.authorize_code(remote["shop_id"]) for _ in range(2)]
    results: dict[int, object] = {}

    def callback(number: int, user) -> None:
        try:
            results[number] = services.shop_verify(
                shop=None, code=codes[number], shop_id=remote["shop_id"], user=user
            )
        except Exception as exc:  # what the callback view would have to handle
            results[number] = exc
        finally:
            connections.close_all()

    # Both callbacks find no such shop, then both wait to insert it: a SHARE lock on the table lets
    # their reads through and holds their writes until both are at that point.
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '30s'")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Shop._meta.db_table} IN SHARE MODE")
        threads = [
            threading.Thread(target=callback, args=(0, salesperson)),
            threading.Thread(target=callback, args=(1, salesperson)),
        ]
        for thread in threads:
            thread.start()
        wait_until(lambda: _waiting_on_locks() >= 2, timeout=30, message="both callbacks at the insert")
    for thread in threads:
        thread.join(timeout=60)

    assert Shop.objects.filter(shop_id=remote["shop_id"]).count() == 1
    shop = Shop.objects.get(shop_id=remote["shop_id"])
    assert shop.state == Shop.State.VERIFIED
    winners = [r for r in results.values() if isinstance(r, Shop)]
    losers = [r for r in results.values() if not isinstance(r, Shop)]
    assert [w.pk for w in winners] == [shop.pk]
    [refused] = losers
    assert isinstance(refused, services.VerificationRefused), repr(refused)
    assert "already exists" in str(refused)

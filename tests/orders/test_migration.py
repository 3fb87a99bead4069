"""Keeping the selection as a rule and ticks keeps every stored selection: a database holding
selections as lists of order pks finds the same orders selected after the migration."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from orders.selection import selected_pks, selection_on_page
from tests.utils import migrate_to, migrate_to_newest

BEFORE = ("orders", "0011_status_named_in_the_readers_words")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def before_the_rule():
    """The database with selections as pk lists; migrated to the newest layout afterwards,
    whatever the test did, so the tests after it find the schema they expect."""
    executor = migrate_to([BEFORE])
    others = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] != "orders"]
    yield executor.loader.project_state([*others, BEFORE]).apps
    migrate_to_newest()


def test_a_stored_selection_keeps_its_orders(before_the_rule):
    old = before_the_rule
    sales = old.get_model("auth", "User").objects.create(username="sales", is_staff=True)
    empty = old.get_model("auth", "User").objects.create(username="empty", is_staff=True)
    shop = old.get_model("accounts", "Shop").objects.create(
        shop_id="242826267", name="我的測試賣場", state="verified", salesperson=sales
    )
    orders = [
        old.get_model("orders", "Order").objects.create(
            shop=shop, order_sn=f"241101AAAA000{n}", status="READY_TO_SHIP", created_on_shopee=timezone.now()
        )
        for n in range(4)
    ]
    gone = orders[3].pk
    orders[3].delete()  # a selected order deleted since: dropped, not an error
    Selection = old.get_model("orders", "OrderSelection")
    Selection.objects.create(user=sales, order_pks=[orders[2].pk, orders[0].pk, gone])
    Selection.objects.create(user=empty, order_pks=[])

    migrate_to_newest()

    User = get_user_model()
    sales, empty = User.objects.get(username="sales"), User.objects.get(username="empty")
    assert selected_pks(user=sales) == [orders[0].pk, orders[2].pk]
    assert selection_on_page(user=sales, order_pks=[o.pk for o in orders[:3]]) == (
        2,
        {orders[0].pk, orders[2].pk},
    )
    assert selected_pks(user=empty) == []

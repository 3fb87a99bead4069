"""db.lookups.any_of: the same rows as `__in` (one array parameter on PostgreSQL), for pks, foreign
keys and text, with None, repeats, an empty list and a subquery."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from book.models import BookOrder, Product
from db.lookups import any_of
from orders.models import Order
from tests.factories import OrderFactory, ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders():
    shop = ShopFactory(verified=True)
    return [OrderFactory(shop=shop) for _ in range(4)]


def test_any_of_finds_the_rows_in_finds(orders):
    wanted = [orders[2].pk, None, orders[0].pk, orders[2].pk, 10**12]
    assert set(Order.objects.filter(any_of("pk", wanted))) == {orders[0], orders[2]}
    assert set(Order.objects.filter(any_of("pk", wanted))) == set(Order.objects.filter(pk__in=wanted))
    assert not Order.objects.filter(any_of("pk", [])).exists()
    assert Order.objects.exclude(any_of("pk", [orders[1].pk])).count() == 3


def test_any_of_works_on_foreign_keys_text_and_subqueries(orders):
    BookOrder.objects.create(order=orders[1], imported_at=orders[1].created_on_shopee)
    imported = BookOrder.objects.filter(any_of("order_id", [order.pk for order in orders]))
    assert [row.order for row in imported] == [orders[1]]
    Product.objects.create(sku="寶寶米餅-50g", name="寶寶米餅")
    assert Product.objects.filter(any_of("sku", ["寶寶米餅-50g", "nope"])).count() == 1
    picked = Order.objects.filter(any_of("pk", [orders[1].pk, orders[3].pk])).values("pk")
    assert BookOrder.objects.filter(order__in=picked).count() == 1


def test_on_postgresql_the_values_travel_as_one_array(orders, require_postgres):
    with CaptureQueriesContext(connection) as queries:
        list(Order.objects.filter(any_of("pk", [order.pk for order in orders])))
    assert "= ANY(" in queries[0]["sql"] and " IN (" not in queries[0]["sql"]


def test_a_value_longer_than_the_column_never_matches_its_first_characters():
    longest = Product._meta.get_field("sku").max_length
    Product.objects.create(sku="米" * longest, name="米餅")
    assert not Product.objects.filter(any_of("sku", ["米" * longest + "餅"])).exists()
    assert Product.objects.filter(any_of("sku", ["米" * longest])).count() == 1

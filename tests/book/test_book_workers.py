"""Two real Celery worker processes importing at once (PostgreSQL + Redis, the sandbox over HTTP):
the last unit of a product is reserved once, and an order imported from two places at once
gives one record."""

from __future__ import annotations

import pytest

from book.actions import book_action_outcomes, book_action_start
from book.models import BookAction, BookOrder, Product
from tests.book.helpers import line, product, pull, remote_order
from tests.utils import wait_until

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.services,
    pytest.mark.usefixtures("require_postgres", "require_redis"),
]


@pytest.fixture
def two_workers(start_worker):
    def start():
        workers = [start_worker(queues="interactive", name=f"book{n}") for n in range(2)]
        for worker in workers:
            wait_until(
                lambda w=worker: " ready." in w.log(), timeout=30, interval=0.05, message="worker ready"
            )
        return workers

    return start


def finished(actions: list[BookAction]) -> bool:
    return BookAction.objects.filter(
        pk__in=[a.pk for a in actions], finished_at__isnull=False
    ).count() == len(actions)


def test_two_workers_importing_the_last_unit_of_each_product_reserve_it_once(
    sandbox, shop, salesperson, other_staff, two_workers
):
    skus = [f"LAST-{n}" for n in range(8)]
    for sku in skus:
        product(sku, 1)
    mine = pull(shop, *[remote_order(sandbox, shop, line(sku, 1)) for sku in skus])
    theirs = pull(shop, *[remote_order(sandbox, shop, line(sku, 1)) for sku in reversed(skus)])
    # Queued before the workers start, so both take one at the same moment.
    actions = [
        BookAction.objects.create(
            kind="import", user=salesperson, order_pks=[o.pk for o in mine], total=len(mine)
        ),
        BookAction.objects.create(
            kind="import", user=other_staff, order_pks=[o.pk for o in theirs], total=len(theirs)
        ),
    ]
    from book.tasks import book_action_run

    for action in actions:
        book_action_run.delay(action.pk)
    workers = two_workers()

    wait_until(lambda: finished(actions), timeout=60, interval=0.1, message="both imports finished")

    codes = [
        o.code
        for a in BookAction.objects.filter(pk__in=[a.pk for a in actions])
        for o in book_action_outcomes(a)
    ]
    assert codes.count("imported") == len(skus) and codes.count("not_enough_stock") == len(skus)
    assert sorted(Product.objects.values_list("on_hand", "reserved")) == [(1, 1)] * len(skus)
    lines = BookOrder.objects.values_list("lines__sku", flat=True)
    assert sorted(lines) == sorted(skus)  # each last unit went to exactly one order
    assert all("Traceback" not in w.log() for w in workers)


def test_the_same_orders_imported_from_two_places_at_once_give_one_record_each(
    sandbox, shop, salesperson, other_staff, two_workers
):
    product("CUP", 100)
    orders = pull(shop, *[remote_order(sandbox, shop, line("CUP", 2)) for _ in range(20)])
    pks = [o.pk for o in orders]
    actions = [
        BookAction.objects.create(kind="import", user=user, order_pks=pks, total=len(pks))
        for user in (salesperson, other_staff)
    ]
    from book.tasks import book_action_run

    for action in actions:
        book_action_run.delay(action.pk)
    two_workers()

    wait_until(lambda: finished(actions), timeout=60, interval=0.1, message="both imports finished")

    assert BookOrder.objects.count() == 20
    assert Product.objects.get(sku="CUP").reserved == 40
    codes = sorted(o.code for a in BookAction.objects.all() for o in book_action_outcomes(a))
    assert codes == ["already_imported"] * 20 + ["imported"] * 20


def test_an_import_started_on_the_page_runs_at_once(sandbox, shop, salesperson):
    product("CUP", 1)
    orders = pull(shop, remote_order(sandbox, shop, line("CUP", 1)))

    action = book_action_start(kind="import", user=salesperson, order_pks=[orders[0].pk])

    assert action.finished_at is not None and [o.code for o in book_action_outcomes(action)] == ["imported"]

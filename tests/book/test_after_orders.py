"""What orders tells the order book, and what the book does about it: a Shopee cancellation
releases the reservation (orders_cancelled), a finished pull runs 自動匯入 and catches any
cancellation whose signal was lost (orders_synced). orders imports nothing of the book: the
signals go out after commit and the book's own tasks (eager here) do the work."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from book.imports import book_import
from book.models import BookOrder, BookShopSettings, Product
from book.shipment import book_convert
from orders.download import download_run, download_start
from orders.models import Order, OrderDownload
from orders.services import orders_refresh, orders_sync_recent
from tests.book.helpers import line, product, pull, remote_order, stock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write as a request or task would: what it sends after commit is sent."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def test_a_cancellation_on_shopee_releases_the_reservation(sandbox, shop, salesperson, committed):
    product("CUP", 2)
    remote = remote_order(sandbox, shop, line("CUP", 2))
    [order] = pull(shop, remote)
    book_import(order_pks=[order.pk], user=salesperson)
    assert stock("CUP") == (2, 2)

    sandbox.set_order_status(remote["order_sn"], "CANCELLED")
    committed(orders_refresh, shop=shop, order_sns=[remote["order_sn"]])  # as the order push makes it

    entry = BookOrder.objects.get(order=order)
    assert entry.state == "cancelled" and entry.cancelled_at is not None
    assert stock("CUP") == (2, 0)
    [again] = book_import(order_pks=[order.pk], user=salesperson, force=True)
    assert again.code == "cancelled_on_shopee"


def test_a_cancellation_whose_signal_was_lost_is_applied_after_the_next_sync(
    sandbox, shop, salesperson, committed, django_capture_on_commit_callbacks
):
    product("CUP", 10)
    held, sent = remote_order(sandbox, shop, line("CUP", 2)), remote_order(sandbox, shop, line("CUP", 3))
    orders = pull(shop, held, sent)
    book_import(order_pks=[o.pk for o in orders], user=salesperson)
    book_convert(order_pks=[orders[1].pk], user=salesperson)  # shipped: 3 cups left the shelf
    assert stock("CUP") == (7, 2)
    for remote in (held, sent):
        sandbox.set_order_status(remote["order_sn"], "CANCELLED")
    with django_capture_on_commit_callbacks(execute=False):  # the broker lost the message
        orders_refresh(shop=shop, order_sns=[held["order_sn"], sent["order_sn"]])
    assert set(BookOrder.objects.values_list("state", flat=True)) == {"imported", "shipped"}

    committed(orders_sync_recent, shop=shop)  # the orders are unchanged since: no new signal

    states = dict(BookOrder.objects.values_list("order__order_sn", "state"))
    assert states == {held["order_sn"]: "cancelled", sent["order_sn"]: "returning"}
    assert stock("CUP") == (7, 0)  # the reservation released; the returning parcel not back yet


def test_auto_import_imports_new_eligible_orders_after_each_sync(sandbox, shop, committed, staff_client):
    product("CUP", 3)
    BookShopSettings.objects.create(shop=shop, auto_import=True)
    assert "尚未執行：每次同步此賣場的訂單後執行" in auto_import_line(staff_client, shop)
    fits = remote_order(sandbox, shop, line("CUP", 2))
    too_many = remote_order(sandbox, shop, line("CUP", 2))
    unpaid = remote_order(sandbox, shop, line("CUP", 1), status="UNPAID")
    done_already = remote_order(sandbox, shop, line("CUP", 1), status="COMPLETED")

    committed(orders_sync_recent, shop=shop)

    imported = dict(BookOrder.objects.values_list("order__order_sn", "imported_by"))
    assert imported == {fits["order_sn"]: None}  # None: imported automatically
    assert stock("CUP") == (3, 2)
    assert not {too_many["order_sn"], unpaid["order_sn"], done_already["order_sn"]} & set(imported)
    # Beside its switch, when it last ran and what it imported, and what it left for staff.
    when = r"\d{4}/\d\d/\d\d \d\d:\d\d"
    assert re.fullmatch(
        rf".*上次執行 {when}；1 筆未匯入.* 最近一次匯入 {when}：1 筆 \({fits['order_sn']}\)",
        auto_import_line(staff_client, shop),
    )

    Product.objects.filter(sku="CUP").update(on_hand=5)  # stock arrives
    committed(orders_sync_recent, shop=shop)  # nothing new on Shopee, but the sync ran
    assert set(BookOrder.objects.values_list("order__order_sn", flat=True)) == {
        fits["order_sn"],
        too_many["order_sn"],
    }
    committed(orders_sync_recent, shop=shop)  # a run that imports nothing keeps what the last one took
    last = auto_import_line(staff_client, shop)
    assert re.fullmatch(rf".*上次執行 {when} 最近一次匯入 {when}：1 筆 \({too_many['order_sn']}\)", last)


def auto_import_line(client, shop) -> str:
    page = client.get("/orders/").content.decode()
    item = re.search(rf'<li data-auto-import-shop="{shop.pk}">(.*?)</li>', page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", item).split())


def test_auto_import_is_off_unless_switched_on(sandbox, shop, committed):
    product("CUP", 3)
    remote_order(sandbox, shop, line("CUP", 1))
    committed(orders_sync_recent, shop=shop)
    assert Order.objects.filter(shop=shop).count() == 1 and not BookOrder.objects.exists()


def test_a_finished_download_imports_automatically(sandbox, shop, salesperson, committed):
    product("CUP", 3)
    BookShopSettings.objects.create(shop=shop, auto_import=True)
    remote = remote_order(sandbox, shop, line("CUP", 1))
    today = timezone.localdate()
    download_start(user=salesperson, shops=[shop], created_from=today - timedelta(days=2), created_to=today)

    committed(download_run, job_pk=OrderDownload.objects.get().pk)

    assert list(BookOrder.objects.values_list("order__order_sn", "imported_by")) == [
        (remote["order_sn"], None)
    ]

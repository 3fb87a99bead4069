"""The order download against the sandbox over HTTP: the six read scopes with their expected
order numbers, only-not-imported, long ranges, the summary, sharing and cancelling a job."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from book.models import BookOrder
from orders.channels import ChannelKind, channel_kind, delivery_kind, has_shopee_document
from orders.download import download_cancel, download_run, download_start
from orders.models import Order, OrderDownload
from orders.scopes import Scope
from tests.orders.helpers import (
    SCOPE_EXPECTED,
    SCOPE_ORDERS,
    api_calls,
    at,
    seed_orders,
    seed_scope_orders,
)

pytestmark = pytest.mark.django_db


def start(client, shop, day_from, day_to, scope="all", only_not_imported=False):
    data = {
        "shop": shop.pk,
        "created_from": day_from.isoformat(),
        "created_to": day_to.isoformat(),
        "scope": scope,
    }
    if only_not_imported:
        data["only_not_imported"] = "on"
    response = client.post(reverse("orders:download_start"), data)
    assert response.status_code == 302
    return response["Location"]


def table_sns(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {row.order_sn for row in response.context["rows"]}


@pytest.mark.parametrize("scope", [choice.value for choice in Scope])
def test_each_scope_shows_its_orders_after_a_download(sandbox, shop, staff_client, order_day, scope):
    seed_scope_orders(sandbox, shop, order_day)
    table_url = start(staff_client, shop, order_day, order_day, scope=scope)
    job = OrderDownload.objects.get()
    download_run(job_pk=job.pk)

    job.refresh_from_db()
    assert (job.state, job.new, job.total) == ("done", len(SCOPE_ORDERS), len(SCOPE_ORDERS))
    assert table_sns(staff_client, table_url) == SCOPE_EXPECTED[scope]


def test_the_progress_line_names_the_shop_step_progress_and_current_order(
    sandbox, shop, staff_client, order_day
):
    seed_orders(sandbox, shop, order_day, 2, prefix="200415BVCQAR")
    start(staff_client, shop, order_day, order_day)
    download_run(job_pk=OrderDownload.objects.get().pk)

    page = staff_client.get(reverse("orders:downloads_panel")).content.decode()
    newest = "200415BVCQAR000000000"  # Shopee lists newest first: the older one is read last
    assert (
        f"{shop.shop_id}/{shop.account}/{shop.name}: 下載訂單明細 進度 2/2, 目前單號:200415/{newest[6:]}"
        in page
    )
    assert "新增 2，更新 0，未變 0，失敗 0" in page


def test_only_not_imported_leaves_imported_orders_alone(sandbox, shop, staff_client, order_day):
    sns = seed_orders(sandbox, shop, order_day, 3)
    start(staff_client, shop, order_day, order_day)
    download_run(job_pk=OrderDownload.objects.get().pk)
    imported = Order.objects.get(order_sn=sns[0])
    BookOrder.objects.create(order=imported, imported_at=timezone.now())
    for sn in sns:
        sandbox.set_order_status(sn, "PROCESSED")
    sandbox.reset_calls()

    table_url = start(staff_client, shop, order_day, order_day, only_not_imported=True)
    job = OrderDownload.objects.get(only_not_imported=True)
    download_run(job_pk=job.pk)

    job.refresh_from_db()
    assert (job.total, job.skipped, job.updated) == (2, 1, 2)
    assert Order.objects.get(order_sn=sns[0]).status == "READY_TO_SHIP"  # not read again
    assert table_sns(staff_client, table_url) == set(sns[1:])


def test_a_forty_day_range_pulls_all_three_windows(sandbox, shop, staff_client, today):
    first = today - timedelta(days=39)
    sandbox.shift_clock(0)
    days = [first, first + timedelta(days=20), today]
    expected = set()
    for number, day in enumerate(days):
        expected |= set(
            seed_orders(sandbox, shop, day, 2, prefix=f"W{number}", hour=1 if number == 2 else 12)
        )
    sandbox.reset_calls()

    start(staff_client, shop, first, today)
    download_run(job_pk=OrderDownload.objects.get().pk)

    assert set(Order.objects.values_list("order_sn", flat=True)) == expected
    assert api_calls(sandbox, "/get_order_list") == 3  # 15 + 15 + 10 days, one page each
    assert api_calls(sandbox, "/get_order_detail") == 1


def test_a_second_download_counts_updated_and_unchanged(sandbox, shop, staff_client, order_day):
    sns = seed_orders(sandbox, shop, order_day, 60)
    start(staff_client, shop, order_day, order_day)
    download_run(job_pk=OrderDownload.objects.get().pk)
    sandbox.set_order_status(sns[5], "CANCELLED")
    sandbox.reset_calls()

    start(staff_client, shop, order_day, order_day)
    job = OrderDownload.objects.filter(state="queued").get()
    download_run(job_pk=job.pk)

    job.refresh_from_db()
    assert (job.new, job.updated, job.unchanged, job.failures) == (0, 1, 59, [])
    assert Order.objects.count() == 60
    assert Order.objects.get(order_sn=sns[5]).status == "CANCELLED"
    assert api_calls(sandbox, "/get_order_list") == 1
    assert api_calls(sandbox, "/get_order_detail") == 2  # 50 + 10


def test_a_batch_shopee_keeps_failing_is_reported_per_order(sandbox, shop, staff_client, order_day):
    sns = seed_orders(sandbox, shop, order_day, 3)
    start(staff_client, shop, order_day, order_day)
    job = OrderDownload.objects.get()
    sandbox.set_faults(error_share=1.0, paths=["/get_order_detail"])

    download_run(job_pk=job.pk)

    job.refresh_from_db()
    assert job.state == "done"
    assert {failure["order_sn"] for failure in job.failures} == set(sns)
    assert all("error_server" in failure["reason"] for failure in job.failures)
    page = staff_client.get(reverse("orders:downloads_panel")).content.decode()
    assert "失敗 3" in page and sns[0] in page
    # Each failure in our words; Shopee's English only on hover.
    assert page.count(">蝦皮內部發生錯誤；稍後會再試</span>") == 3
    assert re.search(r'title="詳細內容： error_server: [^"]+">', page)
    assert ">error_server" not in page


def test_two_staff_asking_for_the_same_download_share_one_job(
    sandbox, shop, staff_client, client, manager, order_day
):
    client.force_login(manager)
    start(staff_client, shop, order_day, order_day, scope="pending")
    start(client, shop, order_day, order_day, scope="pending")
    assert OrderDownload.objects.count() == 1

    start(client, shop, order_day, order_day, scope="all")  # another scope is another job
    assert OrderDownload.objects.count() == 2


def test_download_start_joins_the_running_job(shop, salesperson, manager, order_day):
    kwargs = {"shops": [shop], "created_from": order_day, "created_to": order_day, "scope": Scope.PENDING}
    [first] = download_start(user=salesperson, **kwargs)
    [second] = download_start(user=manager, **kwargs)
    assert first.pk == second.pk


def test_a_cancelled_download_stops_and_says_so(sandbox, shop, staff_client, order_day):
    seed_orders(sandbox, shop, order_day, 3)
    start(staff_client, shop, order_day, order_day)
    job = OrderDownload.objects.get()
    staff_client.post(reverse("orders:download_cancel", args=[job.pk]))

    assert download_run(job_pk=job.pk) is None
    job.refresh_from_db()
    assert job.state == "cancelled" and Order.objects.count() == 0
    assert "已取消" in staff_client.get(reverse("orders:downloads_panel")).content.decode()


def test_someone_elses_download_cannot_be_cancelled(shop, client, other_staff, order_day):
    job = OrderDownload.objects.create(key="k", shop=shop, created_from=order_day, created_to=order_day)
    client.force_login(other_staff)
    assert client.post(reverse("orders:download_cancel", args=[job.pk])).status_code == 404
    download_cancel(job=job)  # the owner's side still works
    job.refresh_from_db()
    assert job.state == "cancelled"


def test_orders_are_stored_with_items_carrier_channel_amount_and_tracking(
    sandbox, shop, staff_client, order_day
):
    seed_scope_orders(sandbox, shop, order_day)
    start(staff_client, shop, order_day, order_day)
    download_run(job_pk=OrderDownload.objects.get().pk)

    remote = {o["order_sn"]: o for o in sandbox.state()["orders"].values()}
    store = Order.objects.get(order_sn="240601STORE003")
    assert store.shipping_carrier == "7-ELEVEN" and store.channel_kind == ChannelKind.STORE
    assert store.tracking_number == remote["240601STORE003"]["tracking_number"] != ""
    assert store.total_amount == 162  # item 102 + store shipping 60
    assert store.items[0]["item_name"] == "商品2" and store.items[0]["quantity"] == 1
    assert Order.objects.get(order_sn="240601HOME0005").channel_kind == ChannelKind.HOME
    seller = Order.objects.get(order_sn="240601HOME0007")
    assert seller.buyer_user_id == ""  # Taiwan hides the buyer of a seller-arranged delivery
    assert Order.objects.get(order_sn="240601UNPD0010").total_amount is None  # not paid yet


def test_a_download_of_a_shop_that_lost_its_authorization_fails_with_the_reason(
    sandbox, shop, staff_client, order_day
):
    seed_orders(sandbox, shop, order_day, 2)
    start(staff_client, shop, order_day, order_day)
    sandbox.revoke(shop.shop_id)
    job = OrderDownload.objects.get()

    download_run(job_pk=job.pk)

    job.refresh_from_db()
    shop.refresh_from_db()
    assert job.state == "failed" and "access_token" in job.error
    assert shop.state == "expired"


@pytest.mark.parametrize(
    ("channel_id", "carrier", "kind"),
    [
        ("30005", "", "store"),
        ("30029", "蝦皮店到店", "store"),
        ("30001", "全家", "home"),  # the channel id decides before the text
        ("", "全家", "store"),
        ("99999", "蝦皮海外 - 7-11", "store"),
        ("", "萊爾富-經濟包", "store"),
        ("", "OK Mart", "store"),
        ("", "新竹物流", "home"),
        ("", "賣家宅配：大型/超重物品運送", "home"),
        ("", "店到家宅配", "home"),
        ("", "中華郵政", "unknown"),
        ("", "", "unknown"),
    ],
)
def test_channels_are_classified_by_id_then_carrier_text(channel_id, carrier, kind):
    assert channel_kind(channel_id=channel_id, carrier=carrier) == kind


@pytest.mark.parametrize(
    ("channel_id", "carrier", "stored", "delivery", "document"),
    [
        ("30005", "7-ELEVEN", "store", "store", True),
        ("", "全家", "unknown", "store", True),  # stored before it was classified
        ("", "新竹物流", "home", "home", True),
        ("30001", "黑貓宅急便", "home", "home", False),  # brings its own label
        ("", "賣家宅配：大型/超重物品運送", "home", "seller", False),
        ("", "中華郵政", "unknown", "home", True),  # unknown: the book asks for a tracking number
    ],
)
def test_the_order_book_reads_who_delivers_and_whether_shopee_prints_a_document(
    channel_id, carrier, stored, delivery, document
):
    order = Order(logistics_channel_id=channel_id, shipping_carrier=carrier, channel_kind=stored)
    assert delivery_kind(order) == delivery
    assert has_shopee_document(order) is document


def test_an_unknown_channel_is_in_no_delivery_scope_and_marked_in_the_table(
    sandbox, shop, staff_client, order_day
):
    from tests.factories import OrderFactory

    OrderFactory(
        shop=shop,
        order_sn="240601POST0001",
        shipping_carrier="中華郵政",
        channel_kind=channel_kind(carrier="中華郵政"),
        created_on_shopee=timezone.now() - timedelta(days=2),
    )
    base = f"{reverse('orders:list')}?created_from={order_day.isoformat()}&created_to={order_day.isoformat()}"
    assert table_sns(staff_client, base + "&scope=store_and_home") == set()
    assert table_sns(staff_client, base + "&scope=pending_home") == set()
    assert table_sns(staff_client, base + "&scope=pending") == {"240601POST0001"}
    assert "未知物流" in staff_client.get(base).content.decode()


def test_day_bounds_are_taipei_days(sandbox, shop, staff_client, order_day):
    """An order at 00:30 Taipei belongs to that day, though it is the previous day in UTC."""
    sandbox.create_order(shop_id=shop.shop_id, order_sn="240601EARLY01", create_time=at(order_day, 0) + 1800)
    sandbox.create_order(
        shop_id=shop.shop_id, order_sn="240601LATE002", create_time=at(order_day - timedelta(days=1), 23)
    )
    start(staff_client, shop, order_day, order_day)
    download_run(job_pk=OrderDownload.objects.get().pk)
    assert set(Order.objects.values_list("order_sn", flat=True)) == {"240601EARLY01"}

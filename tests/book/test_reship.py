"""One tracking number everywhere, and 重新出貨 as no dead end, through the pages and the sandbox
over HTTP: a store order whose 寄件編號 Shopee replaces when shipment is arranged shows the same
number in the order table, Excel and the printed 寄件單; an order whose courier pickup failed
(RETRY_SHIP) is arranged again by 轉出貨 and then printed, or refused with what to do in Seller
Centre."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from book.documents import book_documents
from book.imports import book_import
from book.models import BookAction, BookOrder
from book.shipment import book_convert
from orders.models import Order
from tests.book.helpers import act, by_sn, line, product, pull, remote_order, stock

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("require_postgres")]


def imported(shop, user, *remote) -> list[Order]:
    orders = pull(shop, *remote)
    assert {o.code for o in book_import(order_pks=[o.pk for o in orders], user=user)} == {"imported"}
    return orders


def pressed(client, action: str, orders, capture, **data) -> str:
    """Press an action on the order table; its task runs when the request commits. The results page."""
    with capture(execute=True):
        act(client, action, orders, **data)
    return client.get(f"/orders/actions/{BookAction.objects.latest('pk').pk}/").content.decode()


def excel_numbers(client) -> dict[str, str]:
    """寄件編號 by 訂單單號 in 匯出Excel of the order table with nothing selected."""
    client.post("/orders/selection/", {"action": "none"})
    response = client.post("/orders/export/", {"query": ""})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    sn, tracking = header.index("訂單單號"), header.index("寄件編號")
    return {row[sn]: row[tracking] for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_a_store_number_replaced_on_arranging_is_the_same_in_table_excel_and_document(
    sandbox, shop, salesperson, staff_client, eager_tasks, django_capture_on_commit_callbacks
):
    product("CUP", 10)
    numbered = remote_order(sandbox, shop, line("CUP"), carrier="全家", tracking_number="auto")
    unnumbered = remote_order(sandbox, shop, line("CUP"), carrier="7-ELEVEN")
    orders = imported(shop, salesperson, numbered, unnumbered)
    before = numbered["tracking_number"]
    assert Order.objects.get(order_sn=numbered["order_sn"]).tracking_number == before

    pressed(staff_client, "convert", orders, django_capture_on_commit_callbacks, sender="王小美")
    page = pressed(staff_client, "documents", orders, django_capture_on_commit_callbacks)

    world = sandbox.state()["orders"]
    shopee = {o["order_sn"]: world[o["order_sn"]]["tracking_number"] for o in (numbered, unnumbered)}
    assert shopee[numbered["order_sn"]] not in ("", before)  # Shopee gave another number
    table = staff_client.get("/orders/").content.decode()
    excel = excel_numbers(staff_client)
    document = staff_client.get(re.search(r'href="(/orders/actions/\d+/document/)"', page).group(1))
    label = document.content.decode()
    for sn, number in shopee.items():
        assert number and number in table and excel[sn] == number and number in label
        assert BookOrder.objects.get(order__order_sn=sn).tracking_number == number
    assert before not in table and before not in label and before not in excel.values()


def test_printing_reads_a_number_shopee_changed_after_conversion(sandbox, shop, salesperson):
    product("CUP", 10)
    orders = imported(shop, salesperson, remote_order(sandbox, shop, line("CUP"), carrier="萊爾富"))
    book_convert(order_pks=[orders[0].pk], user=salesperson)
    sn = orders[0].order_sn
    sandbox.set_tracking_number(sn, "L99887766554")  # Shopee changed it after our last read

    [outcome], document = book_documents(order_pks=[orders[0].pk], wait_seconds=10)

    assert outcome.code == "in_document" and "L99887766554" in document.content.decode()
    assert Order.objects.get(order_sn=sn).tracking_number == "L99887766554"
    assert BookOrder.objects.get(order__order_sn=sn).tracking_number == "L99887766554"


def test_a_failed_pickup_of_a_converted_order_is_arranged_again_and_then_printed(
    sandbox, shop, salesperson, staff_client, eager_tasks, django_capture_on_commit_callbacks
):
    product("CUP", 10)
    orders = imported(shop, salesperson, remote_order(sandbox, shop, line("CUP", 2), carrier="新竹物流"))
    book_convert(order_pks=[orders[0].pk], user=salesperson, sender="王小美")
    sn = orders[0].order_sn
    number = sandbox.state()["orders"][sn]["tracking_number"]
    sandbox.set_order_status(sn, "RETRY_SHIP")  # the courier's pickup failed
    pull(shop, {"order_sn": sn})
    assert stock("CUP") == (8, 0)

    refused = pressed(staff_client, "documents", orders, django_capture_on_commit_callbacks)
    assert "取件失敗" in refused and "轉出貨" in refused and "/document/" not in refused
    converted = pressed(staff_client, "convert", orders, django_capture_on_commit_callbacks, sender="王小美")
    assert "已在蝦皮重新安排出貨" in converted and number in converted
    printed = pressed(staff_client, "documents", orders, django_capture_on_commit_callbacks)

    assert sandbox.state()["orders"][sn]["status"] == "PROCESSED"
    document = staff_client.get(re.search(r'href="(/orders/actions/\d+/document/)"', printed).group(1))
    assert document.status_code == 200 and sn.encode() in document.content
    assert stock("CUP") == (8, 0)  # the stock left once
    assert BookOrder.objects.get(order__order_sn=sn).state == "shipped"


def test_an_imported_order_in_re_ship_is_arranged_again_by_converting(sandbox, shop, salesperson):
    product("CUP", 10)
    remote = remote_order(
        sandbox, shop, line("CUP"), carrier="黑貓宅急便", status="RETRY_SHIP", tracking_number="auto"
    )
    orders = imported(shop, salesperson, remote)

    [outcome] = book_convert(order_pks=[orders[0].pk], user=salesperson)

    assert outcome.code == "converted" and remote["tracking_number"] in outcome.message
    assert sandbox.state()["orders"][remote["order_sn"]]["status"] == "PROCESSED"
    assert stock("CUP") == (9, 0)


def test_a_re_ship_shopee_cannot_arrange_by_api_says_what_to_do_in_seller_centre(sandbox, shop, salesperson):
    product("CUP", 10)
    remote = remote_order(
        sandbox, shop, line("CUP"), carrier="7-ELEVEN", status="RETRY_SHIP", tracking_number="auto"
    )
    orders = imported(shop, salesperson, remote)

    [outcome] = book_convert(order_pks=[orders[0].pk], user=salesperson)

    assert outcome.code == "reship_in_seller_centre" and not outcome.ok
    assert "賣家中心" in outcome.message and "7-ELEVEN" in outcome.message
    assert BookOrder.objects.get(order=orders[0]).state == "imported" and stock("CUP") == (10, 1)
    assert sandbox.state()["orders"][remote["order_sn"]]["status"] == "RETRY_SHIP"
    # Once staff arranged it in Seller Centre, converting ships it in the book.
    sandbox.set_order_status(remote["order_sn"], "PROCESSED")
    assert by_sn(book_convert(order_pks=[orders[0].pk], user=salesperson)) == {
        remote["order_sn"]: "converted"
    }

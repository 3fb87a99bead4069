"""產生寄件單: Shopee's shipping documents for a mixed selection through the sandbox over HTTP;
the file opens (an HTML page, a PDF pypdf reads, or a ZIP of both)."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from pypdf import PdfReader

from book.documents import book_documents
from book.models import BookAction, BookOrder
from tests.book.helpers import act, by_sn, line, pull, remote_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("require_postgres")]


def arranged(sandbox, shop, carrier: str) -> dict:
    """An order Shopee has arranged (PROCESSED) with its tracking number."""
    return remote_order(
        sandbox, shop, line("CUP", 1), carrier=carrier, status="PROCESSED", tracking_number="auto"
    )


def test_a_mixed_selection_gives_one_file_and_lists_the_others_apart(sandbox, shop):
    seven = arranged(sandbox, shop, "7-ELEVEN")
    family = arranged(sandbox, shop, "全家")
    hct = arranged(sandbox, shop, "新竹物流")
    hct2 = arranged(sandbox, shop, "新竹物流")
    tcat = arranged(sandbox, shop, "黑貓宅急便")
    seller = arranged(sandbox, shop, "賣家宅配")
    waiting = remote_order(sandbox, shop, line("CUP", 1), carrier="萊爾富")
    cancelled = arranged(sandbox, shop, "OK Mart")
    orders = pull(shop, seven, family, hct, hct2, tcat, seller, waiting, cancelled)
    sandbox.set_order_status(cancelled["order_sn"], "CANCELLED")  # after our last read

    outcomes, document = book_documents(order_pks=[o.pk for o in orders], wait_seconds=10)

    assert by_sn(outcomes) == {
        seven["order_sn"]: "in_document",
        family["order_sn"]: "in_document",
        hct["order_sn"]: "in_document",
        hct2["order_sn"]: "in_document",
        tcat["order_sn"]: "no_document_carrier",
        seller["order_sn"]: "no_document_seller",
        waiting["order_sn"]: "not_arranged",
        cancelled["order_sn"]: "cancelled_on_shopee",
    }
    words = {o.order_sn: o.message for o in outcomes}
    assert "黑貓宅急便" in words[tcat["order_sn"]]
    # Store labels are HTML, 新竹物流's a PDF: one ZIP holding one page of each kind.
    assert document.content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(document.content))
    names = sorted(archive.namelist())
    assert [name.rsplit(".", 1)[1] for name in names] == ["html", "pdf"]
    page = archive.read(names[0]).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert seven["tracking_number"] in page and family["tracking_number"] in page
    pdf = archive.read(names[1])
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    text = "".join(p.extract_text() for p in reader.pages)
    assert hct["order_sn"] in text and hct2["order_sn"] in text


def test_one_kind_of_label_gives_that_file_itself(sandbox, shop):
    orders = pull(shop, arranged(sandbox, shop, "新竹物流"))

    outcomes, document = book_documents(order_pks=[orders[0].pk], wait_seconds=10)

    assert [o.code for o in outcomes] == ["in_document"]
    assert document.content_type == "application/pdf" and document.content.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(document.content)).pages) == 1
    assert BookOrder.objects.count() == 0  # printing needs no import; nothing recorded for it


def test_a_document_still_processing_is_asked_again_until_ready(sandbox, shop):
    sandbox.configure(document_ready_seconds=1.5)
    orders = pull(shop, arranged(sandbox, shop, "全家"))
    naps = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        time.sleep(seconds)

    outcomes, document = book_documents(order_pks=[orders[0].pk], wait_seconds=10, sleep=nap)

    assert [o.code for o in outcomes] == ["in_document"]
    assert len(naps) >= 2 and document.content.startswith(b"<!DOCTYPE html>")
    polls = [c["count"] for c in sandbox.calls() if c["path"].endswith("/get_shipping_document_result")]
    assert polls == [len(naps) + 1]


def test_a_document_not_ready_in_time_is_to_try_again_not_failed(sandbox, shop):
    sandbox.configure(document_ready_seconds=60)
    orders = pull(shop, arranged(sandbox, shop, "全家"))

    [outcome], document = book_documents(order_pks=[orders[0].pk], wait_seconds=0.5)

    assert outcome.code == "document_not_ready" and outcome.waiting and not outcome.ok
    assert document is None


def test_the_results_page_lists_orders_without_a_shopee_document_apart(
    sandbox, shop, staff_client, eager_tasks, django_capture_on_commit_callbacks
):
    seven = arranged(sandbox, shop, "7-ELEVEN")
    tcat = arranged(sandbox, shop, "黑貓宅急便")
    orders = pull(shop, seven, tcat)

    with django_capture_on_commit_callbacks(execute=True):  # the task runs when the request commits
        act(staff_client, "documents", orders)
    action = BookAction.objects.get()
    page = staff_client.get(f"/orders/actions/{action.pk}/").content.decode()

    main, apart = page.split('id="apart-title"')
    assert seven["order_sn"] in main and tcat["order_sn"] not in main
    assert tcat["order_sn"] in apart and "黑貓宅急便 由物流自備託運單" in apart
    document = staff_client.get(re.search(r'href="(/orders/actions/\d+/document/)"', page).group(1))
    assert document["Content-Type"].startswith("text/html") and seven["order_sn"] in document.content.decode()

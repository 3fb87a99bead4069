"""When Shopee fails an action's calls, every order the action had not done yet says so in words,
the same way for 轉出貨, 產生寄件單 and 超取補匯入 (book.outcomes.shopee_failed): Shopee refused
the shop's authorization (the shop is then unverified, and nothing changes in the book), or
Shopee could not be reached (try again shortly). Against the sandbox over HTTP."""

from __future__ import annotations

import pytest

from accounts.models import Shop
from book.documents import book_documents
from book.imports import book_import
from book.models import BookOrder
from book.shipment import book_convert
from book.supplement import book_supplement
from tests.book.helpers import by_sn, line, product, pull, remote_order, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(sandbox, shop, salesperson):
    """Two store-pickup orders in the book, Shopee not yet asked for their tracking numbers."""
    product("CUP", 10)
    orders = pull(shop, *[remote_order(sandbox, shop, line("CUP", 2), carrier="全家") for _ in range(2)])
    assert {o.code for o in book_import(order_pks=[o.pk for o in orders], user=salesperson)} == {"imported"}
    return orders


@pytest.fixture
def outage(sandbox):
    sandbox.set_faults(outage_seconds=60)
    yield
    sandbox.set_faults(clear=True)


def test_a_refused_authorization_refuses_every_order_of_a_conversion_and_unverifies_the_shop(
    sandbox, shop, imported, salesperson
):
    sandbox.revoke(shop.shop_id)

    outcomes = book_convert(order_pks=[o.pk for o in imported], user=salesperson, sender="王小美")

    assert set(by_sn(outcomes).values()) == {"shopee_refused"} and len(outcomes) == 2
    # In our words; Shopee's English only beside them (shown on hover), never as the result.
    assert {o.message for o in outcomes} == {"蝦皮拒絕：權杖或本系統的權限遭拒"}
    assert {o.said for o in outcomes} == {"error_auth: Invalid access_token."}
    shop.refresh_from_db()
    assert shop.state == Shop.State.EXPIRED
    assert set(BookOrder.objects.values_list("state", flat=True)) == {"imported"}
    assert stock("CUP") == (10, 4)  # nothing deducted, the reservations kept


def test_shopee_out_of_reach_makes_every_order_of_documents_and_supplement_a_try_again(
    sandbox, shop, imported, outage
):
    pks = [o.pk for o in imported]

    documents, file = book_documents(order_pks=pks, wait_seconds=1)
    supplemented = book_supplement(order_pks=pks)

    for outcomes in (documents, supplemented):
        assert set(by_sn(outcomes).values()) == {"shopee_unavailable"} and len(outcomes) == 2
        assert all(o.waiting and o.message.startswith("無法連上蝦皮") for o in outcomes)
    assert file is None
    shop.refresh_from_db()
    assert shop.state == Shop.State.VERIFIED  # an outage is not the shop's authorization

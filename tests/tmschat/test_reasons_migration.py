"""Reasons stored as sentences before they were codes: Shopee's English in the book's results,
statuses and states in the words of whoever ran an action, notice skip reasons in the sender's
language. After the migrations each is a code, and the pages say it in the reader's words."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from book.models import BookAction
from notifications.models import AutoNotice, NoticeBatchOrder
from tests.utils import migrate_to, migrate_to_newest

BEFORE = [("book", "0002_fields_named_in_zh_hant"), ("notifications", "0002_zh_hant_names")]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def before_codes():
    executor = migrate_to(BEFORE)
    others = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in ("book", "notifications")]
    yield executor.loader.project_state([*others, *BEFORE]).apps
    migrate_to_newest()


def test_stored_sentences_become_codes_said_in_the_readers_words(before_codes, client):
    old = before_codes
    user = old.get_model("auth", "User").objects.create(username="sales", is_staff=True, is_superuser=True)
    shop = old.get_model("accounts", "Shop").objects.create(shop_id="242826267", name="我的測試賣場")
    orders = [
        old.get_model("orders", "Order").objects.create(
            shop=shop, order_sn=f"241101AAAA000{n}", status="UNPAID", created_on_shopee=timezone.now()
        )
        for n in range(4)
    ]
    results = [
        {
            "order_sn": "241101AAAA0000",
            "code": "shopee_refused",
            "params": {"error": "error_auth: Invalid access_token."},
        },
        {
            "order_sn": "241101AAAA0001",
            "code": "document_failed",
            "params": {"error": "Package can not print now."},
        },
        {"order_sn": "241101AAAA0002", "code": "not_paid", "params": {"status": "Unpaid"}},
        {"order_sn": "241101AAAA0003", "code": "not_returning", "params": {"state": "已匯入"}},
    ]
    action = old.get_model("book", "BookAction").objects.create(
        kind="convert",
        user=user,
        order_pks=[o.pk for o in orders],
        results=results,
        finished_at=timezone.now(),
    )
    batch = old.get_model("notifications", "NoticeBatch").objects.create(
        token="t" * 32, created_by=user, text="x"
    )
    link = old.get_model("notifications", "NoticeBatchOrder").objects
    link.create(
        batch=batch, order=orders[0], skip_reason="Shopee hides this buyer: they cannot be reached by chat."
    )
    link.create(batch=batch, order=orders[1], skip_reason="這筆訂單還沒有 [寄件編號] 的資料。")
    old.get_model("notifications", "AutoNotice").objects.create(
        order=orders[2],
        shop=shop,
        state="refused",
        reason="No value for [寄件編號]、[結帳金額] on this order yet.",
    )

    migrate_to_newest()

    params = [result["params"] for result in BookAction.objects.get(pk=action.pk).results]
    assert params == [
        {"shopee_code": "error_auth", "said": "error_auth: Invalid access_token."},
        {"shopee_code": "", "said": "Package can not print now."},
        {"status": "UNPAID"},
        {"state": "imported"},
    ]
    assert sorted(NoticeBatchOrder.objects.values_list("skip_reason", flat=True)) == [
        "buyer_hidden",
        "missing_values:[寄件編號]",
    ]
    assert AutoNotice.objects.get().reason == "missing_values:[寄件編號]、[結帳金額]"

    client.force_login(get_user_model().objects.get(pk=user.pk))
    page = client.get(f"/orders/actions/{action.pk}/").content.decode()
    for words in (
        '"詳細內容： error_auth: Invalid access_token.">蝦皮拒絕：權杖或本系統的權限遭拒<',  # Shopee's text on hover
        '"詳細內容： Package can not print now.">蝦皮無法產生寄件單：本系統尚不認得的錯誤<',
        ">蝦皮上尚未可處理（未付款）<",
        ">不是退件（訂單簿：已匯入），庫存未變動<",
    ):
        assert words in page
    result = client.get(f"/notices/batches/{batch.pk}/").content.decode()
    assert "蝦皮隱藏了這位買家，無法以聊聊聯絡。" in result and "這筆訂單還沒有 [寄件編號] 的資料。" in result

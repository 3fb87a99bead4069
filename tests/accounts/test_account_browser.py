"""What staff read in the account browser about each shop's syncs and authorization: real chat and
order syncs against the sandbox write them, the page shows them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Shop, ShopSync
from chat.sync import chat_sync_shop
from orders.services import orders_sync_recent
from tests.accounts.helpers import KTMST, verify_in_sandbox
from tests.utils import signed_in

pytestmark = pytest.mark.django_db


def shop_row(user, shop: Shop) -> str:
    """The account browser's row of `shop`, as HTML."""
    page = signed_in(user).get(reverse("accounts:list")).text
    start = page.index(f'data-shop="{shop.pk}"')
    return page[start : page.index("</tr>", start)]


def test_row_shows_when_chat_and_orders_last_synced(sandbox_shops, verified_shop, salesperson):
    assert shop_row(salesperson, verified_shop).count("尚未同步") == 2  # neither has run yet

    chat_sync_shop(shop=verified_shop)
    orders_sync_recent(shop=verified_shop)

    row = shop_row(salesperson, verified_shop)
    pulled = dict(ShopSync.objects.filter(shop=verified_shop).values_list("kind", "last_success_at"))
    local = timezone.localtime  # the page speaks Asia/Taipei
    assert f"聊聊</span> {local(pulled['chat']):%Y/%m/%d %H:%M}" in row
    assert f"訂單</span> {local(pulled['orders']):%Y/%m/%d %H:%M}" in row
    assert "尚未同步" not in row


def test_a_failed_chat_sync_shows_its_error_until_a_sync_succeeds(sandbox_shops, verified_shop, salesperson):
    sandbox_shops.set_faults(error_share=1.0, paths=["get_conversation_list"])
    chat_sync_shop(shop=verified_shop)

    row = shop_row(salesperson, verified_shop)
    assert (
        "sync-error" in row and "[聊聊] 蝦皮內部發生錯誤；稍後會再試" in row
    )  # Shopee's error in our words …
    assert 'title="詳細內容： error_server' in row  # … Shopee's own on hover, never on the page
    assert "已驗證" in row  # a server error is no reason to re-verify

    sandbox_shops.set_faults(clear=True)
    chat_sync_shop(shop=verified_shop)

    assert "sync-error" not in shop_row(salesperson, verified_shop)


def test_a_shop_that_lost_its_authorization_shows_the_reason_not_a_stale_sync_error(
    sandbox_shops, verified_shop, salesperson
):
    sandbox_shops.change_password(KTMST["shop_id"], "changed-on-shopee")

    chat_sync_shop(shop=verified_shop)  # one sync cycle finds out

    shop = Shop.objects.get(pk=verified_shop.pk)
    row = shop_row(salesperson, shop)
    assert "已失效" in row
    assert "蝦皮拒絕此賣場的授權：權杖或本系統的權限遭拒" in row
    assert 'title="詳細內容： Invalid access_token.' in row  # Shopee's words on hover
    assert reverse("accounts:verify", args=[shop.pk]) in row  # the button is back
    assert "sync-error" not in row  # the reason says it once

    verify_in_sandbox(sandbox_shops, shop, salesperson, seller=KTMST | {"password": "changed-on-shopee"})
    row = shop_row(salesperson, shop)
    assert "已驗證" in row and "error_auth" not in row  # nothing left over from the old authorization


def test_authorization_on_its_last_day_says_expires_today(verified_shop, salesperson):
    Shop.objects.filter(pk=verified_shop.pk).update(
        state=Shop.State.EXPIRING, authorization_expires_at=timezone.now() + timedelta(hours=5)
    )
    row = shop_row(salesperson, verified_shop)
    assert "今天到期" in row and "延長授權" in row

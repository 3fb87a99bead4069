"""The admin site for account verification: states, and asking Shopee now. Tokens never shown."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Shop
from tests.accounts.helpers import KTMST

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root-12345"))
    return client


def run_action(client, action: str, shop: Shop):
    return client.post(
        reverse("admin:accounts_shop_changelist"),
        {"action": action, "_selected_action": [shop.pk]},
        follow=True,
    )


def test_shop_admin_lists_states_and_never_shows_tokens(admin_client_, verified_shop):
    changelist = admin_client_.get(reverse("admin:accounts_shop_changelist") + "?state__exact=verified")
    change = admin_client_.get(reverse("admin:accounts_shop_change", args=[verified_shop.pk]))
    assert "我的測試賣場" in changelist.text and "已驗證" in changelist.text
    for page in (changelist, change):
        assert page.status_code == 200
        assert verified_shop.access_token not in page.text
        assert verified_shop.refresh_token not in page.text


def test_refresh_tokens_now_gets_a_new_pair(admin_client_, sandbox_shops, verified_shop):
    page = run_action(admin_client_, "refresh_tokens_now", verified_shop)
    assert "已更新 1 個賣場的權杖" in page.text
    assert Shop.objects.get(pk=verified_shop.pk).refresh_token != verified_shop.refresh_token


def test_check_authorization_now_finds_a_revoked_shop(admin_client_, sandbox_shops, verified_shop):
    sandbox_shops.revoke(KTMST["shop_id"])
    page = run_action(admin_client_, "check_authorization_now", verified_shop)
    assert "1 個已失去授權" in page.text
    assert "蝦皮已不再列出此賣場的授權" in page.text  # the reason, in the reader's language
    assert Shop.objects.get(pk=verified_shop.pk).state == Shop.State.EXPIRED


def test_refresh_tokens_now_on_a_shop_shopee_refuses_says_so_and_flips_it(
    admin_client_, sandbox_shops, verified_shop
):
    sandbox_shops.change_password(KTMST["shop_id"], "changed-on-shopee")
    page = run_action(admin_client_, "refresh_tokens_now", verified_shop)
    assert "已失去授權：權杖或本系統的權限遭拒 — error_auth" in page.text
    assert "已更新 0 個賣場的權杖" in page.text
    assert Shop.objects.get(pk=verified_shop.pk).state == Shop.State.EXPIRED

"""Tokens never lapse silently: refreshed ahead on the beat and on use, and every way of losing
the authorization shows on the account page with its reason and the button back."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services, tasks, tokens
from accounts.models import Shop
from shopee.errors import AuthError, Transient
from tests.accounts.helpers import KTMST, TMSBABY, verify_in_sandbox
from tests.factories import ShopFactory
from tests.utils import signed_in

pytestmark = pytest.mark.django_db

REFRESH = "/api/v2/auth/access_token/get"


def calls(sandbox, path: str) -> int:
    return sum(c["count"] for c in sandbox.calls() if c["path"] == path)


def account_page(user) -> str:
    return signed_in(user).get(reverse("accounts:list")).text


def expire_access_token_in(shop: Shop, minutes: int) -> None:
    Shop.objects.filter(pk=shop.pk).update(
        access_token_expires_at=timezone.now() + timedelta(minutes=minutes)
    )
    shop.refresh_from_db()


def test_shop_api_refreshes_a_token_about_to_expire_and_calls_with_the_new_one(sandbox_shops, verified_shop):
    old_access, old_refresh = verified_shop.access_token, verified_shop.refresh_token
    expire_access_token_in(verified_shop, 2)

    info = tokens.shop_api(verified_shop).get_shop_info()

    assert info["shop_name"] == "我的測試賣場"
    stored = Shop.objects.get(pk=verified_shop.pk)
    assert stored.access_token != old_access and stored.refresh_token != old_refresh
    assert stored.access_token_expires_at > timezone.now() + timedelta(hours=3)
    assert calls(sandbox_shops, REFRESH) == 1


def test_shop_api_uses_a_fresh_token_without_refreshing(sandbox_shops, verified_shop):
    tokens.shop_api(verified_shop).get_shop_info()
    assert calls(sandbox_shops, REFRESH) == 0


def test_shop_api_refuses_a_shop_that_is_not_verified(shop):
    with pytest.raises(AuthError):
        tokens.shop_api(shop)


def test_beat_refreshes_only_tokens_due_within_the_hour(sandbox_shops, verified_shop, salesperson):
    fresh = verify_in_sandbox(
        sandbox_shops, ShopFactory(name="寶寶", salesperson=salesperson), salesperson, seller=TMSBABY
    )
    expire_access_token_in(verified_shop, 50)
    before = fresh.access_token

    tasks.tokens_refresh_due()

    assert calls(sandbox_shops, REFRESH) == 1
    assert Shop.objects.get(pk=fresh.pk).access_token == before
    assert Shop.objects.get(pk=verified_shop.pk).access_token_expires_at > timezone.now() + timedelta(hours=3)


def test_refused_refresh_flips_the_shop_with_the_reason_and_the_button_back(
    sandbox_shops, verified_shop, salesperson
):
    sandbox_shops.change_password(KTMST["shop_id"], "new-password")
    expire_access_token_in(verified_shop, 30)

    tasks.tokens_refresh_due()

    shop = Shop.objects.get(pk=verified_shop.pk)
    assert shop.state == Shop.State.EXPIRED
    assert (shop.state_reason, shop.state_reason_said) == ("error_auth", "Invalid refresh_token.")
    assert (shop.access_token, shop.refresh_token) == ("", "")
    page = account_page(salesperson)
    assert "已失效" in page and "蝦皮拒絕此賣場的授權：權杖或本系統的權限遭拒" in page
    assert "Invalid refresh_token" in page  # Shopee's own words, on hover
    assert reverse("accounts:verify", args=[shop.pk]) in page


def test_revoke_shows_within_one_authorization_check(sandbox_shops, verified_shop, salesperson):
    sandbox_shops.revoke(KTMST["shop_id"])

    tasks.authorizations_check()

    shop = Shop.objects.get(pk=verified_shop.pk)
    assert shop.state == Shop.State.EXPIRED
    page = account_page(salesperson)
    assert "蝦皮已不再列出此賣場的授權" in page
    assert reverse("accounts:verify", args=[shop.pk]) in page
    with pytest.raises(AuthError):
        tokens.shop_api(shop)


def test_revoke_push_flips_the_shop(verified_shop, salesperson):
    services.shop_authorization_revoked(shop_id=KTMST["shop_id"], reason="user cancel shop authorization")
    assert "賣家已在蝦皮取消授權" in account_page(salesperson)
    assert Shop.objects.get(pk=verified_shop.pk).state == Shop.State.EXPIRED


def test_authorization_ending_within_a_week_shows_days_left(sandbox_shops, verified_shop, salesperson):
    sandbox_shops.expire_soon(KTMST["shop_id"], days=6.5)

    tasks.authorizations_check()

    shop = Shop.objects.get(pk=verified_shop.pk)
    assert shop.state == Shop.State.EXPIRING
    page = account_page(salesperson)
    assert "6 天後到期" in page and "即將到期" in page
    tokens.shop_api(shop).get_shop_info()  # still usable meanwhile


def test_expiry_warning_push_marks_the_shop_expiring(verified_shop, salesperson):
    in_five_days = int((timezone.now() + timedelta(days=5, hours=1)).timestamp())

    services.shop_expiry_warning(shop_ids=[KTMST["shop_id"]], expire_before=in_five_days)

    shop = Shop.objects.get(pk=verified_shop.pk)
    assert (shop.state, shop.authorization_days_left) == (Shop.State.EXPIRING, 5)
    assert "5 天後到期" in account_page(salesperson)


def test_auth_error_with_tokens_replaced_meanwhile_changes_nothing(sandbox_shops, verified_shop, salesperson):
    """A sync that started with the old tokens fails after the shop was re-verified: no flip."""
    stale = Shop.objects.get(pk=verified_shop.pk)
    verify_in_sandbox(sandbox_shops, verified_shop, salesperson)

    services.shop_auth_failed(shop=stale, reason="error_auth: Invalid access_token.")

    assert Shop.objects.get(pk=verified_shop.pk).state == Shop.State.VERIFIED


def test_auth_error_during_sync_flips_the_shop(sandbox_shops, verified_shop):
    sandbox_shops.revoke(KTMST["shop_id"])
    with pytest.raises(AuthError) as failure:
        tokens.shop_api(verified_shop).get_shop_info()

    services.shop_auth_failed(shop=verified_shop, reason=str(failure.value))

    shop = Shop.objects.get(pk=verified_shop.pk)
    assert (shop.state, shop.state_reason, shop.state_reason_said) == (
        Shop.State.EXPIRED,
        "error_auth",
        "Invalid access_token.",
    )


@pytest.mark.parametrize(
    "fault", [{"error_share": 1.0, "paths": [REFRESH]}, {"daily_quota_exceeded": True}], ids=["down", "quota"]
)
def test_refresh_shopee_cannot_answer_keeps_the_shop_verified_for_the_next_run(
    sandbox_shops, verified_shop, salesperson, fault
):
    expire_access_token_in(verified_shop, 30)
    sandbox_shops.set_faults(**fault)

    tasks.tokens_refresh_due()

    shop = Shop.objects.get(pk=verified_shop.pk)
    assert (shop.state, shop.refresh_token) == (Shop.State.VERIFIED, verified_shop.refresh_token)
    assert "已失效" not in account_page(salesperson)
    sandbox_shops.set_faults(clear=True, daily_quota_exceeded=False)
    tasks.tokens_refresh_due()  # the next run
    assert Shop.objects.get(pk=shop.pk).access_token_expires_at > timezone.now() + timedelta(hours=3)


def test_shop_api_keeps_using_a_token_with_minutes_left_while_shopee_cannot_refresh(
    sandbox_shops, verified_shop
):
    expire_access_token_in(verified_shop, 2)
    sandbox_shops.set_faults(error_share=1.0, paths=[REFRESH])

    assert tokens.shop_api(verified_shop).get_shop_info()["shop_name"] == "我的測試賣場"

    expire_access_token_in(verified_shop, -1)  # a token that has run out is no use
    with pytest.raises(Transient):
        tokens.shop_api(verified_shop)
    assert Shop.objects.get(pk=verified_shop.pk).state == Shop.State.VERIFIED

"""[聊聊登入認證] over HTTP: our start view → the sandbox's authorization pages → our callback.
The signed `state` refuses forged, replayed, foreign and late callbacks."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.urls import reverse

from accounts.client import shopee_client
from accounts.models import Shop
from tests.accounts.helpers import KTMST, TMSBABY, back_from_shopee, flash, seller_at_shopee, start
from tests.factories import ShopFactory
from tests.utils import signed_in

pytestmark = pytest.mark.django_db


def test_verification_marks_the_shop_verified_with_its_id_and_name_from_shopee(
    sandbox_shops, shop, salesperson
):
    client = signed_in(salesperson)
    shopee = seller_at_shopee(start(client, shop), account="ktmst", password="demo1234")
    page = back_from_shopee(client, shopee.location)

    shop.refresh_from_db()
    assert shop.state == Shop.State.VERIFIED
    assert (shop.shop_id, shop.name) == (KTMST["shop_id"], KTMST["name"])
    # What 蝦皮API授權 verified and what it opened, in words apart from the chat login's.
    assert flash(page) == "我的測試賣場：蝦皮API授權已驗證。現在可以下載訂單、轉出貨、產生寄件單及使用聊聊。"
    assert reverse("accounts:verify", args=[shop.pk]) not in page.text  # the button is gone
    assert shop.authorization_days_left == 364
    # Confirmed with a real API call before it was marked verified.
    calls = {c["path"]: c["count"] for c in sandbox_shops.calls()}
    assert calls["/api/v2/auth/token/get"] == 1
    assert calls["/api/v2/shop/get_shop_info"] == 1


def test_add_new_shop_creates_it_from_shopee_with_the_user_as_salesperson(sandbox_shops, salesperson):
    client = signed_in(salesperson)
    shopee = seller_at_shopee(start(client), account="tmsbaby", password=TMSBABY["password"])
    page = back_from_shopee(client, shopee.location)

    shop = Shop.objects.get()
    assert (shop.shop_id, shop.name, shop.salesperson) == (TMSBABY["shop_id"], "寶寶生活館", salesperson)
    assert shop.state == Shop.State.VERIFIED
    assert "寶寶生活館" in page.text


def test_wrong_password_at_shopee_leaves_the_shop_unverified(sandbox_shops, shop, salesperson):
    client = signed_in(salesperson)
    shopee = seller_at_shopee(start(client, shop), account="ktmst", password="wrong")

    assert shopee.error == "帳號或密碼錯誤，請重新輸入。"
    assert not shopee.location
    shop.refresh_from_db()
    assert shop.state == Shop.State.UNVERIFIED
    page = client.get(reverse("accounts:list")).text
    assert reverse("accounts:verify", args=[shop.pk]) in page


def test_denied_authorization_leaves_the_shop_unchanged_with_a_clear_message(
    sandbox_shops, shop, salesperson
):
    client = signed_in(salesperson)
    shopee = seller_at_shopee(start(client, shop), account="ktmst", password="demo1234", decision="deny")
    page = back_from_shopee(client, shopee.location)

    assert "蝦皮未授權，賣場狀態未變更" in flash(page)
    shop.refresh_from_db()
    assert (shop.state, shop.shop_id, shop.access_token) == (Shop.State.UNVERIFIED, None, "")
    assert reverse("accounts:verify", args=[shop.pk]) in page.text


def test_replayed_callback_is_refused(sandbox_shops, shop, salesperson):
    client = signed_in(salesperson)
    location = seller_at_shopee(start(client, shop), account="ktmst", password="demo1234").location
    back_from_shopee(client, location)
    shop.refresh_from_db()
    first_token = shop.access_token

    page = back_from_shopee(client, location)

    assert "已經使用過" in flash(page)
    shop.refresh_from_db()
    assert shop.access_token == first_token
    assert {c["path"]: c["count"] for c in sandbox_shops.calls()}["/api/v2/auth/token/get"] == 1


def test_callback_opened_in_another_users_session_is_refused(sandbox_shops, salesperson, other_staff):
    """Login CSRF: an attacker authorizes their own shop and sends the callback link to a victim."""
    attacker = signed_in(other_staff)
    location = seller_at_shopee(start(attacker), account="ktmst", password="demo1234").location

    page = back_from_shopee(signed_in(salesperson), location)

    assert "不是由此處發起" in flash(page)
    assert not Shop.objects.exists()


def test_forged_state_is_refused(sandbox_shops, shop, salesperson):
    client = signed_in(salesperson)
    start(client, shop)  # a verification is pending in this session
    code = sandbox_shops.authorize_code(KTMST["shop_id"])
    forged = signing.dumps({"user": salesperson.pk, "shop": shop.pk, "nonce": "guess"}, key="not-our-secret")
    page = client.get(
        reverse("accounts:verify_callback"),
        {"code": code, "shop_id": KTMST["shop_id"], "state": forged},
        follow=True,
    )

    assert "無法確認蝦皮的回應" in flash(page)
    shop.refresh_from_db()
    assert shop.state == Shop.State.UNVERIFIED


def test_callback_after_ten_minutes_is_refused(sandbox_shops, shop, salesperson, monkeypatch):
    client = signed_in(salesperson)
    location = seller_at_shopee(start(client, shop), account="ktmst", password="demo1234").location
    later = time.time() + 11 * 60
    monkeypatch.setattr(signing.time, "time", lambda: later)

    page = back_from_shopee(client, location)

    assert "授權逾時" in flash(page)
    shop.refresh_from_db()
    assert shop.state == Shop.State.UNVERIFIED


def test_a_different_shop_than_the_one_being_verified_is_refused(sandbox_shops, salesperson):
    baby = ShopFactory(name="寶寶生活館", shop_id=TMSBABY["shop_id"], salesperson=salesperson)
    client = signed_in(salesperson)
    # The seller signs in at Shopee with the wrong shop's account.
    location = seller_at_shopee(start(client, baby), account="ktmst", password="demo1234").location

    page = back_from_shopee(client, location)

    assert "蝦皮授權的賣場與正在驗證的帳號不同" in flash(page)
    baby.refresh_from_db()
    assert baby.state == Shop.State.UNVERIFIED
    assert not Shop.objects.filter(shop_id=KTMST["shop_id"]).exists()
    assert "/api/v2/auth/token/get" not in {c["path"] for c in sandbox_shops.calls()}  # code left unused


def test_adding_a_shop_registered_to_another_salesperson_is_refused(sandbox_shops, salesperson, other_staff):
    theirs = ShopFactory(name="我的測試賣場", shop_id=KTMST["shop_id"], salesperson=other_staff)
    client = signed_in(salesperson)
    location = seller_at_shopee(start(client), account="ktmst", password="demo1234").location

    page = back_from_shopee(client, location)

    assert "已由其他業務登錄" in flash(page)
    theirs.refresh_from_db()
    assert (theirs.salesperson, theirs.state) == (other_staff, Shop.State.UNVERIFIED)


def test_reverifying_an_expired_shop_through_add_new_keeps_one_row(sandbox_shops, verified_shop, salesperson):
    sandbox_shops.revoke(KTMST["shop_id"])
    Shop.objects.filter(pk=verified_shop.pk).update(state=Shop.State.EXPIRED)
    client = signed_in(salesperson)
    location = seller_at_shopee(start(client), account="ktmst", password="demo1234").location

    back_from_shopee(client, location)

    shop = Shop.objects.get()
    assert (shop.pk, shop.state) == (verified_shop.pk, Shop.State.VERIFIED)


def test_other_staff_cannot_start_verification_of_someone_elses_shop(sandbox_shops, shop, other_staff):
    assert signed_in(other_staff).post(reverse("accounts:verify", args=[shop.pk])).status_code == 404


@pytest.mark.parametrize("failing", ["/api/v2/auth/token/get", "/api/v2/shop/get_shop_info"])
def test_shopee_error_while_confirming_the_login_is_shown_and_changes_nothing(
    sandbox_shops, shop, salesperson, failing
):
    client = signed_in(salesperson)
    location = seller_at_shopee(start(client, shop), account="ktmst", password="demo1234").location
    sandbox_shops.set_faults(error_share=1.0, paths=[failing])

    page = back_from_shopee(client, location)

    assert "蝦皮未確認登入（蝦皮內部發生錯誤；稍後會再試 — error_server" in flash(page)
    assert "賣場狀態未變更" in flash(page)
    shop.refresh_from_db()
    assert (shop.state, shop.shop_id, shop.access_token) == (Shop.State.UNVERIFIED, None, "")
    assert reverse("accounts:verify", args=[shop.pk]) in page.text  # try again from here


def test_a_code_shopee_no_longer_accepts_changes_nothing(sandbox_shops, verified_shop, salesperson):
    """Renewing a verified shop with a code that was already traded: Shopee refuses it."""
    used = sandbox_shops.authorize_code(KTMST["shop_id"])
    shopee_client().get_access_token(code=used, shop_id=KTMST["shop_id"])
    client = signed_in(salesperson)
    callback = parse_qs(urlsplit(start(client, verified_shop)).query)["redirect"][0]
    state = parse_qs(urlsplit(callback).query)["state"][0]

    page = client.get(
        reverse("accounts:verify_callback"),
        {"code": used, "shop_id": KTMST["shop_id"], "state": state},
        follow=True,
    )

    assert "蝦皮未確認登入（登入代碼無效或已使用過：請重新在蝦皮登入 — invalid_code" in flash(page)
    stored = Shop.objects.get(pk=verified_shop.pk)
    assert (stored.state, stored.access_token) == (Shop.State.VERIFIED, verified_shop.access_token)

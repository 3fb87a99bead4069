"""Who sees and acts on which shop: its salesperson, another staff member, an all-shops manager,
anonymous visitors, and POSTs without a CSRF token."""

import pytest
from django.urls import reverse

from accounts.models import Shop
from accounts.selectors import shop_for
from tests.factories import ShopFactory
from tests.utils import assert_only_its_salesperson_and_a_manager_get, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(salesperson):
    return ShopFactory(name="我的測試賣場", account="ktmst", customer="TMS獲利王", salesperson=salesperson)


def test_salesperson_sees_own_shop_in_account_browser(shop, salesperson):
    page = signed_in(salesperson).get(reverse("accounts:list"))
    assert page.status_code == 200
    assert "我的測試賣場" in page.text
    assert "TMS獲利王" in page.text


def test_other_staff_does_not_see_the_shop(shop, other_staff):
    page = signed_in(other_staff).get(reverse("accounts:list"))
    assert page.status_code == 200
    assert "我的測試賣場" not in page.text


def test_manager_with_all_shops_sees_every_shop(shop, manager, other_staff):
    ShopFactory(name="寶寶生活館", salesperson=other_staff)
    page = signed_in(manager).get(reverse("accounts:list"))
    assert "我的測試賣場" in page.text and "寶寶生活館" in page.text


@pytest.mark.parametrize("name", ["edit", "verify"])
def test_other_staff_gets_404_on_the_shop(shop, other_staff, name):
    url = reverse(f"accounts:{name}", args=[shop.pk])
    client = signed_in(other_staff)
    if name == "edit":
        assert client.get(url).status_code == 404
    response = client.post(url, {"name": "stolen", "salesperson": other_staff.pk})
    assert response.status_code == 404
    shop.refresh_from_db()
    assert shop.name == "我的測試賣場"


def test_manager_can_edit_any_shop_and_reassign_it(shop, manager, other_staff):
    url = reverse("accounts:edit", args=[shop.pk])
    response = signed_in(manager).post(
        url, {"name": "新名稱", "customer": "TMS", "salesperson": other_staff.pk}
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.salesperson) == ("新名稱", other_staff)


def test_salesperson_cannot_hand_a_shop_to_someone_else(shop, salesperson, other_staff):
    url = reverse("accounts:edit", args=[shop.pk])
    response = signed_in(salesperson).post(url, {"name": "我的測試賣場", "salesperson": other_staff.pk})
    assert response.status_code == 200
    # The field error, in Chinese, right after the field.
    assert 'id="id_salesperson_error"><li>選擇有效的選項' in response.text
    shop.refresh_from_db()
    assert shop.salesperson == salesperson


def test_missing_shop_name_shows_chinese_error_next_to_field(salesperson):
    response = signed_in(salesperson).post(
        reverse("accounts:create"), {"name": "", "salesperson": salesperson.pk}
    )
    assert response.status_code == 200
    assert 'id="id_name_error"><li>這個欄位是必須的' in response.text
    assert not Shop.objects.exists()


def test_salesperson_creates_a_shop_of_their_own(salesperson):
    response = signed_in(salesperson).post(
        reverse("accounts:create"), {"name": "3C小舖", "customer": "TMS獲利王", "salesperson": salesperson.pk}
    )
    shop = Shop.objects.get()
    assert response.status_code == 302
    assert (shop.name, shop.salesperson, shop.state) == ("3C小舖", salesperson, Shop.State.UNVERIFIED)


@pytest.mark.parametrize("name,args", [("list", []), ("edit", [1]), ("create", [])])
def test_anonymous_is_sent_to_sign_in(client, name, args):
    response = client.get(reverse(f"accounts:{name}", args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_non_staff_user_is_refused(django_user_model, shop):
    user = django_user_model.objects.create_user(username="buyer", password="x-pw-12345")
    assert signed_in(user).get(reverse("accounts:list")).status_code == 403


@pytest.mark.parametrize(
    "name,with_pk", [("verify", True), ("edit", True), ("create", False), ("add_from_shopee", False)]
)
def test_post_without_csrf_token_is_refused(shop, salesperson, name, with_pk):
    client = signed_in(salesperson, enforce_csrf_checks=True)
    url = reverse(f"accounts:{name}", args=[shop.pk] if with_pk else [])
    response = client.post(url, {"name": "x", "salesperson": salesperson.pk})
    assert response.status_code == 403
    shop.refresh_from_db()
    assert shop.name == "我的測試賣場"
    assert Shop.objects.count() == 1


def test_verify_button_shows_only_on_shops_not_verified(shop, salesperson):
    verified = ShopFactory(verified=True, name="寶寶生活館", shop_id="318990021", salesperson=salesperson)
    page = signed_in(salesperson).get(reverse("accounts:list")).text
    assert reverse("accounts:verify", args=[shop.pk]) in page
    assert reverse("accounts:verify", args=[verified.pk]) not in page


def test_account_browser_runs_the_same_queries_for_many_shops(
    salesperson, django_assert_num_queries, django_assert_max_num_queries
):
    client = signed_in(salesperson)
    ShopFactory(name="一", salesperson=salesperson)
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("accounts:list"))
    for n in range(10):
        ShopFactory(name=f"賣場{n}", salesperson=salesperson, state=Shop.State.EXPIRED, state_reason="x")
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("accounts:list"))


def test_shop_for_gives_the_shop_to_its_salesperson_and_a_manager_and_404_to_other_staff(
    shop, salesperson, other_staff, manager
):
    assert_only_its_salesperson_and_a_manager_get(
        shop_for, shop, salesperson=salesperson, other_staff=other_staff, manager=manager
    )

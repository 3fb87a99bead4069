"""The order book in the admin: imported orders and the per-shop switches of another salesperson's
shops are neither listed, nor opened by id (change and history pages), nor named in the shop
filter; three people: the shop's salesperson, another staff member who may view every model, an
outsider. And the admin speaks Traditional Chinese for the book: the app, its models, their fields."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst

from book.models import BookOrder, BookShopSettings
from tests.factories import OrderFactory, ShopFactory
from tests.utils import signed_in

pytestmark = pytest.mark.django_db

SCOPED = ["bookorder", "bookshopsettings"]


@pytest.fixture
def rows(own_shop, others_shop):
    """Per shop an imported order and its switches."""
    made = {}
    for owner, shop in (("mine", own_shop), ("theirs", others_shop)):
        order = OrderFactory(shop=shop, order_sn=f"ORDER{owner.upper()}")
        made[owner] = {
            "bookorder": BookOrder.objects.create(order=order, imported_at=timezone.now()),
            "bookshopsettings": BookShopSettings.objects.create(shop=shop, auto_import=True),
        }
    return made


def may_view_every_model(user):
    """Every model's own view permission (not accounts.view_all_shops: that one grants shops)."""
    permissions = [
        p
        for p in Permission.objects.select_related("content_type")
        if p.codename == f"view_{p.content_type.model}"
    ]
    user.user_permissions.add(*permissions)
    return signed_in(user)


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:book_{model}_{view}", args=args)


@pytest.mark.parametrize("model", SCOPED)
def test_staff_see_only_the_book_rows_of_their_own_shops_in_the_admin(rows, salesperson, other_staff, model):
    for user, own, others, other_name in (
        (salesperson, rows["mine"][model], rows["theirs"][model], "寶寶生活館"),
        (other_staff, rows["theirs"][model], rows["mine"][model], "我的測試賣場"),
    ):
        client = may_view_every_model(user)

        listed = client.get(url(model, "changelist"))

        assert listed.status_code == 200
        assert [row.pk for row in listed.context["cl"].result_list] == [own.pk]
        assert other_name not in listed.text  # not in a row, nor in the shop filter
        assert client.get(url(model, "change", own.pk)).status_code == 200
        assert client.get(url(model, "history", own.pk)).status_code == 200
        assert client.get(url(model, "change", others.pk)).status_code == 302  # "does not exist"
        assert client.get(url(model, "history", others.pk)).status_code == 302


def test_the_shop_filter_names_only_the_shops_a_person_sees(rows, salesperson, own_shop):
    second = ShopFactory(verified=True, name="第二賣場", salesperson=salesperson)
    BookOrder.objects.create(order=OrderFactory(shop=second), imported_at=timezone.now())
    client = may_view_every_model(salesperson)

    filters = client.get(url("bookorder", "changelist")).context["cl"].filter_specs

    [shops] = [spec for spec in filters if spec.field_path == "order__shop"]
    assert sorted(pk for pk, _name in shops.lookup_choices) == sorted([own_shop.pk, second.pk])


def test_an_outsider_gets_no_book_row_from_the_admin(rows, django_user_model):
    outsider = django_user_model.objects.create_user(username="outsider", password="pw-for-tests-1")
    client = signed_in(outsider)  # signed in, but not staff

    for model in SCOPED:
        for page in (url(model, "changelist"), url(model, "change", rows["mine"][model].pk)):
            response = client.get(page)
            assert response.status_code == 403 and "ORDERMINE" not in response.text


def test_the_admin_names_the_book_its_models_and_their_fields_in_chinese(rows, admin_client):
    entry = rows["mine"]["bookorder"]
    registered = [model for model in admin.site._registry if model._meta.app_label == "book"]
    with translation.override("en"):
        english = {"Order book"} | {
            str(text)
            for model in registered
            for text in (
                model._meta.verbose_name_plural,
                *(
                    capfirst(field.verbose_name)
                    for field in model._meta.concrete_fields
                    if not field.primary_key
                ),
            )
        }

    index = admin_client.get(reverse("admin:app_list", args=["book"])).text
    change = admin_client.get(url("bookorder", "change", entry.pk)).text

    assert "訂單簿" in index and "已匯入訂單" in index and "商品" in index
    assert not [text for text in english for page in (index, change) if f">{text}" in page]

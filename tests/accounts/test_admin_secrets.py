"""The admin never shows a shop's secrets, not even read-only: the Seller Centre password, its
session (the SPC_EC and SPC_SC_TK cookies, the chat token), the login waiting for its link, the
trusted device id and the Open Platform tokens. The password can only be set anew or forgotten,
the session only forgotten."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts import chatlogin
from accounts.models import Shop
from accounts.services import shop_create, shop_verify
from tests.accounts.helpers import chat_login_in_sandbox

pytestmark = pytest.mark.django_db

PASSWORD = "Seller-pw-5521"


@pytest.fixture
def shop(sandbox, salesperson) -> Shop:
    """A TW shop with both verifications: its Seller Centre chat login and 蝦皮API授權."""
    remote = sandbox.create_shop(account="secretive", password=PASSWORD, name="機密賣場")
    shop = shop_create(name=remote["name"], account=remote["account"], salesperson=salesperson)
    chat_login_in_sandbox(sandbox, shop, salesperson, remote | {"password": PASSWORD})
    code = sandbox.authorize_code(remote["shop_id"])
    return shop_verify(
        shop=Shop.objects.get(pk=shop.pk), code=code, shop_id=remote["shop_id"], user=salesperson
    )


@pytest.fixture
def pending_shop(sandbox, salesperson) -> Shop:
    """A shop whose chat login waits for the tap on the seller's phone."""
    remote = sandbox.create_shop(account="waiting", password=PASSWORD, name="等待賣場")
    shop = shop_create(name=remote["name"], account=remote["account"], salesperson=salesperson)
    return chatlogin.chat_login_start(
        shop=shop, login_name="waiting", password=PASSWORD, keep_password=True, user=salesperson
    )


def secrets_of(*shops: Shop) -> list[str]:
    found = [PASSWORD]
    for shop in shops:
        shop = Shop.objects.get(pk=shop.pk)
        found += [shop.access_token, shop.refresh_token, shop.chat_device_id]
        for stored in (shop.chat_session, shop.chat_pending):
            if stored:
                values = json.loads(stored)
                found += [
                    *values["cookies"].values(),
                    values.get("chat_token", ""),
                    values.get("ivs_token", ""),
                ]
    return [value for value in found if len(value) >= 8]


def superuser(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root-12345"))
    return client


def view_only(user) -> Client:
    user.user_permissions.add(Permission.objects.get(codename="view_shop"))
    client = Client()
    client.force_login(user)
    return client


def change_page(client: Client, shop: Shop):
    response = client.get(reverse("admin:accounts_shop_change", args=[shop.pk]))
    assert response.status_code == 200
    return response


def test_no_secret_of_a_shop_is_on_its_admin_pages_for_a_superuser_or_view_only_staff(
    shop, pending_shop, salesperson, django_user_model
):
    session = json.loads(Shop.objects.get(pk=shop.pk).chat_session)
    assert {"SPC_EC", "SPC_SC_TK"} <= set(session["cookies"]) and session["chat_token"]
    secrets = secrets_of(shop, pending_shop)

    for client in (superuser(django_user_model), view_only(salesperson)):
        pages = [change_page(client, shop), change_page(client, pending_shop)]
        pages.append(client.get(reverse("admin:accounts_shop_changelist")))
        pages.append(client.get(reverse("admin:accounts_shop_history", args=[shop.pk])))
        for page in pages:
            assert page.status_code == 200
            assert [secret for secret in secrets if secret in page.text] == []
    # What the admin does show: whether a password is kept, and the session's state.
    assert "機密賣場" in pages[0].text and "已驗證" in pages[0].text


def posted_form(page, **changes) -> dict:
    """The change form as the browser would post it, with `changes`."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data |= {management.add_prefix(name): management[name].value() for name in management.fields}
        for inline in formset.formset.forms:
            data |= {inline.add_prefix(name): inline[name].value() or "" for name in inline.fields}
    return {key: value for key, value in data.items() if value is not False} | changes


def test_a_new_password_set_in_the_admin_is_stored_encrypted_and_never_shown(shop, django_user_model):
    client = superuser(django_user_model)
    page = change_page(client, shop)
    form = page.context["adminform"].form
    assert form["chat_password_new"].value() is None  # a write-only field: nothing to show

    response = client.post(
        page.request["PATH_INFO"], posted_form(page, chat_password_new="Brand-new-pw-8830")
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Shop.objects.get(pk=shop.pk)
    assert stored.chat_password == "Brand-new-pw-8830" and stored.chat_password_kept
    assert stored.chat_state == Shop.ChatState.VERIFIED  # the session in use stays
    with connection.cursor() as cursor:
        cursor.execute("SELECT chat_password FROM accounts_shop WHERE id = %s", [shop.pk])
        [raw] = cursor.fetchone()
    assert raw and "Brand-new-pw-8830" not in raw
    assert "Brand-new-pw-8830" not in change_page(client, shop).text


def test_the_admin_forgets_the_kept_password_and_the_session(shop, django_user_model):
    client = superuser(django_user_model)
    page = change_page(client, shop)

    response = client.post(
        page.request["PATH_INFO"], posted_form(page, chat_password_forget="on", chat_session_forget="on")
    )

    assert response.status_code == 302
    stored = Shop.objects.get(pk=shop.pk)
    assert stored.chat_password == "" and not stored.chat_password_kept
    assert stored.chat_session == "" and stored.chat_state == Shop.ChatState.UNVERIFIED
    assert not stored.can_send
    assert "在管理後台結束了聊聊工作階段" in change_page(client, shop).text


def test_setting_and_forgetting_the_password_at_once_is_refused_and_changes_nothing(shop, django_user_model):
    client = superuser(django_user_model)
    page = change_page(client, shop)

    response = client.post(
        page.request["PATH_INFO"],
        posted_form(page, chat_password_new="Another-pw-1", chat_password_forget="on"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert Shop.objects.get(pk=shop.pk).chat_password == PASSWORD


def test_view_only_staff_get_no_controls_for_the_secrets(shop, salesperson):
    page = change_page(view_only(salesperson), shop)

    assert 'name="chat_password_new"' not in page.text
    assert 'name="chat_session_forget"' not in page.text

"""Shopee's push endpoint probed as an attacker would: odd headers, odd numbers, old pushes and
the error page never give anything away or a 500."""

from __future__ import annotations

import sys
import time

import pytest
from django.core.signals import got_request_exception
from django.test import Client
from django.views.debug import ExceptionReporter

from chat.models import Message, PushReceipt
from tests.chat.helpers import signed
from tests.chat.test_push import URL, post, webchat

pytestmark = pytest.mark.django_db

DAY = 86400


@pytest.fixture
def shopee():
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("authorization", ["é" * 64, "签名", "\x00" * 64, "ÿ"])
def test_push_with_a_non_ascii_signature_is_refused_with_401(shopee, settings, own_shop, authorization):
    raw, _signature = signed(settings, webchat(own_shop))

    assert post(shopee, raw, authorization).status_code == 401
    assert not PushReceipt.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"code": 1e400, "data": {}}',
        b'{"code": 3, "timestamp": 1e400, "data": {}}',
        b'{"code": NaN, "data": {}}',
        b'{"code": 3, "data": 5}',
        b'{"code": 3, "data": "[1, 2]"}',
        b'{"code": 3, "data": {}, "timestamp": "soon"}',
        b"[" * 100_000,
    ],
    ids=[
        "code 1e400",
        "timestamp 1e400",
        "code NaN",
        "data a number",
        "data a JSON list",
        "timestamp text",
        "deep",
    ],
)
def test_signed_push_with_impossible_numbers_is_refused_with_400(shopee, settings, raw):
    body, signature = signed(settings, raw)

    assert post(shopee, body, signature).status_code == 400
    assert not PushReceipt.objects.exists()


@pytest.mark.parametrize(
    "spoil",
    [
        lambda body: body.update(shop_id="9" * 40),
        lambda body: body["data"]["content"].update(conversation_id="1" * 40),
        lambda body: body["data"]["content"].update(created_timestamp=10**30),
        lambda body: body["data"]["content"].update(source_content="order 123"),
        lambda body: body["data"].update(content="hello"),
        lambda body: body["data"]["content"].update(from_user_name="小明" * 200),
    ],
    ids=[
        "long shop id",
        "long conversation id",
        "far timestamp",
        "source a string",
        "content a string",
        "long name",
    ],
)
def test_signed_webchat_push_of_the_wrong_shape_is_refused_with_400(shopee, settings, own_shop, spoil):
    body = webchat(own_shop)
    spoil(body)

    assert post(shopee, *signed(settings, body)).status_code == 400
    assert not PushReceipt.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize(
    "age", [30 * DAY, 2 * DAY, -2 * DAY], ids=["30 days old", "2 days old", "2 days ahead"]
)
def test_push_stamped_outside_the_live_window_is_refused(shopee, settings, own_shop, age):
    body = webchat(own_shop)
    body["timestamp"] = int(time.time()) - age

    assert post(shopee, *signed(settings, body)).status_code == 400
    assert not PushReceipt.objects.exists() and not Message.objects.exists()


def test_push_retried_hours_later_is_still_taken(shopee, settings, own_shop):
    body = webchat(own_shop)
    body["timestamp"] = int(time.time()) - 4 * 3600  # Shopee's last retry comes ~3.6 h after the first

    assert post(shopee, *signed(settings, body)).status_code == 200
    assert Message.objects.filter(shop=own_shop).count() == 1


def test_error_report_never_shows_the_push_key(settings, own_shop):
    """The report of a failing push (the page DEBUG shows, the HTML mail the admins may get): a
    misconfigured callback URL fails inside the signature check, where the key is a local."""
    raw, signature = signed(settings, webchat(own_shop))
    settings.SHOPEE_PUSH_URL = None
    failures = []

    def keep(sender, request, **kwargs):
        failures.append((request, sys.exc_info()))

    got_request_exception.connect(keep)
    try:
        response = Client(raise_request_exception=False).post(
            URL, data=raw, content_type="application/json", HTTP_AUTHORIZATION=signature
        )
    finally:
        got_request_exception.disconnect(keep)

    assert response.status_code == 500
    [(request, exc_info)] = failures
    report = ExceptionReporter(request, *exc_info).get_traceback_html()
    assert "<td>push_key</td>" in report  # the frame's variables are listed …
    assert settings.SHOPEE_PUSH_KEY not in report  # … but not the secret

"""Sign-in throttling (django-axes) and sessions that end after inactivity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

LIMIT = 3


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def sign_in(client: Client, username: str, password: str, *, address: str = "203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_too_many_failures_lock_the_user_at_that_address_with_a_clear_message(client, salesperson):
    for _ in range(LIMIT - 1):
        response = sign_in(client, "sales", "wrong-password")
        assert response.status_code == 200
        assert "帳號或密碼錯誤" in response.content.decode()
    locked = sign_in(client, "sales", "wrong-password")
    assert locked.status_code == 429
    assert "登入失敗次數過多" in locked.content.decode()
    assert "30 分鐘" in locked.content.decode()

    # Now even the right password is refused from that address …
    assert sign_in(client, "sales", "pw-for-tests-1").status_code == 429
    assert "_auth_user_id" not in client.session
    # … while the same person elsewhere, and other people here, still sign in.
    assert sign_in(Client(), "sales", "pw-for-tests-1", address="198.51.100.9").status_code == 302


PROXY = "10.0.0.2"  # the TLS proxy in front of gunicorn, as the compose shape has it


def through_proxy(username: str, password: str, *, forwarded_for: str):
    """A sign-in that reached gunicorn through the trusted proxy, which appended the address it
    was reached from to whatever X-Forwarded-For the client sent."""
    return Client().post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_the_proxy_failures_lock_the_user_at_the_clients_address_only(salesperson, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(LIMIT):
        through_proxy("sales", "wrong-password", forwarded_for="203.0.113.7")

    assert through_proxy("sales", "pw-for-tests-1", forwarded_for="203.0.113.7").status_code == 429
    # The same person elsewhere, through the same proxy, still signs in.
    assert through_proxy("sales", "pw-for-tests-1", forwarded_for="198.51.100.9").status_code == 302
    assert set(AccessAttempt.objects.values_list("username", "ip_address")) == {("sales", "203.0.113.7")}


def test_an_address_the_client_wrote_itself_is_not_believed(salesperson, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The attacker at 203.0.113.7 claims another address on every try: the proxy appends the real one.
    for claimed in range(LIMIT):
        through_proxy("sales", "wrong-password", forwarded_for=f"192.0.2.{claimed}, 203.0.113.7")

    assert (
        through_proxy("sales", "pw-for-tests-1", forwarded_for="192.0.2.99, 203.0.113.7").status_code == 429
    )
    assert through_proxy("sales", "pw-for-tests-1", forwarded_for="198.51.100.9").status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(salesperson, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for claimed in range(LIMIT):
        Client().post(
            reverse("login"),
            {"username": "sales", "password": "wrong-password"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{claimed}",
        )

    assert sign_in(Client(), "sales", "pw-for-tests-1", address="203.0.113.7").status_code == 429


def test_the_lockout_message_in_english(client, salesperson):
    client.cookies["django_language"] = "en"
    for _ in range(LIMIT):
        locked = sign_in(client, "sales", "wrong-password")
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this user from this address" in locked.content.decode()


def test_an_administrator_unlocks_from_the_admin_list(client, salesperson, admin_client):
    for _ in range(LIMIT):
        sign_in(client, "sales", "wrong-password")
    assert sign_in(client, "sales", "pw-for-tests-1").status_code == 429

    listing = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "sales" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="sales")
    admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    assert sign_in(client, "sales", "pw-for-tests-1").status_code == 302


def test_a_success_clears_earlier_failures(client, salesperson):
    for _ in range(LIMIT - 1):
        sign_in(client, "sales", "wrong-password")
    assert sign_in(client, "sales", "pw-for-tests-1").status_code == 302
    client.post(reverse("logout"))
    for _ in range(LIMIT - 1):
        assert sign_in(client, "sales", "wrong-password").status_code == 200


# -- sessions ----------------------------------------------------------------------------------


def _session(client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def idle(client, *, minutes: int) -> None:
    """As if the user had done nothing for `minutes` (of a 20-minute idle limit)."""
    store = SessionStore(client.cookies["sessionid"].value)
    store["_seen"] -= minutes * 60
    store.save()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=20 - minutes)
    )


def test_a_session_ends_after_the_idle_time_and_activity_extends_it(client, salesperson, settings):
    settings.SESSION_COOKIE_AGE = 20 * 60
    assert sign_in(client, "sales", "pw-for-tests-1").status_code == 302
    expires = _session(client).expire_date
    assert abs(expires - (timezone.now() + timedelta(minutes=20))) < timedelta(seconds=30)

    # 15 idle minutes later the user clicks: the session runs 20 minutes from now again.
    idle(client, minutes=15)
    assert client.get(reverse("accounts:list")).status_code == 200
    assert _session(client).expire_date > timezone.now() + timedelta(minutes=19)

    # An idle tab refreshing itself does not keep the session alive.
    idle(client, minutes=15)
    client.get(reverse("inbox:list_changes"), HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="list-poll")
    assert _session(client).expire_date < timezone.now() + timedelta(minutes=6)

    # Past the idle time the user must sign in again.
    Session.objects.filter(pk=_session(client).pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("accounts:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_test_clients_login_without_a_request_still_works(client, salesperson):
    assert client.login(username="sales", password="pw-for-tests-1")
    assert client.get(reverse("accounts:list")).status_code == 200


def test_a_session_is_not_rewritten_on_every_request(client, salesperson):
    client.force_login(salesperson)
    client.get(reverse("accounts:list"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("accounts:list"))
    assert [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]  # read, not written
    assert not [
        q for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"]
    ]

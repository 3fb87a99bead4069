"""The foundation: settings on embedded defaults and on PostgreSQL/Redis, Celery over a real
broker and worker, sign-in required everywhere, CSRF, the schedule."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_celery_beat.models import PeriodicTask

from tests.utils import ROOT

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    journal = None
    if connection.vendor == "sqlite":
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
print(json.dumps({"engine": settings.DATABASES["default"]["ENGINE"], "broker": settings.CELERY_BROKER_URL,
                  "journal": journal, "tz": settings.TIME_ZONE, "lang": settings.LANGUAGE_CODE}))
"""

SERVICE_VARS = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "CELERY_RESULT_BACKEND",
    "DEBUG",
    "SECRET_KEY",
)


def run_settings_probe(tmp_path, code: str = PROBE, **env_vars) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    env.update({"DJANGO_SETTINGS_MODULE": "tmschat.settings", "TMSCHAT_VAR_DIR": str(tmp_path)}, **env_vars)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_development_settings_with_no_services_use_sqlite_in_wal_mode_and_a_filesystem_broker(tmp_path):
    result = run_settings_probe(tmp_path, DEBUG="1")  # as `make run` sets it
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["journal"] == "wal"
    assert found["broker"].startswith("filesystem")
    assert (found["tz"], found["lang"]) == ("Asia/Taipei", "zh-hant")


def test_settings_with_postgres_and_redis_urls_use_them(tmp_path):
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, "
        "settings.CACHES['default']['BACKEND']]))"
    )
    result = run_settings_probe(
        tmp_path,
        code,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/tmschat",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        REDIS_URL="redis://127.0.0.1:6379/0",
        DEBUG="1",
    )
    assert result.returncode == 0, result.stderr
    engine, broker, cache = json.loads(result.stdout.strip().splitlines()[-1])
    assert engine == "django.db.backends.postgresql"
    assert broker == "redis://127.0.0.1:6379/0"
    assert cache.endswith("RedisCache")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "SHOPEE_PARTNER_KEY"])
def test_production_refuses_to_start_without_its_secrets(tmp_path, missing):
    secrets = {
        "SECRET_KEY": "x" * 60,
        "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktaW5zZWN1cmUtZmVybmV0LWtleS0wMDA=",
        "SHOPEE_PARTNER_KEY": "live-key",
    }
    secrets.pop(missing)
    result = run_settings_probe(tmp_path, "import django; django.setup()", DEBUG="0", **secrets)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_a_task_round_trips_through_the_redis_broker_and_a_real_worker(
    require_postgres, require_redis, start_worker
):
    from tmschat.tasks import ping

    worker = start_worker()
    assert ping.delay("出貨通知 ✅").get(timeout=60) == "出貨通知 ✅", worker.log()


def _page_urls() -> list[str]:
    """Every page the product routes (except views that opt out of sign-in, such as the
    sign-in page and Shopee's push endpoint), with placeholder values for URL parameters."""
    skip_namespaces = {"admin"}
    urls = []

    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in skip_namespaces:
                    continue
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "login_required", True):
                route = prefix + str(pattern.pattern)
                for converter in pattern.pattern.converters if hasattr(pattern.pattern, "converters") else {}:
                    route = route.replace(f"<int:{converter}>", "1").replace(f"<str:{converter}>", "x")
                    route = route.replace(f"<slug:{converter}>", "x").replace(f"<{converter}>", "x")
                if "^" not in route and "(" not in route:
                    urls.append("/" + route)

    walk(get_resolver().url_patterns)
    return sorted(set(urls))


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_sign_in_from_every_page(client):
    urls = _page_urls() + [reverse("admin:index")]
    assert len(urls) >= 6
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") if url != "/admin/" else "/admin/login/"), url


@pytest.mark.django_db
def test_signed_in_users_who_are_not_staff_are_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("buyer-like", password="x-y-z-12345"))
    assert client.get(reverse("inbox:inbox")).status_code == 403


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused(salesperson):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(salesperson)
    response = csrf_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 403
    assert csrf_client.post(reverse("logout")).status_code == 403


@pytest.mark.django_db
def test_sign_in_with_a_wrong_password_shows_an_error(client, salesperson):
    response = client.post(reverse("login"), {"username": "sales", "password": "wrong"})
    assert response.status_code == 200
    assert "帳號或密碼錯誤" in response.content.decode()


@pytest.mark.django_db
def test_health_check_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    body = response.json()
    assert body["database"] is True
    assert response.status_code == (200 if body["broker"] else 503)


@pytest.mark.django_db
def test_status_page_lists_services_in_chinese(staff_client):
    page = staff_client.get(reverse("status")).content.decode()
    assert "資料庫" in page and "工作佇列" in page


@pytest.mark.django_db
def test_install_schedule_keeps_an_admins_edits(django_user_model):
    from django.core.management import call_command

    call_command("install_schedule", stdout=open(os.devnull, "w"))
    entry = PeriodicTask.objects.get(name="chat sync")
    entry.enabled = False
    entry.save()
    call_command("install_schedule", stdout=open(os.devnull, "w"))
    entry.refresh_from_db()
    assert entry.enabled is False
    assert entry.expire_seconds == entry.interval.every
    call_command("install_schedule", "--reset", stdout=open(os.devnull, "w"))
    entry.refresh_from_db()
    assert entry.enabled is True


@pytest.mark.django_db
def test_the_sign_in_page_can_be_switched_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    page = client.get(reverse("login")).content.decode()
    assert "Sign in" in page and "登入" not in page

"""Production hardening found by probing the product as an attacker would: DEBUG off unless asked
for, `.env.example` safe to copy, nothing secret in the Docker build context, a
Content-Security-Policy and no caching of pages with buyer data."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest

from tests.factories import ConversationFactory, MessageFactory, OrderFactory
from tests.utils import ROOT

PRODUCTION_SECRETS = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktaW5zZWN1cmUtZmVybmV0LWtleS0wMDA=",
    "SHOPEE_PARTNER_ID": "2001887",
    "SHOPEE_PARTNER_KEY": secrets.token_hex(32),
}


def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def run_django(tmp_path, args: list[str], env_vars: dict[str, str]) -> subprocess.CompletedProcess:
    """A process with nothing from this test run's environment but PATH: as a fresh server."""
    env = {"PATH": os.environ["PATH"], "TMSCHAT_VAR_DIR": str(tmp_path), **env_vars}
    env["DJANGO_SETTINGS_MODULE"] = "tmschat.settings"
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


SETTINGS_PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
    "s.SECURE_HSTS_SECONDS]))"
)


def test_debug_is_off_and_https_on_unless_asked_for(tmp_path):
    result = run_django(tmp_path, ["-c", SETTINGS_PROBE], PRODUCTION_SECRETS)

    assert result.returncode == 0, result.stderr
    debug, session_secure, csrf_secure, redirect, hsts = json.loads(result.stdout.splitlines()[-1])
    assert debug is False
    assert session_secure and csrf_secure and redirect
    assert hsts >= 31536000


def test_with_no_environment_at_all_the_product_refuses_to_start_without_secrets(tmp_path):
    result = run_django(tmp_path, ["-c", "import django; django.setup()"], {})

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.parametrize("source", ["copied .env.example", "nothing but the secrets"])
def test_deploy_check_is_clean_for_production_as_the_readme_describes_it(tmp_path, source):
    env_vars = env_example() if source == "copied .env.example" else {}
    env_vars |= PRODUCTION_SECRETS

    result = run_django(tmp_path, ["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], env_vars)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_env_example_starts_production_with_debug_off_and_secure_cookies():
    values = env_example()

    assert values["DEBUG"] == "0"
    assert values["SECURE_COOKIES"] == "1" and values["SECURE_SSL_REDIRECT"] == "1"
    assert int(values["SECURE_HSTS_SECONDS"]) >= 31536000
    assert all(values[name] == "" for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "SHOPEE_PARTNER_KEY"))
    assert "127.0.0.1" not in values["PUBLIC_BASE_URL"] and values["SHOPEE_BASE_URL"].startswith("https://")


def test_docker_build_context_leaves_out_secrets_state_and_the_virtualenv():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    for excluded in (".env", "var/", ".venv/", ".git/"):
        assert excluded in patterns
    assert "!.env.example" in patterns  # the documented list of settings may ship


# --- response headers ------------------------------------------------------------------------


@pytest.fixture
def buyer_pages(own_shop):
    conversation = ConversationFactory(shop=own_shop, buyer_name="陳小姐")
    MessageFactory(conversation=conversation, text="地址是台北市信義路五段7號")
    OrderFactory(shop=own_shop, buyer_username="chen.miss")
    c = conversation.pk
    return [
        "/chat/",
        f"/chat/?c={c}",
        f"/chat/c/{c}/",
        f"/chat/c/{c}/older/",
        "/orders/",
        "/shops/",
        "/notices/",
    ]


@pytest.mark.django_db
def test_pages_with_buyer_data_are_never_stored_by_a_cache(staff_client, buyer_pages):
    for path in buyer_pages:
        response = staff_client.get(path)
        assert response.status_code == 200, path
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, path


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_code(staff_client, buyer_pages):
    for path in buyer_pages:
        policy = staff_client.get(path)["Content-Security-Policy"]
        directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
        assert directives["default-src"] == ["'self'"], path
        assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"], path
        assert directives["frame-ancestors"] == ["'none'"], path
        images = directives["img-src"]
        assert "https://*.susercontent.com" in images  # buyers' photos from Shopee
        assert not any(source in ("*", "https:", "http:") for source in images)


@pytest.mark.django_db
def test_the_policy_lets_forms_lead_to_the_shopee_sign_in_page_in_use(staff_client, settings):
    settings.SHOPEE_BASE_URL = "https://partner.shopeemobile.com"
    settings.SHOPEE_AUTH_PAGE_URL = "https://open.shopee.com/auth"

    policy = staff_client.get("/shops/")["Content-Security-Policy"]

    form_action = next(p.split()[1:] for p in policy.split(";") if p.split()[0] == "form-action")
    assert form_action == ["'self'", "https://open.shopee.com", "https://partner.shopeemobile.com"]


def test_the_docker_build_steps_run_with_debug_off_by_default(tmp_path):
    """The image's RUN steps that use the product (translations, static files) pass on a machine
    with nothing in its environment, as in `docker build`."""
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    steps = [line[4:] for line in dockerfile.splitlines() if line.startswith("RUN ") and "manage.py" in line]
    assert steps
    env = {"PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin", "TMSCHAT_VAR_DIR": str(tmp_path)}
    for step in steps:
        result = subprocess.run(
            ["sh", "-c", step], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()  # the manifest of production's storage

"""Shopee tokens are ciphertext in the database, and key rotation keeps every row readable."""

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection

from accounts.models import Shop
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def raw_tokens(shop: Shop) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM accounts_shop WHERE id = %s", [shop.pk])
        return cursor.fetchone()


def make_shop() -> Shop:
    return ShopFactory(
        name="我的測試賣場",
        shop_id="242826267",
        access_token="access-plain-123",
        refresh_token="refresh-plain-456",
    )


def test_tokens_are_not_readable_in_the_database():
    shop = make_shop()
    access, refresh = raw_tokens(shop)
    assert "access-plain-123" not in access and "refresh-plain-456" not in refresh
    assert access.startswith("gAAAAA")  # a Fernet token
    assert Shop.objects.get(pk=shop.pk).access_token == "access-plain-123"


def test_rotation_reencrypts_with_the_new_key_and_old_rows_stay_readable(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    shop = make_shop()

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert Shop.objects.get(pk=shop.pk).refresh_token == "refresh-plain-456"  # before rotation

    call_command("rotate_encryption_keys")

    access, refresh = raw_tokens(shop)
    assert Fernet(NEW_KEY).decrypt(access.encode()) == b"access-plain-123"
    with pytest.raises(InvalidToken):
        Fernet(OLD_KEY).decrypt(refresh.encode())

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key retired
    rotated = Shop.objects.get(pk=shop.pk)
    assert (rotated.access_token, rotated.refresh_token) == ("access-plain-123", "refresh-plain-456")


def test_without_rotation_retiring_the_old_key_loses_the_tokens(settings):
    """Why the command exists: rows written with a key that is gone cannot be read."""
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    shop = make_shop()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(InvalidToken):
        Shop.objects.get(pk=shop.pk)


def test_a_mistyped_key_stops_the_app_at_start_up(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=Path(__file__).resolve().parents[2],
        env={
            "PATH": "/usr/bin:/bin",
            "TMSCHAT_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "tmschat.settings",
            "DEBUG": "1",  # the other secrets from the development defaults
            "FIELD_ENCRYPTION_KEYS": f"{NEW_KEY},not-a-key",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key" in result.stderr

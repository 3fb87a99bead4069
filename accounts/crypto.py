"""Shopee tokens are encrypted at rest with MultiFernet: the first key in FIELD_ENCRYPTION_KEYS
encrypts, every key decrypts, so keys can be rotated without losing rows."""

from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    return fernet().decrypt(value.encode()).decode()


class EncryptedTextField(models.TextField):
    """Stores ciphertext; Python code only ever sees the plain value."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value

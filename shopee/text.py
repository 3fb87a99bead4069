"""Text from Shopee as a database can keep it."""

from __future__ import annotations

from typing import Any


def without_nul(value: Any) -> Any:
    """`value` (decoded JSON) without NUL characters: JSON may carry "\\u0000", which no text or
    jsonb column of PostgreSQL stores. Nothing a person writes holds one."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value

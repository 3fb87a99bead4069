"""Request and push signatures of the Shopee Open Platform v2.

sign = lowercase hex HMAC-SHA256(partner_key, base_string); the base string is a plain
concatenation with no separators, and the path carries no host, query or body.
"""

from __future__ import annotations

import hashlib
import hmac


def hmac_hex(key: str, message: str | bytes) -> str:
    if isinstance(message, str):
        message = message.encode("utf-8")
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def base_string(
    partner_id: int | str,
    path: str,
    timestamp: int,
    access_token: str | None = None,
    shop_id: int | str | None = None,
) -> str:
    """Public APIs sign partner_id+path+timestamp; shop APIs add access_token+shop_id."""
    parts = [str(partner_id), path, str(int(timestamp))]
    if access_token is not None:
        parts += [access_token, str(shop_id)]
    return "".join(parts)


def api_signature(
    partner_key: str,
    partner_id: int | str,
    path: str,
    timestamp: int,
    access_token: str | None = None,
    shop_id: int | str | None = None,
) -> str:
    return hmac_hex(partner_key, base_string(partner_id, path, timestamp, access_token, shop_id))


def push_signature(push_key: str, callback_url: str, raw_body: bytes) -> str:
    """The `Authorization` header of a push: HMAC over `<callback url>|<raw body bytes>`."""
    return hmac_hex(push_key, callback_url.encode("utf-8") + b"|" + raw_body)


def verify_push(push_key: str, callback_url: str, raw_body: bytes, authorization: str | bytes | None) -> bool:
    """True when `authorization` is the push's signature. Compared as bytes, so a header with
    characters outside ASCII is merely wrong, never an error."""
    if not authorization:
        return False
    if isinstance(authorization, str):
        # WSGI hands headers over as latin-1 text: encoding back gives the bytes that were sent.
        authorization = authorization.encode("latin-1", errors="replace")
    expected = push_signature(push_key, callback_url, raw_body).encode("ascii")
    return hmac.compare_digest(expected, authorization.strip().lower())

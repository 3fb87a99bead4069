"""Errors of the Seller Centre login and web chat, on top of `shopee.errors`.

Callers decide from the type alone, as with the Open Platform client:

- `AuthError` (from `shopee.errors`): the session is gone. `SessionExpired` says so for chat calls
  (log in again: `chat_login`, then `login` with the stored password); `WrongPassword` when the
  password no longer works.
- `LoginError` subclasses: one outcome of the 聊聊登入認證 steps each, with `reason` (a stable code
  for storage) and `words` (English sentence for staff; the product translates it).
- `RateLimited`, `Transient`, `BadRequest`, `PlatformRule`: as for the Open Platform.
- `AntiBotRefused`: Shopee's anti-bot layer refused an unsigned call (`error 90309999`); use the
  `page` signing. Retrying the same way cannot help.
- `InterfaceChanged`: an answer of an unexpected shape or status. Not retryable: a person must look.
"""

from __future__ import annotations

from shopee.errors import AuthError, BadRequest, ShopeeError

__all__ = [
    "AntiBotRefused",
    "CaptchaRequired",
    "InterfaceChanged",
    "LinkExpired",
    "LinkNotTapped",
    "LoginError",
    "SessionExpired",
    "TooManyAttempts",
    "WrongPassword",
]


class LoginError(ShopeeError):
    """One refused step of the login. Nothing is stored by the client; the caller keeps its state."""

    reason = "login_failed"
    words = "Shopee refused the login."

    def __init__(self, message: str = "", **kwargs) -> None:
        super().__init__(message or self.words, code=kwargs.pop("code", self.reason), **kwargs)


class WrongPassword(LoginError, AuthError):
    reason = "wrong_password"
    words = "Wrong login name or password for Seller Centre."


class LinkNotTapped(LoginError):
    """The verification link was sent but the seller has not tapped it yet: ask again later."""

    reason = "link_not_tapped"
    words = "The seller has not tapped the verification link on the phone yet."


class LinkExpired(LoginError):
    """The link expired or was refused: start again with a new link."""

    reason = "link_expired"
    words = "The verification link expired; send a new one and tap it within a few minutes."


class CaptchaRequired(LoginError):
    """Shopee wants a verification this server cannot complete (captcha, code, another method).
    `methods` lists Shopee's method numbers as offered."""

    reason = "captcha_required"
    words = (
        "Shopee asks for a captcha or another verification method that cannot be completed from "
        "here. Log in once to Seller Centre in a browser on a usual device, then try again."
    )

    def __init__(self, message: str = "", *, methods: tuple[int, ...] = (), **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.methods = methods


class TooManyAttempts(LoginError):
    reason = "too_many_attempts"
    words = "Too many login or verification attempts today; Shopee asks to wait before trying again."


class SessionExpired(AuthError):
    """The Seller Centre session (cookies) or the chat token is no longer accepted."""


class AntiBotRefused(BadRequest):
    """Shopee's anti-bot layer refused a call without its page's signature headers (90309999)."""


class InterfaceChanged(ShopeeError):
    """Shopee answered in a shape or status this client does not know: Shopee changed its chat
    interface. Retrying will not help; the client code needs updating."""

"""Token upkeep on the beat: thin tasks over accounts.tokens and accounts.services."""

from __future__ import annotations

import logging

from celery import shared_task

from accounts import selectors, services, tokens
from shopee.errors import AuthError, RateLimited, Transient

log = logging.getLogger(__name__)


@shared_task(time_limit=300, soft_time_limit=270)
def tokens_refresh_due() -> None:
    """Refresh every verified shop whose access token ends within REFRESH_AHEAD.

    The beat runs this every 10 minutes, well inside the hour of warning, so a shop that hits a
    rate limit or a network error is simply tried again on the next run.
    """
    for shop_pk in selectors.shops_with_tokens_due(within=tokens.REFRESH_AHEAD):
        try:
            tokens.shop_tokens_refresh(shop_pk=shop_pk)
        except AuthError:
            continue  # the service flipped the shop to 已失效 with Shopee's reason
        except Transient as exc:
            log.warning("token refresh of shop pk=%s failed, next run retries: %s", shop_pk, exc)
        except RateLimited as exc:
            log.warning("token refresh rate limited, next run continues: %s", exc)
            break


@shared_task(bind=True, max_retries=3, time_limit=120, soft_time_limit=100)
def authorizations_check(self) -> None:
    """Authorization expiry dates and shops no longer authorized, from get_shops_by_partner."""
    try:
        result = services.shop_authorizations_check()
    except RateLimited as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after) from None
    except Transient as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from None
    log.info("authorization check: %s", result)


@shared_task(time_limit=600, soft_time_limit=570)
def chat_sessions_renew() -> int:
    """Beat: Seller Centre chat sessions older than SELLERCENTRE_SESSION_RENEW_HOURS are renewed
    (new chat token, else a silent login with the kept password); one that cannot be is 未驗證."""
    from django.conf import settings

    from accounts.chatlogin import chat_sessions_renew_due

    return chat_sessions_renew_due(older_than_seconds=settings.SELLERCENTRE_SESSION_RENEW_HOURS * 3600)

"""The sandbox's errors and the client's reading of them, checked against each other.

The sandbox decides its answers from SHOPEE_API.md (shopee.sandbox.core.ERRORS); the client
classifies what it receives (shopee.errors). This table says, from SHOPEE_API.md alone, what
each error means for the product, so a wrong answer on either side fails here.
"""

from __future__ import annotations

import pytest

from shopee.client import ShopeeClient
from shopee.errors import AuthError, BadRequest, PlatformRule, RateLimited, Transient
from shopee.sandbox import Sandbox
from shopee.sandbox.core import ERRORS

PARTNER_ID = 2001887
PARTNER_KEY = "shpk-error-table-partner-key"
SHOP_ID = "242826267"

MEANING = {
    # the request is wrong: retrying will not help
    "error_param": BadRequest,
    "error_sign": BadRequest,
    "invalid_partner_id": BadRequest,
    "error_not_found": BadRequest,
    "order_list_invalid_time": BadRequest,
    "package_can_not_print": BadRequest,
    "invalid_order_status": BadRequest,
    # the shop's authorization is gone: the seller verifies again
    "error_auth": AuthError,
    "invalid_acceess_token": AuthError,
    "invalid_code": AuthError,
    "invalid_shop_id": AuthError,
    "refresh_token_expired": AuthError,
    "shop_access_expired": AuthError,
    "error_shop_refresh_token": AuthError,
    "shop_no_linked": AuthError,
    "partner_shop_no_link": AuthError,
    "shop_banned": AuthError,
    # a chat rule refused the message; the shop stays verified
    "message_too_long": PlatformRule,
    "reach_5_message_limit": PlatformRule,
    "first_chat_without_order_info": PlatformRule,
    "user_is_forbidden": PlatformRule,
    "region_not_supported": PlatformRule,
    "error_api_permission": PlatformRule,
    # slow down, then go on
    "error_rate_limit": RateLimited,
    "error_limit": RateLimited,
    # Shopee's own trouble: the same call may work later
    "error_server": Transient,
    "error_network": Transient,
}

# The status the sandbox chose for each meaning (Shopee documents none, SHOPEE_API.md §10).
STATUS = {BadRequest: 400, PlatformRule: 400, AuthError: 403, RateLimited: 429, Transient: 500}


@pytest.fixture(scope="module")
def sandbox():
    sb = Sandbox(partner_id=PARTNER_ID, partner_key=PARTNER_KEY, push_key=PARTNER_KEY)
    sb.start(port=0)
    yield sb
    sb.stop()


@pytest.fixture
def client(sandbox):
    sandbox.reset()
    client = ShopeeClient(PARTNER_ID, PARTNER_KEY, sandbox.url, timeout=5.0)
    yield client
    client.close()


def test_every_error_the_sandbox_documents_has_a_meaning_here():
    assert set(ERRORS) == set(MEANING)


@pytest.mark.parametrize("code", sorted(MEANING))
def test_the_client_reads_each_error_the_sandbox_answers_as_shopee_means_it(sandbox, client, code):
    # A revoked shop's calls are refused with the configured error: any code, over real HTTP.
    sandbox.configure(lapsed_token_error=code)
    sandbox.create_shop(shop_id=SHOP_ID, account="ktmst", password="demo1234", name="我的測試賣場")
    tokens = client.get_access_token(code=sandbox.authorize_code(SHOP_ID), shop_id=SHOP_ID)
    sandbox.revoke(SHOP_ID)

    with pytest.raises(MEANING[code]) as refused:
        client.shop(SHOP_ID, tokens.access_token).get_shop_info()
    assert refused.value.code == code
    assert refused.value.http_status == STATUS[MEANING[code]]

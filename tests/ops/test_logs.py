"""Production logs (LOG_FORMAT=json, what DEBUG off brings) carry a failure's traceback without the
frames' local variables: a chat login or a token refresh that fails deep inside the Shopee clients
must not write the seller's password, the Seller Centre cookies, the chat token or the tokens."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from accounts import chatlogin, services, tokens
from accounts.models import Shop
from accounts.services import shop_create
from shopee.errors import ShopeeError
from shopee.sellercentre.client import password_hash
from telemetry import logs
from tests.accounts.helpers import chat_login_in_sandbox
from tests.utils import free_port

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-pw-7431"


@pytest.fixture
def production_log():
    """The root logger as production configures it (tmschat.settings: logs.logging_config with the
    json format), writing into a buffer; the test's own configuration is put back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    logging.config.dictConfig(logs.logging_config(fmt="json", level="INFO"))
    out = io.StringIO()
    root.handlers[0].setStream(out)
    yield out
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def fail_logged(call) -> None:
    """Run `call`, which must fail, and log the failure with its traceback as a worker would."""
    with pytest.raises(ShopeeError):
        try:
            call()
        except ShopeeError:
            logging.getLogger("tmschat.tests").exception("the call failed")
            raise


def chat_verified_shop(sandbox, user) -> Shop:
    remote = sandbox.create_shop(account="logsecret", password=PASSWORD, name="台灣賣場")
    shop = shop_create(name=remote["name"], account=remote["account"], salesperson=user)
    return chat_login_in_sandbox(sandbox, shop, user, remote | {"password": PASSWORD})


def secrets_of(shop: Shop) -> list[str]:
    session = json.loads(shop.chat_session)
    found = [PASSWORD, password_hash(PASSWORD), session["chat_token"], *session["cookies"].values()]
    return [value for value in found if len(value) >= 8]


def test_a_failing_chat_login_writes_no_password_cookie_or_token_to_the_log(
    sandbox, salesperson, settings, production_log
):
    shop = chat_verified_shop(sandbox, salesperson)
    secrets = secrets_of(shop)
    assert {"SPC_EC", "SPC_SC_TK"} <= set(json.loads(shop.chat_session)["cookies"])
    # Seller Centre stops answering: the password login, and the renewal of the live session.
    settings.SELLERCENTRE_MAIN_URL = settings.SELLERCENTRE_SELLER_URL = f"http://127.0.0.1:{free_port()}"

    fail_logged(
        lambda: chatlogin.chat_login_start(
            shop=shop, login_name="logsecret", password=PASSWORD, keep_password=True, user=salesperson
        )
    )
    fail_logged(lambda: chatlogin.chat_session_renew(shop_pk=shop.pk))

    logged = production_log.getvalue()
    failures = [line for line in map(json.loads, logged.splitlines()) if line["event"] == "the call failed"]
    assert len(failures) == 2 and all(line["exception"] for line in failures)  # the tracebacks are there …
    assert "chat_login_start" in logged and "chat_session_renew" in logged
    assert [secret for secret in secrets if secret in logged] == []  # … but not what the frames held


def test_a_failing_token_refresh_writes_no_token_to_the_log(sandbox, salesperson, settings, production_log):
    remote = sandbox.create_shop(account="logtokens", password=PASSWORD, name="賣場", region="SG")
    shop = services.shop_verify(
        shop=None, code=sandbox.authorize_code(remote["shop_id"]), shop_id=remote["shop_id"], user=salesperson
    )
    settings.SHOPEE_BASE_URL = f"http://127.0.0.1:{free_port()}"  # Shopee stops answering

    fail_logged(lambda: tokens.shop_tokens_refresh(shop_pk=shop.pk, force=True))

    logged = production_log.getvalue()
    assert "shop_tokens_refresh" in logged and "refresh_access_token" in logged
    assert shop.access_token not in logged
    assert shop.refresh_token not in logged
    assert settings.SHOPEE_PARTNER_KEY not in logged

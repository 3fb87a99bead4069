"""The chat login page's poll after step 2 (the link went to the seller's phone): it confirms by
itself once the link is tapped, records nothing while it waits, never locks the shop out, stops
when the link's time is up, and never confirms one link twice with the [聊聊登入認證] click."""

from __future__ import annotations

import itertools
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts import chatlogin
from accounts.models import Shop
from accounts.services import shop_create
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
_accounts = itertools.count(1)


def link_sent(sandbox, user) -> tuple[Shop, dict]:
    """Step 1 done: the shop waits for the seller to tap the link."""
    remote = sandbox.create_shop(account=f"poll{next(_accounts)}", password="pw", name="台灣賣場")
    shop = shop_create(name=remote["name"], account=remote["account"], salesperson=user)
    shop = chatlogin.chat_login_start(
        shop=shop, login_name=remote["account"], password="pw", keep_password=True, user=user
    )
    assert shop.chat_state == Shop.ChatState.PENDING
    return shop, remote


def poll(client, shop: Shop):
    return client.post(f"/shops/{shop.pk}/chat-login/poll/", **HTMX)


def test_the_page_polls_while_the_link_waits_and_confirms_by_itself_once_tapped(
    sandbox, salesperson, staff_client, settings
):
    settings.SELLERCENTRE_LINK_POLL_SECONDS = 2.5
    shop, remote = link_sent(sandbox, salesperson)
    page = staff_client.get(f"/shops/{shop.pk}/chat-login/").content.decode()
    assert re.search(rf'hx-post="/shops/{shop.pk}/chat-login/poll/" hx-trigger="every 2500ms"', page)

    for _ in range(30):  # far more checks than Shopee's daily link limit (5): no lock-out
        waiting = poll(staff_client, shop)
        assert waiting.status_code == 200 and "hx-trigger" in waiting.content.decode()
    shop.refresh_from_db()
    assert shop.chat_state == Shop.ChatState.PENDING and shop.chat_state_reason == ""  # nothing recorded
    assert sandbox.sc_links(remote["shop_id"])[0]["status"] == "pending"

    sandbox.sc_tap_link(remote["shop_id"])
    done = poll(staff_client, shop)

    assert done.status_code == 200 and done["HX-Redirect"] == "/shops/"
    shop.refresh_from_db()
    assert shop.chat_state == Shop.ChatState.VERIFIED
    listed = staff_client.get("/shops/").content.decode()
    # The flash says what the chat login verified and what now works, not 蝦皮API授權's words.
    assert "台灣賣場：聊聊登入認證已驗證（蝦皮賣家中心）。買家的聊聊現在會進入聊聊收件匣" in listed
    assert "蝦皮API授權已驗證" not in listed


def test_the_poll_stops_once_the_link_is_older_than_its_lifetime_and_the_button_still_works(
    sandbox, salesperson, staff_client, settings
):
    shop, remote = link_sent(sandbox, salesperson)
    Shop.objects.filter(pk=shop.pk).update(
        chat_pending_at=timezone.now() - timedelta(seconds=settings.SELLERCENTRE_LINK_SECONDS + 1)
    )

    page = staff_client.get(f"/shops/{shop.pk}/chat-login/").content.decode()
    stopped = poll(staff_client, shop).content.decode()

    assert "chat-login/poll/" not in page and "本頁面已停止自動確認" in page
    assert "hx-trigger" not in stopped and "本頁面已停止自動確認" in stopped
    sandbox.sc_tap_link(remote["shop_id"])  # tapped late (the sandbox's link lives longer): the click
    staff_client.post(f"/shops/{shop.pk}/chat-login/confirm/")
    assert Shop.objects.get(pk=shop.pk).chat_state == Shop.ChatState.VERIFIED


def test_a_link_shopee_calls_expired_ends_the_poll_with_the_reason(sandbox, salesperson, staff_client):
    sandbox.set_faults(sc_link_expired=True)
    shop, _remote = link_sent(sandbox, salesperson)

    answer = poll(staff_client, shop)

    assert answer["HX-Redirect"] == f"/shops/{shop.pk}/chat-login/"
    shop.refresh_from_db()
    assert shop.chat_state == Shop.ChatState.UNVERIFIED and shop.chat_state_reason == "link_expired"
    page = staff_client.get(f"/shops/{shop.pk}/chat-login/").content.decode()
    assert "驗證連結已過期" in page and 'name="password"' in page


@pytest.mark.django_db(transaction=True)
def test_the_poll_and_the_click_at_once_verify_the_shop_once_and_neither_fails(sandbox, salesperson):
    shop, remote = link_sent(sandbox, salesperson)
    sandbox.sc_tap_link(remote["shop_id"])
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def confirm(quiet: bool) -> None:
        try:
            start.wait()
            outcomes.append(chatlogin.chat_login_confirm(shop=shop, user=salesperson, quiet=quiet).chat_state)
        except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(quiet,)) for quiet in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcomes == [Shop.ChatState.VERIFIED, Shop.ChatState.VERIFIED]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SHOP_VERIFIED, shop=shop).count() == 1
    assert len(sandbox.sc_sessions(remote["shop_id"])) == 1

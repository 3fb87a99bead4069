"""The `page` signing through a real headless Debian Chromium, against the sandbox in signed mode:
the sandbox's chat page ships the script that adds the header its chat API requires, so calls
made from inside the page pass and plain ones meet the anti-bot error."""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from shopee.sandbox.media import demo_picture
from shopee.sellercentre import (
    AntiBotRefused,
    PageSigner,
    SellerCentreClient,
    SellerCentreSession,
    make_signer,
    new_device_id,
)
from tests.shopee.test_sellercentre import SHOP_ID
from tests.utils import need, wait_until

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def signed(make_sandbox):
    need(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    return make_sandbox(demo=True, sc_signed=True)


def test_page_signing_reads_and_sends_where_plain_calls_are_refused(signed):
    plain = SellerCentreClient(
        seller_url=signed.url, timeout=5, signer=make_signer("none", seller_url=signed.url)
    )
    signer = make_signer("page", seller_url=signed.url, chromium=CHROMIUM, idle_seconds=1.5)
    assert isinstance(signer, PageSigner)
    paged = SellerCentreClient(seller_url=signed.url, timeout=10, signer=signer)
    try:
        # The login steps are plain calls; the chat login already needs the page.
        pending = plain.verification_send(
            plain.login(account="ktmst", password="demo1234", device_id=new_device_id())
        )
        wait_until(lambda: signed.sc_tap_link(SHOP_ID)["result"] == "done", message="link tapped")
        session = plain.verification_confirm(pending)
        with pytest.raises(AntiBotRefused):
            plain.chat_login(session)

        session = paged.chat_login(session)
        conversations = paged.conversation_list(session).conversations
        assert len(conversations) == 16
        target = conversations[0]
        key = str(uuid.uuid4())
        sent = paged.message_send(
            session,
            to_id=target.buyer_id,
            conversation_id=target.conversation_id,
            text="從頁面送出",
            request_id=key,
        )
        assert paged.message_list(session, target.conversation_id)[0].request_id == key
        assert [d["message_id"] for d in signed.deliveries(shop_id=SHOP_ID)] == [sent.message_id]

        with pytest.raises(AntiBotRefused):
            plain.conversation_list(session)  # the same session without the page's header

        # Calls from several worker threads are served by the one browser thread, in one context.
        errors: list[BaseException] = []

        def read() -> None:
            try:
                paged.message_list(session, target.conversation_id)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert signer.open_shops() == [SHOP_ID]

        time.sleep(1.6)
        wait_until(lambda: signer.open_shops() == [], timeout=5, message="the idle context closed")
        assert paged.conversation_list(session).conversations  # reopened on demand
    finally:
        paged.close()
        plain.close()


def test_page_signing_follows_a_new_session(signed):
    """A re-login (new cookies) gets a fresh context rather than the dead session's page."""
    plain = SellerCentreClient(seller_url=signed.url, timeout=5)
    paged = SellerCentreClient(
        seller_url=signed.url, timeout=10, signer=PageSigner(seller_url=signed.url, chromium=CHROMIUM)
    )
    try:
        device = new_device_id()
        pending = plain.verification_send(plain.login(account="ktmst", password="demo1234", device_id=device))
        signed.sc_tap_link(SHOP_ID)
        first = paged.chat_login(plain.verification_confirm(pending))
        assert paged.conversation_list(first).conversations
        signed.sc_revoke(SHOP_ID)
        second = plain.login(account="ktmst", password="demo1234", device_id=device)  # trusted device
        second = paged.chat_login(second)
        assert paged.conversation_list(second).conversations
    finally:
        paged.close()
        plain.close()


def _pull_in_child(signer, url, stored, answers):
    client = SellerCentreClient(seller_url=url, timeout=10, signer=signer)
    answers.put(len(client.conversation_list(SellerCentreSession.from_dict(stored)).conversations))
    signer.close()


def test_a_forked_worker_gets_its_own_browser(signed):
    """Celery's prefork pool forks after the signer may have been used: the child must not touch
    the parent's browser thread (it does not exist there) but start its own."""
    plain = SellerCentreClient(seller_url=signed.url, timeout=5)
    signer = PageSigner(seller_url=signed.url, chromium=CHROMIUM)
    paged = SellerCentreClient(seller_url=signed.url, timeout=10, signer=signer)
    try:
        pending = plain.verification_send(
            plain.login(account="ktmst", password="demo1234", device_id=new_device_id())
        )
        signed.sc_tap_link(SHOP_ID)
        session = paged.chat_login(plain.verification_confirm(pending))
        assert len(paged.conversation_list(session).conversations) == 16

        fork = multiprocessing.get_context("fork")
        answers = fork.Queue()
        child = fork.Process(target=_pull_in_child, args=(signer, signed.url, session.to_dict(), answers))
        child.start()
        assert answers.get(timeout=60) == 16
        child.join(timeout=30)
        assert child.exitcode == 0
        assert len(paged.conversation_list(session).conversations) == 16  # the parent's browser is intact
    finally:
        paged.close()
        plain.close()


def test_a_picture_goes_up_from_inside_the_page_byte_for_byte(signed):
    """An upload's multipart body crosses into the page as base64 and leaves it as the same bytes."""
    plain = SellerCentreClient(seller_url=signed.url, timeout=5)
    paged = SellerCentreClient(
        seller_url=signed.url, timeout=10, signer=PageSigner(seller_url=signed.url, chromium=CHROMIUM)
    )
    picture = demo_picture(11) + bytes(range(256))  # every byte value, after a real PNG
    try:
        pending = plain.verification_send(
            plain.login(account="ktmst", password="demo1234", device_id=new_device_id())
        )
        signed.sc_tap_link(SHOP_ID)
        session = paged.chat_login(plain.verification_confirm(pending))

        upload = paged.image_upload(session, data=picture, filename="相片.png", content_type="image/png")

        assert requests.get(upload["url"], timeout=5).content == picture
    finally:
        paged.close()
        plain.close()

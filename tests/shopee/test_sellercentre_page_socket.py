"""The hook on Seller Centre's own live channel (`PageSigner.page_news`), through a real headless
Chromium on the sandbox's chat page. The sandbox's page has no socket (nothing public says how
Taiwan's would behave), so the hook must say "no socket" there; the listener itself is checked
against a stand-in object of the documented shape (SHOPEE_API.md §5A), put into the page by the
test: this shows what the hook counts, not that Shopee's socket works this way."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopee.sellercentre import PageSigner, SellerCentreClient, new_device_id
from tests.shopee.test_sellercentre import SHOP_ID
from tests.utils import need

CHROMIUM = "/usr/bin/chromium"

# A stand-in for window.__CHAT_GLOBAL__.socket: `on(name, handler)` and an `emit` for the test.
STAND_IN_SOCKET = """
() => {
  const handlers = {};
  window.__CHAT_GLOBAL__ = {socket: {
    connected: true,
    on(name, handler) { (handlers[name] = handlers[name] || []).push(handler); },
    emit(name, frame) { (handlers[name] || []).forEach((handler) => handler(frame)); },
  }};
}
"""
FRAMES = """
() => {
  const socket = window.__CHAT_GLOBAL__.socket;
  const message = JSON.stringify({id: "1", conversation_id: "2", type: "text", content: {text: "在嗎"}});
  socket.emit("message", {message_type: "message", message_content: message});
  socket.emit("message", {data: {message_type: "message", message_content: message}});
  socket.emit("message", {message_type: "typing"});
}
"""


@pytest.fixture
def paged(make_sandbox):
    need(Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    sandbox = make_sandbox(demo=True, sc_signed=True)
    plain = SellerCentreClient(seller_url=sandbox.url, timeout=5)
    signer = PageSigner(seller_url=sandbox.url, chromium=CHROMIUM)
    client = SellerCentreClient(seller_url=sandbox.url, timeout=10, signer=signer)
    pending = plain.verification_send(
        plain.login(account="ktmst", password="demo1234", device_id=new_device_id())
    )
    sandbox.sc_tap_link(SHOP_ID)
    session = client.chat_login(plain.verification_confirm(pending))
    yield signer, client, session
    client.close()
    plain.close()


def in_page(signer: PageSigner, script: str, shop_id: str = SHOP_ID) -> None:
    """Run `script` in the shop's open page (the test's hand inside the browser)."""
    signer._submit(lambda: signer._pages[shop_id].page.evaluate(script)).result(timeout=30)


def test_a_page_without_the_socket_says_so_and_no_page_is_opened_for_it(paged):
    signer, client, session = paged
    assert signer.page_news() == {SHOP_ID: None}  # the chat login opened the page; it has no socket
    signer._submit(lambda: signer._close_page(SHOP_ID)).result(timeout=30)
    assert signer.page_news() == {}
    assert signer.open_shops() == []


def test_message_frames_of_the_pages_own_socket_are_counted_once(paged):
    signer, client, session = paged
    in_page(signer, STAND_IN_SOCKET)
    assert signer.page_news() == {SHOP_ID: 0}  # listening from now on

    in_page(signer, FRAMES)

    assert signer.page_news() == {SHOP_ID: 2}  # two message frames, the typing frame is not one
    assert signer.page_news() == {SHOP_ID: 0}
    assert client.user_sync(session).have_new_msg is False  # the page still signs its calls

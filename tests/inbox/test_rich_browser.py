"""Pictures in a real browser (F14): staff pick, remove, refuse and paste a picture in the composer,
send it, and see it in the thread from Shopee (the sandbox) under our CSP, full size on a click;
cards from the orders beside the conversation. A real worker delivers."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from chat import sync
from chat.models import Conversation
from outbox.models import OutgoingMessage
from shopee.sandbox.media import demo_picture
from tests.chat.helpers import WORKER_SETTINGS, buyer_id, verified_shop
from tests.factories import OrderFactory
from tests.utils import screenshot_on_failure

DROP = """async (composer, data) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const dragged = new DataTransfer();
  dragged.items.add(new File([bytes], "dropped.gif", {type: "image/gif"}));
  for (const type of ["dragover", "drop"]) {
    composer.dispatchEvent(new DragEvent(type, {dataTransfer: dragged, bubbles: true, cancelable: true}));
  }
}"""
PASTE = """async (box, data) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const clipboard = new DataTransfer();
  clipboard.items.add(new File([bytes], "image.png", {type: "image/png"}));
  box.dispatchEvent(new ClipboardEvent("paste", {clipboardData: clipboard, bubbles: true, cancelable: true}));
}"""


def loaded(image) -> bool:
    """The browser fetched and decoded the picture (a CSP refusal leaves it empty)."""
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.browser
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_staff_pick_or_paste_a_picture_send_it_and_see_it_full_size(
    sandbox, settings, tmp_path, salesperson, browser_as, start_worker, require_postgres, require_redis
):
    settings.SHARED_DIR = tmp_path
    shop = verified_shop(sandbox, salesperson)
    sandbox.buyer_says(shop.shop_id, "可以拍實品給我看嗎?", buyer_id=buyer_id(1), buyer_name="小明")
    remote = sandbox.create_order(shop_id=shop.shop_id, buyer_id=buyer_id(1))
    item = remote["items"][0]
    OrderFactory(
        shop=shop,
        order_sn=remote["order_sn"],
        buyer_user_id=buyer_id(1),
        items=[{"item_id": str(item["item_id"]), "item_name": item["item_name"]}],
    )
    sync.chat_sync_shop(shop=shop)
    conversation = Conversation.objects.get(shop=shop)
    start_worker(DJANGO_SETTINGS_MODULE=WORKER_SETTINGS, TMSCHAT_SHARED_DIR=str(tmp_path))
    page = browser_as(salesperson)
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))

    with screenshot_on_failure(page, "inbox_pictures"):
        page.goto(f"{page.base_url}/chat/?c={conversation.pk}")
        preview = page.locator(".attach-preview")
        expect(preview).to_be_hidden()

        # Pick a file: previewed before anything is sent; removed again.
        page.set_input_files(
            "#reply-image", files=[{"name": "相片.png", "mimeType": "image/png", "buffer": demo_picture(1)}]
        )
        expect(preview).to_be_visible()
        expect(preview.locator(".attach-name")).to_have_text("相片.png")
        assert loaded(preview.locator("img"))
        page.get_by_role("button", name="移除圖片").click()
        expect(preview).to_be_hidden()
        assert page.locator("#reply-image").evaluate("input => input.files.length") == 0

        # Drop one on the composer: previewed the same way.
        gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
        page.locator("#composer").evaluate(DROP, base64.b64encode(gif).decode())
        expect(preview.locator(".attach-name")).to_have_text("dropped.gif")
        page.get_by_role("button", name="移除圖片").click()
        expect(preview).to_be_hidden()

        # Not a picture Shopee takes: said at once, nothing attached.
        page.set_input_files(
            "#reply-image", files=[{"name": "說明.txt", "mimeType": "text/plain", "buffer": b"hi"}]
        )
        expect(page.locator(".attach-error")).to_have_text("蝦皮只接受 JPG、PNG 或 GIF 圖片。")
        expect(preview).to_be_hidden()

        # Paste (Ctrl+V) a picture into the message box, add words, Enter sends both.
        box = page.locator("#reply-text")
        box.evaluate(PASTE, base64.b64encode(demo_picture(2)).decode())
        expect(preview).to_be_visible()
        expect(page.locator(".attach-error")).to_be_hidden()
        box.fill("這是實品照片")
        box.press("Enter")
        expect(page.locator("#pending .msg.outgoing img.msg-image")).to_be_visible()
        expect(preview).to_be_hidden()  # a fresh composer

        delivered = page.locator("#thread .msg.from-seller img.msg-image")
        expect(delivered).to_be_visible(timeout=20_000)
        expect(page.locator("#thread .msg.from-seller", has_text="這是實品照片")).to_be_visible()
        expect(page.locator("#pending .msg.outgoing")).to_have_count(0)
        (upload,) = sandbox.uploads(shop_id=shop.shop_id)
        assert delivered.get_attribute("src") == f"{upload['url']}_tn" and loaded(delivered)

        # Full size on a click, in the page; Escape closes it.
        delivered.click()
        viewer = page.locator("#image-viewer")
        expect(viewer).to_be_visible()
        expect(viewer.locator("img")).to_have_attribute("src", upload["url"])
        page.keyboard.press("Escape")
        expect(viewer).to_be_hidden()

        # One click on a product of the buyer's order sends its card.
        page.locator(".pane-side").get_by_role("button", name="傳送商品卡片").click()
        expect(page.locator(".card-done")).to_be_visible()
        card = page.locator("#thread .msg.kind-products", has_text=item["item_name"])
        expect(card).to_be_visible(timeout=20_000)

    kinds = [d["message_type"] for d in sandbox.deliveries(shop_id=shop.shop_id)]
    assert kinds == ["image", "text", "item"]
    assert OutgoingMessage.objects.filter(state=OutgoingMessage.State.SENT).count() == 3
    assert problems == [], problems

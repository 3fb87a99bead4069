"""Every page and every admin list, rendered in zh-Hant (the default), holds no English: no text
asked of the catalogues is missing from them, every app, model and column of the admin has a
zh-Hant name, and no reason stored as data (Shopee's words, our codes) is shown as it was stored.

Misses are recorded by wrapping the zh-Hant catalogue's lookups while the pages render, so a new
text without its translation fails here whichever page shows it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.translation import trans_real

from accounts import services
from accounts.models import Shop, ShopSync
from audit.services import audit_shop_changed
from book.outcomes import Outcome, shopee_said
from chat.models import PushReceipt, QuickReply
from outbox.models import OutgoingMessage
from tests.factories import (
    ConversationFactory,
    MessageFactory,
    OrderFactory,
    OutgoingMessageFactory,
    ShopFactory,
)
from tests.tmschat.helpers import existing_pks, model_named, pages, url_of

pytestmark = pytest.mark.django_db

# Stored as data, shown only in our words: none of these may be read on a page.
STORED = {
    "shop": "error_auth: Invalid access_token.",
    "chat sync": "wrong_password: the chat login of shop 242826267/ktmst/我的測試賣場 is lost: wrong_password",
    "orders sync": "error_server: Internal error, please try later.",
    "held": "shop_not_verified: shop 242826267/ktmst/我的測試賣場 has no chat login",
}
STORED_WORDS = [
    "Invalid access_token",
    "is lost",
    "Internal error",
    "has no chat login",
    "wrong_password",
    # a send Shopee refused, one refused for a rule we do not know yet, a document Shopee failed
    "to_id is not a valid user",
    "Some new rule",
    "Package can not print",
    # Shopee's order status as its code (the admin's order list and filter)
    "READY_TO_SHIP",
]
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def misses(monkeypatch):
    """msgids asked of the zh-Hant catalogue that it does not hold."""
    found: set[str] = set()
    gettext, ngettext = trans_real.DjangoTranslation.gettext, trans_real.DjangoTranslation.ngettext

    def needs_words(message: str) -> bool:
        return bool(re.search(r"[A-Za-z]{2}", re.sub(r"%\(\w+\)[sd]|\{\w+\}|<[^>]+>", "", message)))

    def recording_gettext(self, message):
        if self.language() == "zh-hant" and message not in self._catalog and needs_words(message):
            found.add(message.split(trans_real.CONTEXT_SEPARATOR)[-1])
        return gettext(self, message)

    def recording_ngettext(self, singular, plural, number):
        if self.language() == "zh-hant" and needs_words(singular):
            try:
                self._catalog.plural(singular, number)
            except KeyError:
                found.add(singular)
        return ngettext(self, singular, plural, number)

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", recording_gettext)
    monkeypatch.setattr(trans_real.DjangoTranslation, "ngettext", recording_ngettext)
    return found


@pytest.fixture
def world(salesperson, sandbox):
    """A salesperson's shops in every state a page words differently, with what they hold."""
    call_command("install_schedule", verbosity=0)
    lost = ShopFactory(
        verified=True, shop_id="242826267", account="ktmst", name="我的測試賣場", salesperson=salesperson
    )
    lost.chat_transport = Shop.ChatTransport.SELLER_CENTRE
    lost.chat_state, lost.chat_state_reason = Shop.ChatState.UNVERIFIED, "wrong_password"
    lost.save()
    services.shop_auth_failed(shop=lost, reason=STORED["shop"])
    for kind, error in (
        (ShopSync.Kind.CHAT, STORED["chat sync"]),
        (ShopSync.Kind.ORDERS, STORED["orders sync"]),
    ):
        ShopSync.objects.create(
            shop=lost,
            kind=kind,
            last_error_code=error.split(":")[0],
            last_error=error,
            last_error_at=timezone.now(),
            last_success_at=timezone.now(),
        )
    verified = ShopFactory(verified=True, name="寶寶生活館", salesperson=salesperson, chat_state="verified")
    for shop in (lost, verified):
        conversation = ConversationFactory(shop=shop)
        MessageFactory(conversation=conversation)
        order = OrderFactory(shop=shop, total_amount=1280)
        OutgoingMessageFactory(shop=shop, conversation=conversation, order_sn=order.order_sn)
        OutgoingMessageFactory(
            shop=shop,
            conversation=conversation,
            state=OutgoingMessage.State.HELD,
            error_code=OutgoingMessage.Problem.SHOP_NOT_VERIFIED,
            last_error=STORED["held"],
        )
        QuickReply.objects.create(title="到貨", text="您好", shop=shop)
        PushReceipt.objects.create(digest=f"d{shop.pk}", code=10, shopee_shop_id=shop.shop_id, body={})
        model_named("NoticeTemplate").objects.create(
            name="出貨", text="您的訂單:[訂單單號] 已出貨", shop=shop
        )
        audit_shop_changed(actor=salesperson, shop=shop, fields=["name"])
    for code, said in (
        (OutgoingMessage.Problem.REFUSED, "error_param: to_id is not a valid user."),
        ("some_new_rule", "Some new rule of Shopee's."),
    ):
        OutgoingMessageFactory(
            shop=shop,
            conversation=conversation,
            state=OutgoingMessage.State.FAILED,
            error_code=code,
            last_error=said,
        )
    batch = model_named("NoticeBatch").objects.create(token="t" * 32, created_by=salesperson, text="已出貨")
    model_named("NoticeBatchOrder").objects.create(
        batch=batch, order=order, skip_reason="missing_values:[寄件編號]"
    )
    model_named("AutoNotice").objects.create(order=order, shop=shop, state="refused", reason="buyer_hidden")
    refused = Outcome(order.order_sn, "shopee_refused", shopee_said("error_auth", STORED["shop"]), order.pk)
    failed = Outcome(
        order.order_sn, "document_failed", shopee_said("", "Package can not print now."), order.pk
    )
    model_named("BookAction").objects.create(
        kind="documents",
        user=salesperson,
        order_pks=[order.pk],
        total=2,
        done=2,
        results=[refused.as_json(), failed.as_json()],
        finished_at=timezone.now(),
    )
    Client().post("/login/", {"username": "sales", "password": "wrong"}, REMOTE_ADDR="203.0.113.5")
    salesperson.is_superuser = True
    salesperson.save()
    client = Client()
    client.force_login(salesperson)
    return client


class VisibleText(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._hidden -= tag in ("script", "style") and self._hidden > 0

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def rendered(client: Client) -> dict[str, str]:
    """Every page of the site a GET shows, the admin's index, and every admin list."""
    found, pks = {}, existing_pks()
    for _name, route, ints, _view in pages():
        url = url_of(client, route, ints, pks)
        response = client.get(url, follow=True) if url else None
        if response is not None and response.status_code == 200 and "html" in response["Content-Type"]:
            found[url] = response.content.decode()
    # Result pages of every action and batch (the walk above opens one id per route, maybe another's).
    result_pages = [
        f"/orders/actions/{pk}/" for pk in model_named("BookAction").objects.values_list("pk", flat=True)
    ]
    result_pages += [
        f"/notices/batches/{pk}/" for pk in model_named("NoticeBatch").objects.values_list("pk", flat=True)
    ]
    for url in result_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = response.content.decode()
    found["/admin/"] = client.get("/admin/").content.decode()
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = response.content.decode()
    return found


def test_no_page_or_admin_list_asks_for_a_text_the_zh_hant_catalogues_lack(world, misses):
    pages_seen = rendered(world)

    assert len(pages_seen) > 40
    assert sorted(misses) == [], "\n".join(sorted(misses))


def test_no_reason_stored_as_data_is_shown_as_it_was_stored(world):
    shown = {url: visible(html) for url, html in rendered(world).items()}

    found = [f"{url}: {words}" for url, text in shown.items() for words in STORED_WORDS if words in text]
    assert found == [], "\n".join(found)
    accounts, status = shown["/shops/"], shown["/status/"]
    assert "蝦皮拒絕此賣場的授權：權杖或本系統的權限遭拒" in accounts
    assert "[聊聊] 蝦皮賣家中心的登入帳號或密碼錯誤（若已在蝦皮變更密碼，請輸入新密碼）。" in status
    assert "[訂單] 蝦皮內部發生錯誤；稍後會再試" in status
    notices = shown["/notices/"]
    assert "蝦皮拒絕了這則訊息 (蝦皮拒絕了請求中的某個值)" in notices
    assert "本系統尚不認得的錯誤（some_new_rule）" in notices
    [result] = [text for url, text in shown.items() if re.fullmatch(r"/orders/actions/\d+/", url)]
    assert (
        "蝦皮拒絕：權杖或本系統的權限遭拒" in result and "蝦皮無法產生寄件單：本系統尚不認得的錯誤" in result
    )
    [batch] = [text for url, text in shown.items() if re.fullmatch(r"/notices/batches/\d+/", url)]
    assert "這筆訂單還沒有 [寄件編號] 的資料。" in batch
    assert "蝦皮隱藏了這位買家，無法以聊聊聯絡。" in shown["/notices/batches/auto/"]


def test_every_app_model_and_column_of_the_admin_is_named_in_zh_hant(world):
    index = world.get("/admin/")
    english = []
    for app in index.context["app_list"]:
        english += [str(app["name"])] if not CJK.search(str(app["name"])) else []
        english += [str(model["name"]) for model in app["models"] if not CJK.search(str(model["name"]))]
    for model in admin.site._registry:
        listed = world.get(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
        headers = re.findall(
            r'<th scope="col"[^>]*>.*?<(?:a|span)[^>]*>(.*?)</(?:a|span)>', listed.text, re.S
        )
        headers = [header.strip() for header in headers if header.strip()]  # not the tick-all column
        english += [f"{model._meta.label}: {header}" for header in headers if not CJK.search(header)]
        filters = re.findall(r"<summary>\s*(.*?)\s*</summary>", listed.text, re.S)
        english += [f"{model._meta.label} filter: {title}" for title in filters if not CJK.search(title)]
    assert english == [], "\n".join(english)
    assert "TMS Chat 管理" in index.text and "Django" not in visible(index.text)

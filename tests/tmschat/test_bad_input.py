"""Every parameter a page parses, given what an attacker (or a mangled link) sends: the answer is
a 400, a 404 or the page with a form error, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import ConversationFactory, MessageFactory, OrderFactory, OutgoingMessageFactory

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
ODD_VALUES = ["9999-12-31", "0001-01-01", "1e20_1", "inf", "1e400", HUGE, "-1", "²", "\x00"]


@pytest.fixture
def rows(own_shop):
    conversation = ConversationFactory(shop=own_shop)
    MessageFactory(conversation=conversation)
    outgoing = OutgoingMessageFactory(shop=own_shop, conversation=conversation, state="failed")
    OrderFactory(shop=own_shop)
    return {"c": conversation.pk, "o": outgoing.pk, "s": own_shop.pk}


def get_paths(rows) -> dict[str, list[str]]:
    filters = ["last_from", "last_to", "shop", "unread", "unreplied", "q"]
    return {
        "/chat/": [*filters, "c"],
        "/chat/list/more/": [*filters, "after"],
        "/chat/list/changes/": [*filters, "since"],
        "/chat/c/{c}/": filters,
        "/chat/c/{c}/older/": ["before"],
        "/chat/c/{c}/updates/": ["after", "seen"],
        "/orders/": ["shop", "created_from", "created_to", "status", "carrier", "q", "page"],
        "/notices/": ["search", "state", "shop", "origin", "page"],
        "/shops/verify/callback/": ["state", "code", "shop_id"],
    }


PATHS = [
    "/chat/",
    "/chat/list/more/",
    "/chat/list/changes/",
    "/chat/c/{c}/",
    "/chat/c/{c}/older/",
    "/chat/c/{c}/updates/",
    "/orders/",
    "/notices/",
    "/shops/verify/callback/",
]


@pytest.mark.parametrize("path", PATHS)
def test_no_odd_value_of_any_parameter_gives_a_server_error(rows, salesperson, path):
    client = Client(raise_request_exception=False)
    client.force_login(salesperson)
    url = path.format(c=rows["c"])
    failures = []
    for name in get_paths(rows)[path]:
        for value in ODD_VALUES:
            response = client.get(url, {name: value})
            if response.status_code >= 500:
                failures.append(f"{url}?{name}={value!r}: {response.status_code}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", f"/chat/c/{HUGE}/"),
        ("get", f"/chat/c/{HUGE}/older/"),
        ("get", f"/shops/{HUGE}/"),
        ("post", f"/notices/{HUGE}/retry/"),  # POST only: a GET would be refused before any lookup
    ],
)
def test_ids_beyond_any_row_are_not_found(staff_client, method, path):
    assert getattr(staff_client, method)(path).status_code == 404


@pytest.mark.parametrize(
    ("path", "field"),
    [("/chat/?last_to=9999-12-31", "last_to"), ("/orders/?created_to=9999-12-31", "created_to")],
)
def test_a_date_out_of_range_is_a_form_error(staff_client, rows, path, field):
    response = staff_client.get(path)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["請選擇 2000-01-01 至 2099-12-31 之間的日期。"]
    assert "請選擇 2000-01-01 至 2099-12-31 之間的日期。" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/chat/list/more/?after=1e20_1",
        "/chat/list/more/?after=1_²",
        "/chat/list/changes/?since=inf",
        "/chat/list/changes/?since=1e400",
        "/chat/c/{c}/older/?before=²",
        "/chat/c/{c}/updates/?after=-1",
    ],
)
def test_a_fragment_asked_for_with_a_position_that_is_none_answers_400(staff_client, rows, path):
    assert staff_client.get(path.format(c=rows["c"])).status_code == 400


def test_no_odd_form_value_posted_gives_a_server_error(rows, salesperson):
    client = Client(raise_request_exception=False)
    client.force_login(salesperson)
    c, s = rows["c"], rows["s"]
    forms = {
        f"/chat/c/{c}/send/": ["text", "idempotency_key"],
        f"/chat/c/{c}/read/": [],
        f"/chat/outgoing/{rows['o']}/retry/": [],
        "/notices/retry-failed/": ["filters"],
        f"/shops/{s}/": ["name", "account", "customer", "salesperson"],
        "/shops/new/": ["name", "account", "customer", "salesperson"],
    }
    failures = []
    for path, names in forms.items():
        for name in names or [None]:
            for value in [*ODD_VALUES, "x" * 10_000]:
                data = {name: value} if name else {}
                response = client.post(path, data)
                if response.status_code >= 500:
                    failures.append(f"POST {path} {name}={value[:20]!r}: {response.status_code}")
    assert failures == [], "\n".join(failures)


def test_a_bare_word_as_where_to_go_back_after_a_retry_gives_no_server_error(rows, salesperson):
    client = Client(raise_request_exception=False)
    client.force_login(salesperson)

    response = client.post(f"/notices/{rows['o']}/retry/", {"next": "9999-12-31"})

    assert response.status_code == 302
    assert response["Location"] == "/notices/"  # not a path of this site: back to the list


# -- the five the attacker found (issue 18), on PostgreSQL as on SQLite --------------------------


@pytest.mark.parametrize("template", ["abc", "1e3", "NaN", "9" * 30, "-1"])
def test_a_template_that_is_no_id_is_refused_with_400(staff_client, template):
    response = staff_client.get("/notices/batches/new/", {"template": template})

    assert response.status_code == 400
    assert "template 的值無效" in response.text


def test_approving_automatic_notices_of_a_shop_that_is_no_id_is_refused_and_approves_nothing(
    staff_client, own_shop
):
    from notifications.models import AutoNotice

    notice = AutoNotice.objects.create(
        order=OrderFactory(shop=own_shop), shop=own_shop, text="已出貨", state=AutoNotice.State.REVIEW
    )

    assert staff_client.post("/notices/batches/auto/", {"shop": "abc"}).status_code == 400
    assert AutoNotice.objects.get(pk=notice.pk).state == AutoNotice.State.REVIEW


@pytest.mark.parametrize("action", ["all", "imported", "stock"])
def test_selecting_with_an_invalid_filter_says_so_and_keeps_the_selection(staff_client, own_shop, action):
    from orders import selection

    kept = OrderFactory(shop=own_shop)
    OrderFactory(shop=own_shop)
    staff_client.post(f"/orders/selection/{kept.pk}/", {"on": "1"})

    response = staff_client.post(
        "/orders/selection/", {"action": action, "query": "created_from=abc&shop=NaN"}, follow=True
    )

    assert response.status_code == 200
    assert "篩選條件無效，沒有選取任何訂單：請先更正。" in response.text
    assert selection.selected_pks(user=response.wsgi_request.user) == [kept.pk]


@pytest.mark.parametrize(
    "query", ["state__exact=%00", "region=%00", "q=%00", "%00=1", "verified_at__year=99999999999999999999"]
)
def test_an_admin_list_asked_with_a_nul_or_an_impossible_date_answers_400(admin_client, query):
    assert admin_client.get(f"/admin/accounts/shop/?{query}").status_code == 400


def test_a_signed_push_holding_a_nul_is_taken_without_it(client, settings, own_shop):
    from chat.models import Message, PushReceipt
    from tests.chat.helpers import signed
    from tests.chat.test_push import post, webchat

    body = webchat(own_shop, text="請問\u0000有現貨嗎?")
    body["data"]["content"]["from_user_name"] = "小\u0000明"

    assert post(client, *signed(settings, body)).status_code == 200
    assert Message.objects.get(shop=own_shop).text == "請問有現貨嗎?"
    assert "\\u0000" not in str(PushReceipt.objects.get().body)
    # Shopee's retry of the same push finds it taken.
    assert post(client, *signed(settings, body)).status_code == 200
    assert PushReceipt.objects.count() == 1

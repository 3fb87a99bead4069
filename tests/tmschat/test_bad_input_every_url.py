"""Every URL of the site, given junk where it reads a parameter (NUL, numbers too big for any
column, words where numbers go, "NaN"), answers a 400, a 404, a redirect or the page with a form
error: never a 500. On PostgreSQL as on SQLite.

Nothing here lists the site's views or their parameters by hand: the URLs are walked from the URL
table, the parameter names read from the code (what views take from request.GET / request.POST
and every form's fields), and each admin list's own filters asked for, so a view or an admin added
later is covered as it is."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django import forms
from django.contrib import admin
from django.test import Client
from django.utils import timezone

from tests.factories import ConversationFactory, MessageFactory, OrderFactory, OutgoingMessageFactory
from tests.tmschat.helpers import OURS, existing_pks, model_named, pages, url_of
from tests.utils import ROOT

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
NAN = "NaN"  # no number to int(), and float()'s "not a number"
JUNK = ["\x00", NAN, HUGE, "1e3"]
# Parameters that carry a whole query string of filters (the order table's, 通知's).
NESTED = {"query", "filters"}


def our_sources() -> list[Path]:
    return [
        path
        for app in sorted(set(OURS))
        if (ROOT / app).is_dir()
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    ]


def our_forms() -> list[type[forms.BaseForm]]:
    found, pending = [], [forms.Form, forms.ModelForm]
    while pending:
        form = pending.pop()
        pending += form.__subclasses__()
        if form.__module__.split(".")[0] in OURS:
            found.append(form)
    return found


FORMS = our_forms()


def parameter_names() -> set[str]:
    """Every name a view reads from the request, and every field of every form of ours."""
    read = re.compile(r"""(?:GET|POST)(?:\.get\(|\[|\.getlist\()\s*["'](\w+)["']""")
    found = {name for path in our_sources() for name in read.findall(path.read_text(encoding="utf-8"))}
    return found | {name for form in FORMS for name in form.base_fields}


def read_by(view, names: set[str]) -> set[str]:
    """The names the view's module mentions, and the fields of the forms it uses."""
    source = inspect.getsource(inspect.getmodule(inspect.unwrap(view)))
    mentioned = {name for name in names if f'"{name}"' in source or f"'{name}'" in source}
    for form in FORMS:
        if re.search(rf"\b{form.__name__}\b", source):
            mentioned |= set(form.base_fields)
    return mentioned


@pytest.fixture
def client(own_shop, salesperson) -> Client:
    """A salesperson with one of everything a page can be about, in their own shop."""
    conversation = ConversationFactory(shop=own_shop)
    MessageFactory(conversation=conversation)
    order = OrderFactory(shop=own_shop)
    OutgoingMessageFactory(shop=own_shop, conversation=conversation, state="failed", order_sn=order.order_sn)
    model_named("NoticeTemplate").objects.create(
        name="出貨", text="您的訂單:[訂單單號] 已出貨", shop=own_shop
    )
    model_named("NoticeBatch").objects.create(token="t" * 32, created_by=salesperson, text="已出貨")
    today = timezone.localdate()
    model_named("OrderDownload").objects.create(
        key="k", shop=own_shop, requested_by=salesperson, created_from=today, created_to=today
    )
    model_named("OrderExport").objects.create(user=salesperson, filename="x.xlsx", state="done")
    model_named("BookAction").objects.create(kind="import", user=salesperson, order_pks=[order.pk])
    client = Client(raise_request_exception=False)
    client.force_login(salesperson)
    return client


def junk_for(name: str, value: str, names: set[str]) -> str:
    if name in NESTED:
        return urlencode({other: value for other in names if other not in NESTED})
    return value


def methods_of(client: Client, url: str) -> list[str]:
    """The methods the view takes (a view limited to some answers 405 with them in Allow)."""
    answer = client.options(url)
    if answer.status_code == 405:
        return [
            method.strip().lower() for method in answer["Allow"].split(",") if method.strip() != "OPTIONS"
        ]
    return ["get", "post"]


NAMES = parameter_names()


def test_the_parameters_are_read_from_the_sites_code():
    assert {"template", "shop", "query", "page", "created_from", "after", "c", "since"} <= NAMES


@pytest.mark.parametrize(("name", "route", "ints", "view"), pages(), ids=[page[1] or "/" for page in pages()])
def test_no_junk_in_any_parameter_of_a_page_gives_a_server_error(client, name, route, ints, view):
    url = url_of(client, route, ints, existing_pks())
    assert url is not None, f"no row opens {route}"
    tries = [(value, NAMES) for value in JUNK]  # all at once: also what helpers elsewhere read
    tries += [(value, {one}) for one in sorted(read_by(view, NAMES)) for value in (NAN, HUGE)]
    failures = []
    for method in methods_of(client, url):
        for value, names_sent in tries:
            data = {one: junk_for(one, value, NAMES) for one in names_sent}
            status = getattr(client, method)(url, data).status_code
            if status >= 500:
                failures.append(f"{method.upper()} {url} {sorted(names_sent)[:3]}={value!r}: {status}")
    assert failures == [], "\n".join(failures)


def admin_lists() -> list[type]:
    return list(admin.site._registry)


@pytest.mark.parametrize("model", admin_lists(), ids=lambda model: model._meta.label_lower)
def test_no_junk_in_an_admin_lists_filters_sort_page_or_search_gives_a_server_error(
    client, salesperson, model
):
    salesperson.is_superuser = True
    salesperson.save()
    listing = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    changelist = client.get(listing).context["cl"]
    names = {"o", "p", "q", "e", "_to_field", "_popup"}
    for spec in changelist.filter_specs:
        names |= set(spec.expected_parameters())
    if changelist.date_hierarchy:
        names |= {f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")}
    failures = []
    for name in sorted(names):
        for value in ("\x00", NAN, HUGE):
            status = client.get(listing, {name: value}).status_code
            if status >= 500:
                failures.append(f"{listing}?{name}={value!r}: {status}")
    for object_id in ["abc", HUGE, "%00"]:
        for view in ("change", "history", "delete"):
            status = client.get(f"{listing}{object_id}/{view}/").status_code
            if status >= 500:
                failures.append(f"{listing}{object_id}/{view}/: {status}")
    assert failures == [], "\n".join(failures)

"""Helpers of the tests that go over every page of the site (fixtures: tests/conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.utils import ROOT

OURS = ["accounts", "audit", "chat", "notifications", "orders", "outbox", "tmschat"]
# Apps moved out of these by work going on beside this test (the order book, the inbox) are ours too.
OURS += [config.name for config in apps.get_app_configs() if Path(config.path).is_relative_to(ROOT)]
# Views that leave the site: the push endpoint refuses an unsigned body before reading anything.
NOT_PAGES = {"shopee_push", "metrics", "healthz", "logout", "set_language", "favicon"}


def pages() -> list[tuple[str, str, list[str], object]]:
    """(name, route, int parameters, view) of every URL of the site outside the admin."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.app_name != "admin":
                    walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name not in NOT_PAGES:
                route = prefix + str(entry.pattern)
                found.append((entry.name or route, route, re.findall(r"<int:(\w+)>", route), entry.callback))

    walk(get_resolver().url_patterns, "")
    return found


def model_named(name: str):
    """A model by class name, wherever its app is (the order book moves to an app of its own)."""
    return next(model for model in apps.get_models() if model.__name__ == name)


def existing_pks() -> list[int]:
    """Every row id of our apps' tables, to find one a page with an id in its path opens."""
    return sorted(
        {
            pk
            for model in apps.get_models()
            if model._meta.app_label in OURS
            for pk in model._default_manager.values_list("pk", flat=True)
            if isinstance(pk, int)
        }
    )


def url_of(client: Client, route: str, ints: list[str], pks: list[int]) -> str | None:
    """The route with ids of rows that exist (None when no row opens the page)."""
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", "{\\1}", route)
    if not ints:
        return path
    for pk in pks:
        url = path.format(**dict.fromkeys(ints, pk))
        if client.get(url).status_code not in (404, 405) or client.post(url).status_code != 404:
            return url
    return None

"""Parts of the order page that apps above orders add, and the way back to the page from them.

orders may not import those apps, so they register a panel instead, from their AppConfig.ready:

    register_panel(key="book", template="book/_panel.html", context=book_panel)

`context(user=, shops=)` returns the panel's own values (the user's visible shops come in, read
once for the page) in a constant number of queries; the template is included in the order page
below the selection bar, with the page's context (`query`: the table's filter) and the panel's
values as `panel`. A panel's form posts `query` back, and its view ends with `back_to_list`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.shortcuts import redirect
from django.urls import reverse


@dataclass(frozen=True, slots=True)
class Panel:
    key: str
    template: str
    context: Callable[..., dict]


_panels: dict[str, Panel] = {}


def register_panel(*, key: str, template: str, context: Callable[..., dict]) -> None:
    """Add (or replace: ready() may run twice in tests) a panel."""
    _panels[key] = Panel(key=key, template=template, context=context)


def page_panels(*, user, shops: list) -> list[tuple[str, dict]]:
    """Each registered panel's template with its values for this user."""
    return [(panel.template, panel.context(user=user, shops=shops)) for panel in _panels.values()]


def back_to_list(request):
    """Back to the order page with the filter the form came from."""
    query = request.POST.get("query", "")
    return redirect(f"{reverse('orders:list')}?{query}" if query else reverse("orders:list"))

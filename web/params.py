"""Values views read from a request's parameters, checked before any query uses them: a value
that is none (a word where an id goes, a number no column holds) is answered 400, never a 500."""

from __future__ import annotations

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext

ID_MAX = 2**63 - 1  # a bigint primary key


def row_id(value: str | None) -> int | None:
    """A row id from a parameter; None when it is no id (only ASCII digits within a bigint:
    int() would also take " 7", "1_0" and "١٢", str.isdigit() "²")."""
    if value and value.isascii() and value.isdigit() and len(value) <= 19 and int(value) <= ID_MAX:
        return int(value)
    return None


def bad_parameter(name: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        gettext("The value of %(name)s is not valid.") % {"name": name},
        content_type="text/plain; charset=utf-8",
    )

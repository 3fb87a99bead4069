"""Results of the book's actions kept Shopee's English ("error_auth: Invalid access_token.") and
statuses and states in the words of whoever ran them; they become codes, said in the reader's
language when shown (book.outcomes): Shopee's error as its code with its text apart, statuses
and states as Shopee's and the book's codes."""

import re

from django.db import migrations
from django.utils import translation

SHOPEE_ERRORS = {"shopee_refused", "shopee_unavailable", "document_failed"}
CODE = re.compile(r"^(?:[a-z_]+\.)?([a-z_]+)(?:: .*)?$", re.DOTALL)
UNKNOWN_METHOD = re.compile(r"^unknown shipping method \[(.*)\]$")
BOOK_STATES = {
    "imported": "Imported",
    "shipped": "Shipped",
    "cancelled": "Cancelled",
    "returning": "Cancelled after shipment, parcel returning",
    "returned": "Returned to stock",
}


def _labels(words: dict) -> dict[str, str]:
    """Each label as English and zh-Hant readers saw it → its code."""
    found = {}
    for language in ("en", "zh-hant"):
        with translation.override(language):
            found.update({translation.gettext(str(label)): code for code, label in words.items()})
    return found


def _converted(result: dict, statuses: dict, states: dict) -> dict:
    params = dict(result.get("params") or {})
    code = result.get("code")
    if code in SHOPEE_ERRORS and "error" in params:
        said = str(params.pop("error"))
        method = UNKNOWN_METHOD.match(said)
        if method:
            code = "unknown_shipping_method"
            params["methods"] = "、".join(part.strip(" '\"") for part in method.group(1).split(","))
        else:
            match = CODE.match(said)
            params.update({"shopee_code": match.group(1) if match else "", "said": said})
    if params.get("status") in statuses:
        params["status"] = statuses[params["status"]]
    if code == "not_returning" and params.get("state") in states:
        params["state"] = states[params["state"]]
    return {**result, "code": code, "params": params}


def to_codes(apps, schema_editor):
    from orders.models import STATUS_LABELS

    statuses, states = _labels(STATUS_LABELS), _labels(BOOK_STATES)
    BookAction = apps.get_model("book", "BookAction")
    for action in BookAction.objects.exclude(results=[]).only("pk", "results").iterator(chunk_size=200):
        results = [_converted(result, statuses, states) for result in action.results]
        if results != action.results:
            BookAction.objects.filter(pk=action.pk).update(results=results)


class Migration(migrations.Migration):
    dependencies = [
        ("book", "0002_fields_named_in_zh_hant"),
    ]

    operations = [migrations.RunPython(to_codes, migrations.RunPython.noop)]

"""Reasons an order got no notice were stored as sentences in the sender's language (English or
zh-Hant); they become the codes notifications.skips says in the reader's. A sentence this does
not recognise becomes its own code-less detail, shown as "a reason this program does not know"."""

import re

from django.db import migrations

HIDDEN = ("Shopee hides this buyer: they cannot be reached by chat.", "蝦皮隱藏了這位買家，無法以聊聊聯絡。")
MISSING = (re.compile(r"^No value for (.*) on this order yet\.$"), re.compile(r"^這筆訂單還沒有 (.*) 的資料。$"))
KNOWN = ("buyer_hidden", "missing_values", "text_refused")


def as_code(sentence: str) -> str:
    if sentence in HIDDEN:
        return "buyer_hidden"
    for pattern in MISSING:
        match = pattern.match(sentence)
        if match:
            return f"missing_values:{match.group(1)}"
    return "text_refused"  # the only other sentence stored: the auto notice's text was refused


def to_codes(apps, schema_editor):
    for model, field in (("NoticeBatchOrder", "skip_reason"), ("AutoNotice", "reason")):
        rows = apps.get_model("notifications", model).objects.exclude(**{field: ""})
        sentences = rows.values_list(field, flat=True).distinct()
        for sentence in list(sentences):
            if sentence.partition(":")[0] in KNOWN:
                continue
            rows.filter(**{field: sentence}).update(**{field: as_code(sentence)})


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_zh_hant_names"),
    ]

    operations = [migrations.RunPython(to_codes, migrations.RunPython.noop)]

"""Trigram indexes so the inbox's text search (buyer name, message text) stays fast on PostgreSQL.

They match Django's `icontains` (UPPER(col) LIKE UPPER(%s)). SQLite has no equivalent; there the
search scans, which is fine at the embedded setup's size.
"""

from django.db import migrations

INDEXES = [
    ("chat_conv_buyer_trgm", "chat_conversation", "buyer_name"),
    ("chat_msg_text_trgm", "chat_message", "text"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("chat", "0002_sync_push_quick_replies")]

    operations = [migrations.RunPython(create, drop)]

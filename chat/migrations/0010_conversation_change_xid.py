"""Conversation.change_xid, kept by a trigger on every insert and update: on PostgreSQL the
writing transaction's id (pg_current_xact_id: the top-level id, also inside savepoints); on
SQLite, which has one writer at a time, a counter (the highest value plus one).

The inbox's live list remembers the oldest transaction of this database still running when it
read (chat.selectors.change_horizon); asking next time for rows whose change_xid is at least that
finds every row committed since, however long before it was written (a timestamp cannot: it is
taken before the commit). Rows written by raw SQL or queryset.update() are covered too.
"""

from django.db import migrations, models

PG_CREATE = """
CREATE OR REPLACE FUNCTION chat_conversation_change_xid() RETURNS trigger AS $$
BEGIN
    NEW.change_xid := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER chat_conversation_change_xid BEFORE INSERT OR UPDATE ON chat_conversation
    FOR EACH ROW EXECUTE FUNCTION chat_conversation_change_xid();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS chat_conversation_change_xid ON chat_conversation;
DROP FUNCTION IF EXISTS chat_conversation_change_xid();
"""
# A save() writes the value it read (maybe stale, never higher): bump whenever it did not rise,
# above the row's own value before the write too (the table's highest may be that row's stale one).
SQLITE_HIGHEST = "(SELECT coalesce(max(change_xid), 0) FROM chat_conversation)"
SQLITE_CREATE = [
    "CREATE TRIGGER chat_conversation_change_ins AFTER INSERT ON chat_conversation BEGIN "
    f"UPDATE chat_conversation SET change_xid = {SQLITE_HIGHEST} + 1 WHERE id = NEW.id; END;",
    "CREATE TRIGGER chat_conversation_change_upd AFTER UPDATE ON chat_conversation "
    "WHEN NEW.change_xid <= OLD.change_xid BEGIN "
    f"UPDATE chat_conversation SET change_xid = max({SQLITE_HIGHEST}, OLD.change_xid) + 1 WHERE id = NEW.id; END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS chat_conversation_change_ins;",
    "DROP TRIGGER IF EXISTS chat_conversation_change_upd;",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)  # rows already there keep 0: old, until written again
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("chat", "0009_chat_sync_to_shop_sync")]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="change_xid",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["change_xid"], name="conv_change_xid"),
        ),
        migrations.RunPython(create, drop),
    ]

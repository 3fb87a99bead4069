"""On SQLite, 0013 added the assignee by rebuilding chat_conversation, which drops its triggers:
change_xid stopped moving, so open lists never heard of a change (docs/DESIGN.md, the live list).
Put 0010's SQLite triggers back. PostgreSQL keeps its trigger through ALTER TABLE: nothing to do.
A later rebuild of the table on SQLite must end the same way."""

from importlib import import_module

from django.db import migrations

change_xid = import_module("chat.migrations.0010_conversation_change_xid")


def recreate(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in [*change_xid.SQLITE_DROP, *change_xid.SQLITE_CREATE]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("chat", "0014_team_tags_notes_unread_marks")]

    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]

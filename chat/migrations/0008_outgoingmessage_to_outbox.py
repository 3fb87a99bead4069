"""OutgoingMessage now belongs to the outbox app (outbox 0001 keeps its table and rows)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0007_conversation_message_names"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutgoingMessage")],
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0005_conversation_synced_message"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="outgoingmessage",
            index=models.Index(fields=["sent_at"], name="outbox_sent_at"),
        ),
    ]

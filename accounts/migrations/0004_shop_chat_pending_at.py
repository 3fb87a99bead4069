from django.db import migrations, models
from django.db.models import F


def pending_since_state_change(apps, schema_editor):
    """A login waiting for its link was sent when the shop became pending."""
    Shop = apps.get_model("accounts", "Shop")
    Shop.objects.filter(chat_state="pending").update(chat_pending_at=F("chat_state_changed_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_shop_chat_login"),
    ]

    operations = [
        migrations.AddField(
            model_name="shop",
            name="chat_pending_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(pending_since_state_change, migrations.RunPython.noop),
    ]

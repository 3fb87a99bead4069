"""The chat pull's state moves from ChatSync to accounts' ShopSync (kind "chat"), row by row.
A last error keeps its words; its code is written by the next run."""

from django.db import migrations

FIELDS = ("lease_token", "lease_expires_at", "last_started_at", "last_success_at", "last_full_at")


def chat_syncs_to_shop_syncs(apps, schema_editor):
    ChatSync = apps.get_model("chat", "ChatSync")
    ShopSync = apps.get_model("accounts", "ShopSync")
    for old in ChatSync.objects.all():
        ShopSync.objects.update_or_create(
            shop_id=old.shop_id,
            kind="chat",
            defaults={
                **{name: getattr(old, name) for name in FIELDS},
                "cursor": old.conversations_ns,
                "last_api_calls": old.last_api_calls,
                "last_error": old.last_error,
                "last_error_at": old.last_error_at,
            },
        )


def shop_syncs_to_chat_syncs(apps, schema_editor):
    ChatSync = apps.get_model("chat", "ChatSync")
    ShopSync = apps.get_model("accounts", "ShopSync")
    for sync in ShopSync.objects.filter(kind="chat"):
        ChatSync.objects.update_or_create(
            shop_id=sync.shop_id,
            defaults={
                **{name: getattr(sync, name) for name in FIELDS},
                "conversations_ns": sync.cursor,
                "last_api_calls": sync.last_api_calls,
                "last_error": sync.last_error,
                "last_error_at": sync.last_error_at,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_shop_syncs"),
        ("chat", "0008_outgoingmessage_to_outbox"),
    ]

    operations = [
        migrations.RunPython(chat_syncs_to_shop_syncs, shop_syncs_to_chat_syncs),
        migrations.DeleteModel(name="ChatSync"),
    ]

"""One way to keep per-shop sync state: ShopSync rows for chat and orders.

The order pull's state moves here from Shop (last_order_sync_at and its "[orders] " error); the
chat pull's moves from chat's ChatSync in chat 0009. Shop's sync columns go afterwards.
A last error keeps its words; its code is written by the next run.
"""

import django.db.models.deletion
from django.db import migrations, models

ORDERS_TAG = "[orders] "


def orders_state_to_syncs(apps, schema_editor):
    Shop = apps.get_model("accounts", "Shop")
    ShopSync = apps.get_model("accounts", "ShopSync")
    for shop in Shop.objects.all():
        error = shop.last_sync_error[len(ORDERS_TAG) :] if shop.last_sync_error.startswith(ORDERS_TAG) else ""
        if shop.last_order_sync_at is None and not error:
            continue
        ShopSync.objects.create(
            shop=shop,
            kind="orders",
            cursor=int(shop.last_order_sync_at.timestamp()) if shop.last_order_sync_at else 0,
            last_success_at=shop.last_order_sync_at,
            last_error=error,
            last_error_at=shop.last_sync_error_at if error else None,
        )


def syncs_to_shop(apps, schema_editor):
    Shop = apps.get_model("accounts", "Shop")
    ShopSync = apps.get_model("accounts", "ShopSync")
    for sync in ShopSync.objects.filter(kind="orders"):
        Shop.objects.filter(pk=sync.shop_id).update(
            last_order_sync_at=sync.last_success_at,
            last_sync_error=f"{ORDERS_TAG}{sync.last_error}" if sync.last_error else "",
            last_sync_error_at=sync.last_error_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name='ShopSync',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('chat', 'Chat'), ('orders', 'Orders')], max_length=8)),
                ('cursor', models.BigIntegerField(default=0)),
                ('lease_token', models.CharField(blank=True, max_length=32)),
                ('lease_expires_at', models.DateTimeField(blank=True, null=True)),
                ('last_started_at', models.DateTimeField(blank=True, null=True)),
                ('last_success_at', models.DateTimeField(blank=True, null=True, verbose_name='Last pull')),
                ('last_full_at', models.DateTimeField(blank=True, null=True, verbose_name='Last full reconciliation')),
                ('last_api_calls', models.PositiveIntegerField(default=0)),
                ('last_error_code', models.CharField(blank=True, max_length=60)),
                ('last_error', models.CharField(blank=True, max_length=500, verbose_name='Last error')),
                ('last_error_at', models.DateTimeField(blank=True, null=True)),
                ('shop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='syncs', to='accounts.shop')),
            ],
            options={
                'verbose_name': 'sync status',
                'verbose_name_plural': 'sync status',
                'ordering': ['shop', 'kind'],
                'constraints': [models.UniqueConstraint(fields=('shop', 'kind'), name='one_sync_per_shop_and_kind')],
            },
        ),
        migrations.RunPython(orders_state_to_syncs, syncs_to_shop),
        migrations.RemoveField(
            model_name='shop',
            name='last_chat_sync_at',
        ),
        migrations.RemoveField(
            model_name='shop',
            name='last_order_sync_at',
        ),
        migrations.RemoveField(
            model_name='shop',
            name='last_sync_error',
        ),
        migrations.RemoveField(
            model_name='shop',
            name='last_sync_error_at',
        ),
    ]

from django.db import DatabaseError, migrations, models, transaction

# The table's search is `icontains` on these: UPPER(col::text) LIKE UPPER('%term%').
SEARCHED = ("order_sn", "tracking_number", "buyer_username")


def add_search_indexes(apps, schema_editor):
    """Trigram indexes for the order search, on PostgreSQL where pg_trgm may be created; without
    them the search still works, reading the table."""
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic():
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        return
    for column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS order_{column}_trgm ON orders_order"
            f" USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for column in SEARCHED:
            schema_editor.execute(f"DROP INDEX IF EXISTS order_{column}_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_shop_chat_login'),
        ('orders', '0004_order_download'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='order',
            name='order_pending_recent',
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(fields=['-created_on_shopee', '-id'], include=('shop', 'status', 'channel_kind', 'tracking_number', 'total_amount'), name='order_recent'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(condition=models.Q(('status__in', ('READY_TO_SHIP', 'RETRY_SHIP', 'PROCESSED'))), fields=['-created_on_shopee', '-id'], include=('shop', 'status', 'channel_kind', 'tracking_number', 'total_amount'), name='order_pending_created'),
        ),
        migrations.RunPython(add_search_indexes, drop_search_indexes),
    ]

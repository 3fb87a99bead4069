from django.db import migrations


def store_uncompressed(apps, schema_editor):
    """A selection of 100,000 pks is a 1 MB value: compressing it on every 全選 and
    decompressing it on every page cost more than the disk it saves (PostgreSQL only)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE orders_orderselection ALTER COLUMN order_pks SET STORAGE EXTERNAL")


def store_compressed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE orders_orderselection ALTER COLUMN order_pks SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_table_indexes")]

    operations = [migrations.RunPython(store_uncompressed, store_compressed)]

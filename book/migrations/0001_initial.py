"""The order book moves from orders to its own app with its tables and every row.

Only the models' state moves (orders 0008 drops them from orders' state); each keeps the table
orders created (`db_table`), so nothing in the database changes. The content types follow the
app label, so the permissions granted on the models and their admin history keep working.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ["product", "bookorder", "bookorderline", "bookshopsettings", "bookusersettings", "bookaction"]


def _move_content_types(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_to_book(apps, schema_editor):
    _move_content_types(apps, "orders", "book")


def content_types_to_orders(apps, schema_editor):
    _move_content_types(apps, "book", "orders")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        ('orders', '0007_book_returns'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Product',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sku', models.CharField(max_length=100, unique=True, verbose_name='SKU')),
                        ('name', models.CharField(blank=True, max_length=255, verbose_name='Product name')),
                        ('on_hand', models.IntegerField(default=0, verbose_name='On hand')),
                        ('reserved', models.IntegerField(default=0, verbose_name='Reserved')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='Created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='Updated at')),
                    ],
                    options={
                        'verbose_name': 'product',
                        'verbose_name_plural': 'products',
                        'db_table': 'orders_product',
                        'ordering': ['sku'],
                    },
                ),
                migrations.CreateModel(
                    name='BookAction',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('import', 'Import orders'), ('force_import', 'Force import'), ('supplement', 'Fill in store-pickup tracking numbers'), ('convert', 'Convert to shipment'), ('documents', 'Shipping documents'), ('restock', 'Restock returned parcels')], max_length=16)),
                        ('order_pks', models.JSONField(default=list)),
                        ('options', models.JSONField(blank=True, default=dict)),
                        ('total', models.IntegerField(default=0)),
                        ('done', models.IntegerField(default=0)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('results', models.JSONField(blank=True, default=list)),
                        ('document', models.BinaryField(blank=True, null=True)),
                        ('document_type', models.CharField(blank=True, max_length=100)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'order book action',
                        'verbose_name_plural': 'order book actions',
                        'db_table': 'orders_bookaction',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='BookOrder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('state', models.CharField(choices=[('imported', 'Imported'), ('shipped', 'Shipped'), ('cancelled', 'Cancelled'), ('returning', 'Cancelled after shipment, parcel returning'), ('returned', 'Returned to stock')], default='imported', max_length=16, verbose_name='State')),
                        ('imported_at', models.DateTimeField(verbose_name='Imported at')),
                        ('forced', models.BooleanField(default=False, verbose_name='Forced import')),
                        ('content_hash', models.CharField(blank=True, max_length=64, verbose_name='Fingerprint of the imported lines')),
                        ('stock_reserved', models.BooleanField(default=False, verbose_name='Stock reserved')),
                        ('sender', models.CharField(blank=True, max_length=100, verbose_name='Sender')),
                        ('tracking_number', models.CharField(blank=True, max_length=64, verbose_name='Tracking number')),
                        ('shipped_at', models.DateTimeField(blank=True, null=True, verbose_name='Converted to shipment at')),
                        ('cancelled_at', models.DateTimeField(blank=True, null=True, verbose_name='Cancelled at')),
                        ('returned_at', models.DateTimeField(blank=True, null=True, verbose_name='Restocked at')),
                        ('document_printed_at', models.DateTimeField(blank=True, null=True, verbose_name='Shipping document generated')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='Updated at')),
                        ('imported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='Imported by')),
                        ('order', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='book_entry', to='orders.order', verbose_name='order')),
                        ('returned_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='Restocked by')),
                        ('shipped_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='Converted by')),
                    ],
                    options={
                        'verbose_name': 'imported order',
                        'verbose_name_plural': 'imported orders',
                        'db_table': 'orders_bookorder',
                        'ordering': ['-imported_at'],
                    },
                ),
                migrations.CreateModel(
                    name='BookShopSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('auto_import', models.BooleanField(default=False, verbose_name='Import new orders automatically')),
                        ('shop', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='book_settings', to='accounts.shop', verbose_name='Shop')),
                    ],
                    options={
                        'verbose_name': 'order book shop setting',
                        'verbose_name_plural': 'order book shop settings',
                        'db_table': 'orders_bookshopsettings',
                    },
                ),
                migrations.CreateModel(
                    name='BookUserSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sender', models.CharField(blank=True, max_length=100, verbose_name='Sender')),
                        ('allow_blank_tracking', models.BooleanField(default=False, verbose_name='Allow home-delivery shipment with a blank tracking number')),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='book_settings', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'order book user setting',
                        'verbose_name_plural': 'order book user settings',
                        'db_table': 'orders_bookusersettings',
                    },
                ),
                migrations.CreateModel(
                    name='BookOrderLine',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sku', models.CharField(blank=True, max_length=100, verbose_name='SKU')),
                        ('name', models.CharField(blank=True, max_length=255, verbose_name='Product name')),
                        ('quantity', models.IntegerField(verbose_name='Quantity')),
                        ('price', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='Price')),
                        ('book_order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='book.bookorder', verbose_name='imported order')),
                        ('product', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='book_lines', to='book.product', verbose_name='product')),
                    ],
                    options={
                        'verbose_name': 'imported order line',
                        'verbose_name_plural': 'imported order lines',
                        'db_table': 'orders_bookorderline',
                        'ordering': ['id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='bookorder',
                    index=models.Index(fields=['state', '-imported_at'], name='book_state_recent'),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_book, content_types_to_orders),
    ]

"""The order book's models now belong to the book app (book 0001 keeps their tables and rows)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_book_returns"),
        ("book", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="BookOrderLine"),
                migrations.DeleteModel(name="BookOrder"),
                migrations.DeleteModel(name="BookAction"),
                migrations.DeleteModel(name="BookShopSettings"),
                migrations.DeleteModel(name="BookUserSettings"),
                migrations.DeleteModel(name="Product"),
            ],
        ),
    ]

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0012_selection_as_rule_and_ticks'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='orderselection',
            name='order_pks',
        ),
    ]

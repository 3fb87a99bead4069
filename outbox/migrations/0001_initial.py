"""OutgoingMessage moves from chat to outbox with its table and every row.

The model's state moves (chat 0008 drops it from chat's state only); the table, created by chat
as chat_outgoingmessage, is renamed to outbox_outgoingmessage. Index and constraint names are
the model's own and stay. Permissions granted on the model follow its content type here.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _move_content_type(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="outgoingmessage").exists():
        ContentType.objects.filter(app_label=old, model="outgoingmessage").update(app_label=new)


def content_type_to_outbox(apps, schema_editor):
    _move_content_type(apps, "chat", "outbox")


def content_type_to_chat(apps, schema_editor):
    _move_content_type(apps, "outbox", "chat")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        ('chat', '0007_conversation_message_names'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='OutgoingMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('buyer_id', models.CharField(max_length=32)),
                ('order_sn', models.CharField(blank=True, max_length=32)),
                ('message_type', models.CharField(default='text', max_length=16)),
                ('text', models.TextField(blank=True)),
                ('content', models.JSONField(blank=True, default=dict)),
                ('origin', models.CharField(choices=[('reply', 'Reply'), ('batch_notice', 'Batch notice'), ('auto_notice', 'Automatic shipping notice')], max_length=16)),
                ('idempotency_key', models.CharField(max_length=128, unique=True)),
                ('state', models.CharField(choices=[('queued', 'Queued'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('held', 'Held')], default='queued', max_length=8)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('lease_expires_at', models.DateTimeField(blank=True, null=True)),
                ('error_code', models.CharField(blank=True, max_length=40)),
                ('last_error', models.CharField(blank=True, max_length=500)),
                ('claim_token', models.CharField(blank=True, max_length=32)),
                ('doubt_since', models.DateTimeField(blank=True, null=True)),
                ('shopee_message_id', models.CharField(blank=True, max_length=32)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('conversation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='outgoing_messages', to='chat.conversation')),
                ('queued_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('shop', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='outgoing_messages', to='accounts.shop')),
            ],
            options={
                'indexes': [models.Index(fields=['state', 'next_attempt_at'], name='outbox_due'), models.Index(fields=['shop', 'buyer_id', 'id'], name='outbox_conversation_order'), models.Index(fields=['sent_at'], name='outbox_sent_at')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('shopee_message_id', ''), _negated=True), fields=('shop', 'shopee_message_id'), name='outbox_one_row_per_shopee_message')],
                'db_table': 'chat_outgoingmessage',
            },
        ),
            ],
        ),
        migrations.AlterModelTable(name='outgoingmessage', table=None),
        migrations.RunPython(content_type_to_outbox, content_type_to_chat),
    ]

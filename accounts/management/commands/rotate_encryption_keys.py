"""Re-encrypt every stored Shopee secret (Open Platform tokens; the chat login's session, pending
login and kept password) with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first and keep the old ones after it, run this, then drop the old keys.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from accounts.models import Shop

SECRET_FIELDS = ("access_token", "refresh_token", "chat_session", "chat_pending", "chat_password")


class Command(BaseCommand):
    help = "Re-encrypt every shop's tokens with the first key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        rotated = 0
        secret = Q()
        for name in SECRET_FIELDS:
            secret |= ~Q(**{name: ""})
        for pk in Shop.objects.filter(secret).values_list("pk", flat=True):
            # Under the row lock: a token refresh running meanwhile must not be overwritten
            # by the pair read here.
            with transaction.atomic():
                shop = Shop.objects.select_for_update().get(pk=pk)
                shop.save(update_fields=list(SECRET_FIELDS))
            rotated += 1
        self.stdout.write(f"re-encrypted the tokens of {rotated} shops")

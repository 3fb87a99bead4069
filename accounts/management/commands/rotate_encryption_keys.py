"""Re-encrypt every stored Shopee token with the first key of FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first and keep the old ones after it, run this, then drop the old keys.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Shop


class Command(BaseCommand):
    help = "Re-encrypt every shop's tokens with the first key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        rotated = 0
        for pk in Shop.objects.exclude(access_token="", refresh_token="").values_list("pk", flat=True):
            # Under the row lock: a token refresh running meanwhile must not be overwritten
            # by the pair read here.
            with transaction.atomic():
                shop = Shop.objects.select_for_update().get(pk=pk)
                shop.save(update_fields=["access_token", "refresh_token"])
            rotated += 1
        self.stdout.write(f"re-encrypted the tokens of {rotated} shops")

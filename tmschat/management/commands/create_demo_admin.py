from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts.models import Shop

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "tmschat-demo"
# The sandbox's demo shops (shopee/sandbox --demo); they start unverified, as a new shop would.
DEMO_SHOPS = [
    ("242826267", "ktmst", "我的測試賣場"),
    ("318990021", "tmsbaby", "寶寶生活館"),
    ("405512873", "tmsgadget", "3C小舖"),
]


class Command(BaseCommand):
    help = "Create the demo admin and the demo shop accounts (embedded demo only) and print the credentials."

    def handle(self, *args, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "first_name": "示範管理員"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if not Shop.objects.exists():
            for shop_id, account, name in DEMO_SHOPS:
                Shop.objects.create(
                    shop_id=shop_id, account=account, name=name, customer="TMS獲利王", salesperson=user
                )
        self.stdout.write(f"Demo admin: {DEMO_USERNAME} / {DEMO_PASSWORD}")

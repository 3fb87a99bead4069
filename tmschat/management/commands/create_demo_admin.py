from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts.models import Shop
from book.models import Product

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
        if not Product.objects.exists():
            Product.objects.bulk_create(demo_products())
        self.stdout.write(f"Demo admin: {DEMO_USERNAME} / {DEMO_PASSWORD}")


def demo_products() -> list[Product]:
    """The demo shops' catalog as products with stock (the SKUs the sandbox's demo orders carry);
    every fourth one short, so the order book has orders it cannot import."""
    from shopee.sandbox.demo import SHOPS

    products = []
    for shop in SHOPS:
        for index, (name, models, _price) in enumerate(shop.catalog):
            item_sku = f"{shop.account.upper()}-{index + 1:02d}"
            for number, model in enumerate(models, start=1):
                sku = f"{item_sku}-{number}" if model else item_sku
                on_hand = 2 if len(products) % 4 == 3 else 40
                products.append(Product(sku=sku, name=f"{name} {model}".strip(), on_hand=on_hand))
    return products

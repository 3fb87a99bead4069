"""Moving the order book from orders to its own app keeps every table and row: a database migrated
to the layout before the move, holding rows of every moved model, a permission granted on one and
its admin history, finds them all after it, under the book's app label."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from book.models import BookAction, BookOrder, BookOrderLine, BookShopSettings, BookUserSettings, Product
from tests.utils import migrate_to, migrate_to_newest

BEFORE_MOVE = [("orders", "0007_book_returns"), ("book", None)]
MOVED = ["product", "bookorder", "bookorderline", "bookshopsettings", "bookusersettings", "bookaction"]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def before_the_move():
    """The database as it was before the book app existed; migrated to the newest layout
    afterwards, whatever the test did, so the tests after it find the schema they expect."""
    executor = migrate_to(BEFORE_MOVE)
    others = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in ("orders", "book")]
    yield executor.loader.project_state([*others, BEFORE_MOVE[0]]).apps
    migrate_to_newest()


def test_moving_the_order_book_to_its_own_app_keeps_every_row_permission_and_history(before_the_move):
    old = before_the_move
    now = timezone.now()
    user = old.get_model("auth", "User").objects.create(username="sales", is_staff=True)
    shop = old.get_model("accounts", "Shop").objects.create(
        shop_id="242826267", name="我的測試賣場", state="verified"
    )
    order = old.get_model("orders", "Order").objects.create(
        shop=shop, order_sn="241101AAAA0001", status="READY_TO_SHIP", created_on_shopee=now
    )
    cup = old.get_model("orders", "Product").objects.create(sku="CUP", name="馬克杯", on_hand=5, reserved=2)
    entry = old.get_model("orders", "BookOrder").objects.create(
        order=order, imported_at=now, imported_by=user, stock_reserved=True, tracking_number="F123"
    )
    old.get_model("orders", "BookOrderLine").objects.create(
        book_order=entry, sku="CUP", quantity=2, product=cup
    )
    old.get_model("orders", "BookShopSettings").objects.create(shop=shop, auto_import=True)
    old.get_model("orders", "BookUserSettings").objects.create(user=user, sender="王小美")
    action = old.get_model("orders", "BookAction").objects.create(
        kind="import", user=user, order_pks=[order.pk], results=[{"order_sn": "241101AAAA0001"}]
    )
    # What an installation has: content types of the models, a permission granted, admin history.
    content_types = old.get_model("contenttypes", "ContentType").objects
    book_order_type = content_types.get(app_label="orders", model="bookorder")
    user.user_permissions.add(
        old.get_model("auth", "Permission").objects.get(
            content_type=book_order_type, codename="view_bookorder"
        )
    )
    old.get_model("admin", "LogEntry").objects.create(
        user=user,
        content_type=book_order_type,
        object_id=str(entry.pk),
        object_repr=str(entry.pk),
        action_flag=CHANGE,
        change_message="寄件人更正",
    )

    migrate_to_newest()
    ContentType.objects.clear_cache()

    moved = BookOrder.objects.select_related("order__shop", "imported_by").get()
    assert (moved.pk, moved.order.order_sn, moved.imported_by.username, moved.tracking_number) == (
        entry.pk,
        "241101AAAA0001",
        "sales",
        "F123",
    )
    assert [(ln.sku, ln.quantity, ln.product.sku) for ln in BookOrderLine.objects.all()] == [
        ("CUP", 2, "CUP")
    ]
    assert Product.objects.values_list("sku", "on_hand", "reserved").get() == ("CUP", 5, 2)
    assert BookShopSettings.objects.get().auto_import and BookUserSettings.objects.get().sender == "王小美"
    assert BookAction.objects.get().pk == action.pk
    assert BookOrder._meta.db_table == "orders_bookorder"
    # The content types follow the app label: the permission and the history still apply.
    assert ContentType.objects.get_for_model(BookOrder).pk == book_order_type.pk
    assert not ContentType.objects.filter(app_label="orders", model__in=MOVED).exists()
    assert get_user_model().objects.get(pk=user.pk).has_perm("book.view_bookorder")
    assert LogEntry.objects.get().get_edited_object() == moved
    # New rows continue after the old ones (the id sequences stayed with the tables).
    assert Product.objects.create(sku="BAG", on_hand=1).pk > cup.pk

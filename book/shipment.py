"""轉出貨: converting imported orders to shipments.

Contract of `book_convert(order_pks=…, user=…, sender=…, allow_blank_tracking=…)`:
- The selection is first re-read from Shopee, so an order cancelled there in between is refused
  with the reason (and its reservation released at once: book.cancellations).
- `tracking_numbers` ({order_sn: number}) gives seller-delivery orders the seller's own numbers.
- An order still READY_TO_SHIP on Shopee is arranged through get_shipping_parameter then
  ship_order, by the method Shopee asks for (drop-off, pickup at the first address and the
  recommended slot, or non-integrated with the seller's own tracking number). Orders Shopee
  already arranged are not arranged again.
- Re-ship: an order in RETRY_SHIP (the courier's pickup failed), imported or already converted, is
  arranged again with update_shipping_order at the recommended slot; where Shopee has no pickup
  to update (store drop-off, seller delivery) it is refused with what to do in Seller Centre.
- The tracking number is then read again with get_tracking_number (arranging can replace a
  store-pickup order's earlier 寄件編號) and stored on the order, where the table, Excel and the
  shipping document read it, and on the book entry (`book_tracking_store`).
- A home-delivery or seller-delivery order without a tracking number is refused with the reason
  unless `allow_blank_tracking`; store-pickup orders may wait for theirs (超取補匯入).
- The book's part is one transaction per order with the entry and its products locked: state
  shipped, stock deducted (on hand and the reservation), sender and tracking number recorded.
  Converting again changes nothing. `order_converted_to_shipment` is sent after commit, once.
- No database lock is held while Shopee is called.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.tokens import shop_api
from book.cancellations import book_orders_refresh
from book.models import BookOrder, BookOrderLine, BookUserSettings, Product
from book.outcomes import Outcome, fail_rest, shopee_failed
from book.rules import UNPAID_STATUSES
from book.signals import order_converted_to_shipment
from book.stock import book_lock_products, book_release
from orders.channels import delivery_kind
from orders.models import CANCELLED_STATUSES, Order
from orders.services import TRACKED_STATUSES
from orders.signals import send_on_commit
from shopee.errors import BadRequest, ShopeeError

Progress = Callable[[int], None]


def book_user_settings_save(*, user, sender: str, allow_blank_tracking: bool) -> None:
    """Remember the sender (寄件人) and the blank-tracking switch for the user's next conversion."""
    BookUserSettings.objects.update_or_create(
        user=user, defaults={"sender": sender[:100], "allow_blank_tracking": allow_blank_tracking}
    )


def book_convert(
    *,
    order_pks: Iterable[int],
    user=None,
    sender: str = "",
    allow_blank_tracking: bool = False,
    tracking_numbers: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> list[Outcome]:
    pks = list(dict.fromkeys(int(pk) for pk in order_pks))
    orders = _load(pks)
    outcomes: dict[int, Outcome] = {}
    by_shop: dict[int, list[Order]] = defaultdict(list)
    for order in orders:
        entry = getattr(order, "book_entry", None)
        if entry is None:
            outcomes[order.pk] = Outcome(order.order_sn, "not_imported", order_pk=order.pk)
        elif entry.state in BookOrder.LEFT_STATES and entry.state != BookOrder.State.SHIPPED:
            outcomes[order.pk] = _already(order, entry)
        elif entry.state == BookOrder.State.CANCELLED:
            outcomes[order.pk] = Outcome(order.order_sn, "cancelled_in_book", order_pk=order.pk)
        else:
            by_shop[order.shop_id].append(order)
    done = len(outcomes)
    if progress:
        progress(done)
    for shop_orders in by_shop.values():
        shop = shop_orders[0].shop
        try:
            api = shop_api(shop)
            book_orders_refresh(shop=shop, order_sns=[order.order_sn for order in shop_orders], api=api)
        except ShopeeError as error:
            fail_rest(shop_orders, outcomes, error, shop=shop)
            continue
        fresh = {order.pk: order for order in _load([order.pk for order in shop_orders])}
        for order in shop_orders:
            order = fresh.get(order.pk, order)
            outcomes[order.pk] = _convert_one(
                order,
                api=api,
                user=user,
                sender=sender,
                allow_blank_tracking=allow_blank_tracking,
                own_tracking=(tracking_numbers or {}).get(order.order_sn, ""),
            )
            done += 1
            if progress:
                progress(done)
    found = {order.pk for order in orders}
    missing = [Outcome("", "not_found", order_pk=pk) for pk in pks if pk not in found]
    return missing + [outcomes[order.pk] for order in orders]


def _load(pks: list[int]) -> list[Order]:
    return list(
        Order.objects.filter(pk__in=pks)
        .select_related("shop", "book_entry")
        .order_by("created_on_shopee", "pk")
    )


def _already(order: Order, entry: BookOrder) -> Outcome:
    tracking = order.tracking_number or entry.tracking_number or "—"
    return Outcome(order.order_sn, "already_converted", {"tracking": tracking}, order_pk=order.pk)


def book_tracking_store(*, order_pk: int, tracking: str) -> None:
    """Shopee's tracking number of the order, as it answered last: on the order (the table, Excel
    and the shipping document read it there) and on its book entry, in one transaction."""
    with transaction.atomic():
        Order.objects.filter(pk=order_pk).exclude(tracking_number=tracking).update(tracking_number=tracking)
        BookOrder.objects.filter(order_id=order_pk).exclude(tracking_number=tracking).update(
            tracking_number=tracking
        )


def _convert_one(
    order: Order, *, api, user, sender: str, allow_blank_tracking: bool, own_tracking: str = ""
) -> Outcome:
    sn, pk = order.order_sn, order.pk
    entry = getattr(order, "book_entry", None)
    if entry is None:
        return Outcome(sn, "not_imported", order_pk=pk)
    if entry.state in BookOrder.LEFT_STATES:
        return (
            _reship(order, api=api, entry=entry) if order.status == "RETRY_SHIP" else _already(order, entry)
        )
    if order.status in CANCELLED_STATUSES or entry.state == BookOrder.State.CANCELLED:
        return Outcome(sn, "cancelled_on_shopee", order_pk=pk)
    if order.status in UNPAID_STATUSES:
        return Outcome(sn, "not_paid", {"status": order.status}, order_pk=pk)
    kind = delivery_kind(order)
    tracking = entry.tracking_number or order.tracking_number
    if kind == "seller" and not tracking:
        tracking = own_tracking.strip()[:64]  # the seller's own number, typed in at conversion
    needs_tracking = kind in ("home", "seller") and not allow_blank_tracking
    package = order.package_number or None
    try:
        if order.status == "READY_TO_SHIP":
            if kind == "seller" and not tracking and needs_tracking:
                # Shopee would take the blank number: refuse before arranging anything.
                return Outcome(sn, "blank_tracking", order_pk=pk)
            arranged = _arrange(order, api=api, tracking=tracking)
            if arranged is not None:
                return arranged
        elif order.status == "RETRY_SHIP":
            refused = _arrange_again(order, api=api)
            if refused is not None:
                return refused
        elif order.status not in TRACKED_STATUSES:
            return Outcome(sn, "status_not_shippable", {"status": order.status}, order_pk=pk)
        # Shopee's number as it stands now; the seller's own one stays when Shopee has none.
        answer = str(api.get_tracking_number(sn, package).get("tracking_number") or "")
        tracking = answer or (tracking if kind == "seller" else "")
    except ShopeeError as error:
        code, params = shopee_failed(error, shop=order.shop)
        return Outcome(sn, code, params, order_pk=pk)
    book_tracking_store(order_pk=pk, tracking=tracking)
    if not tracking and needs_tracking:
        return Outcome(sn, "blank_tracking", order_pk=pk)
    return _ship_in_book(order, entry_pk=entry.pk, user=user, sender=sender, tracking=tracking)


def _arrange(order: Order, *, api, tracking: str) -> Outcome | None:
    """Arrange shipment on Shopee as it asks; None when arranged (or found arranged meanwhile)."""
    sn, package = order.order_sn, order.package_number or None
    parameter = api.get_shipping_parameter(sn, package)
    info = parameter.get("info_needed") or {}
    if "pickup" in info:
        choice = {"pickup": _pickup(parameter, info["pickup"])}
    elif "dropoff" in info:
        choice = {"dropoff": _dropoff(parameter, info["dropoff"], tracking)}
    elif "non_integrated" in info:
        choice = {"non_integrated": {"tracking_number": tracking} if tracking else {}}
    else:
        return Outcome(sn, "unknown_shipping_method", {"methods": "、".join(sorted(info))}, order_pk=order.pk)
    try:
        api.ship_order(sn, package_number=package, **choice)
    except BadRequest:
        # Another tab or Seller Centre may have arranged it a moment ago: that is fine.
        detail = api.get_order_details([sn])
        if not detail or str(detail[0].get("order_status")) not in TRACKED_STATUSES:
            raise
    # Shopee took it: PROCESSED now (the next sync reads the rest).
    Order.objects.filter(pk=order.pk, status="READY_TO_SHIP").update(status="PROCESSED")
    return None


def _arrange_again(order: Order, *, api) -> Outcome | None:
    """RETRY_SHIP: the courier's pickup arranged again at the recommended slot (None when done).
    Shopee re-arranges only pickups through its API; anything else is done in Seller Centre."""
    sn, package = order.order_sn, order.package_number or None
    parameter = api.get_shipping_parameter(sn, package)
    if "pickup" not in (parameter.get("info_needed") or {}):
        return Outcome(sn, "reship_in_seller_centre", {"carrier": order.shipping_carrier}, order_pk=order.pk)
    api.update_shipping_order(sn, package_number=package, pickup=_pickup(parameter, []))
    Order.objects.filter(pk=order.pk, status="RETRY_SHIP").update(status="PROCESSED")
    return None


def _reship(order: Order, *, api, entry: BookOrder) -> Outcome:
    """An order converted before whose pickup failed on Shopee: arranged again, nothing more in
    the book (its stock left already)."""
    sn, pk = order.order_sn, order.pk
    try:
        refused = _arrange_again(order, api=api)
        if refused is not None:
            return refused
        tracking = str(api.get_tracking_number(sn, order.package_number or None).get("tracking_number") or "")
    except ShopeeError as error:
        code, params = shopee_failed(error, shop=order.shop)
        return Outcome(sn, code, params, order_pk=pk)
    tracking = tracking or order.tracking_number or entry.tracking_number
    book_tracking_store(order_pk=pk, tracking=tracking)
    return Outcome(sn, "reshipped", {"tracking": tracking or "—"}, order_pk=pk)


def _pickup(parameter: dict[str, Any], needed: list[str]) -> dict[str, Any]:
    addresses = (parameter.get("pickup") or {}).get("address_list") or []
    address = next(
        (a for a in addresses if "pickup_address" in (a.get("address_flag") or [])),
        addresses[0] if addresses else {},
    )
    slots = address.get("time_slot_list") or []
    slot = next((s for s in slots if "recommended" in (s.get("flags") or [])), slots[0] if slots else {})
    choice = {"address_id": address.get("address_id"), "pickup_time_id": slot.get("pickup_time_id")}
    return {key: value for key, value in choice.items() if value not in (None, "")}


def _dropoff(parameter: dict[str, Any], needed: list[str], tracking: str) -> dict[str, Any]:
    dropoff = parameter.get("dropoff") or {}
    choice: dict[str, Any] = {}
    branches = dropoff.get("branch_list") or []
    if "branch_id" in needed and branches:
        choice["branch_id"] = branches[0].get("branch_id")
    slugs = dropoff.get("slug_list") or []
    if slugs:  # Taiwan drop-off fails without the slug when Shopee offers one [OFF]
        choice["slug"] = slugs[0].get("slug")
    if "tracking_no" in needed and tracking:
        choice["tracking_number"] = tracking
    return choice


def _ship_in_book(order: Order, *, entry_pk: int, user, sender: str, tracking: str) -> Outcome:
    sn, pk = order.order_sn, order.pk
    with transaction.atomic():
        entry = BookOrder.objects.select_for_update().filter(pk=entry_pk).first()
        if entry is None:
            return Outcome(sn, "not_imported", order_pk=pk)
        if entry.state in BookOrder.LEFT_STATES:
            return _already(order, entry)  # converted meanwhile (another tab): nothing more
        if entry.state == BookOrder.State.CANCELLED:
            return Outcome(sn, "cancelled_on_shopee", order_pk=pk)
        lines = list(entry.lines.all())
        # 強制匯入 may have taken lines before their SKU was in the catalogue: if it is now, the
        # goods leaving count against it (linked after the release, which reserved nothing for them).
        late_skus = {line.sku for line in lines if not line.product_id and line.sku}
        late = dict(Product.objects.filter(sku__in=late_skus).values_list("sku", "pk")) if late_skus else {}
        now = timezone.now()
        products = book_lock_products(
            {line.product_id for line in lines if line.product_id} | set(late.values()), now=now
        )
        book_release(entry=entry, products=products)
        linked = [line for line in lines if not line.product_id and line.sku in late]
        for line in linked:
            line.product_id = late[line.sku]
        BookOrderLine.objects.bulk_update(linked, ["product"])
        for line in lines:
            if line.product_id:
                products[line.product_id].on_hand -= line.quantity
        Product.objects.bulk_update(list(products.values()), ["on_hand", "reserved", "updated_at"])
        entry.state, entry.shipped_at, entry.shipped_by = BookOrder.State.SHIPPED, now, user
        entry.sender, entry.tracking_number = sender[:100], tracking
        entry.save(
            update_fields=[
                "state",
                "shipped_at",
                "shipped_by",
                "sender",
                "tracking_number",
                "stock_reserved",
                "updated_at",
            ]
        )
        # Tells the automatic shipping notice; a failing listener does not undo the shipment.
        send_on_commit(
            order_converted_to_shipment, sender=BookOrder, book_order=entry, order=order, user=user
        )
    code = "converted" if tracking else "converted_blank"
    return Outcome(sn, code, {"tracking": tracking} if tracking else {}, order_pk=pk)

"""Orders: creation and status changes (with pushes 3 and 4), and how the order API shows them."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shopee.sandbox.channels import CHANNELS, Channel, channel_by_carrier
from shopee.sandbox.config import DAY
from shopee.sandbox.core import ApiError, Core
from shopee.sandbox.limits import TAIPEI
from shopee.sandbox.pushes import push_emit
from shopee.sandbox.state import Buyer, Order, Shop

STATUSES = (
    "UNPAID",
    "READY_TO_SHIP",
    "PROCESSED",
    "RETRY_SHIP",
    "SHIPPED",
    "TO_CONFIRM_RECEIVE",
    "IN_CANCEL",
    "CANCELLED",
    "TO_RETURN",
    "COMPLETED",
)
LIST_FILTER_STATUSES = (*STATUSES, "INVOICE_PENDING")  # accepted as a filter, never an order's status
AWAITING_SHIPMENT = ("READY_TO_SHIP", "RETRY_SHIP")

PUSH_ORDER_STATUS = 3
PUSH_TRACKING_NUMBER = 4

MASK = "****"

_LOGISTICS_STATUS = {
    "UNPAID": "LOGISTICS_NOT_START",
    "READY_TO_SHIP": "LOGISTICS_READY",
    "PROCESSED": "LOGISTICS_REQUEST_CREATED",
    "RETRY_SHIP": "LOGISTICS_PICKUP_RETRY",
    "SHIPPED": "LOGISTICS_PICKUP_DONE",
    "TO_CONFIRM_RECEIVE": "LOGISTICS_DELIVERY_DONE",
    "COMPLETED": "LOGISTICS_DELIVERY_DONE",
    "IN_CANCEL": "LOGISTICS_REQUEST_CANCELED",
    "CANCELLED": "LOGISTICS_REQUEST_CANCELED",
    "TO_RETURN": "LOGISTICS_DELIVERY_DONE",
}

_ORDER_SN_LETTERS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ORDER_SN_PATTERN = re.compile(r"[0-9A-Z]{6,32}")


# -- changes -----------------------------------------------------------------------------------


def buyer_ensure(core: Core, buyer_id: int | str | None, username: str | None = None) -> Buyer:
    """The buyer with this id (created if new), or a new buyer when no id is given."""
    buyers = core.world.buyers
    if buyer_id is None:
        buyer_id = core.rng.randrange(100_000_000, 999_999_999)
        while str(buyer_id) in buyers:
            buyer_id += 1
    elif not str(buyer_id).isdigit() or int(buyer_id) == 0:
        raise ValueError("buyer_id must be a positive whole number")
    buyer_id = int(buyer_id)
    buyer = buyers.get(str(buyer_id))
    if buyer is None:
        buyer = Buyer(buyer_id=int(buyer_id), username=username or f"buyer{buyer_id}")
        buyers[str(buyer.buyer_id)] = buyer
    return buyer


def new_order_sn(core: Core, create_time: int) -> str:
    """Shopee's shape: YYMMDD of the order date, then 8 letters and digits."""
    prefix = datetime.fromtimestamp(create_time, TAIPEI).strftime("%y%m%d")
    while True:
        order_sn = prefix + "".join(core.rng.choice(_ORDER_SN_LETTERS) for _ in range(8))
        if order_sn not in core.world.orders:
            return order_sn


def order_create(
    core: Core,
    *,
    shop_id: str | int,
    buyer_id: int | str | None = None,
    buyer_name: str | None = None,
    status: str = "READY_TO_SHIP",
    carrier: str = "7-ELEVEN",
    tracking_number: str | None = None,
    items: list[dict[str, Any]] | None = None,
    total_amount: float | None = None,
    shipping_fee: int = 60,
    create_time: int | None = None,
    order_sn: str | None = None,
    recipient: dict[str, str] | None = None,
    message_to_seller: str = "",
    payment_method: str = "信用卡",
    push: bool = True,
) -> Order:
    """A new order. `tracking_number` "auto" draws one in the carrier's format; None leaves it empty."""
    world = core.world
    shop_id = str(shop_id)
    if shop_id not in world.shops:
        raise LookupError(f"no shop {shop_id}")
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    if order_sn is not None and not (isinstance(order_sn, str) and ORDER_SN_PATTERN.fullmatch(order_sn)):
        raise ValueError("order_sn must be 6 to 32 capital letters and digits")
    if order_sn in world.orders:
        raise ValueError(f"order {order_sn} already exists")
    if items is not None and not (
        isinstance(items, list) and items and all(isinstance(i, dict) for i in items)
    ):
        raise ValueError("items must be a non-empty list of objects")
    if recipient is not None and not (
        isinstance(recipient, dict) and all(isinstance(v, str) for v in recipient.values())
    ):
        raise ValueError("recipient must be an object of strings")
    if not all(isinstance(text, str) for text in (buyer_name or "", message_to_seller, payment_method)):
        raise ValueError("buyer_name, message_to_seller and payment_method must be strings")
    channel = channel_by_carrier(str(carrier))
    buyer = buyer_ensure(core, buyer_id, buyer_name)
    create_time = int(create_time if create_time is not None else world.now_s())
    lines = [_order_line(core, item) for item in (items or [{"item_name": "測試商品", "price": 199}])]
    subtotal = sum(line["price"] * line["quantity"] for line in lines)
    order = Order(
        order_sn=order_sn or new_order_sn(core, create_time),
        shop_id=shop_id,
        buyer_id=buyer.buyer_id,
        buyer_username=buyer.username,
        status=status,
        channel_id=channel.channel_id,
        create_time=create_time,
        update_time=create_time,
        items=lines,
        total_amount=float(total_amount if total_amount is not None else subtotal + shipping_fee),
        shipping_fee=int(shipping_fee),
        recipient=recipient or default_recipient(channel),
        package_number=f"OFG{core.rng.randrange(10**14, 10**15)}",
        tracking_number="",
        pay_time=None if status == "UNPAID" else create_time + 120,
        payment_method=payment_method,
        cod=payment_method == "貨到付款",
        message_to_seller=message_to_seller,
    )
    if tracking_number == "auto":
        tracking_number = channel.new_tracking_number(core.rng)
    order.tracking_number = tracking_number or ""
    world.orders[order.order_sn] = order
    if push:
        _push_status(core, order)
    core.changed()
    return order


def _order_line(core: Core, item: dict[str, Any]) -> dict[str, Any]:
    name = item.get("item_name") or item.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("each item needs item_name")
    return {
        "item_id": int(item.get("item_id") or core.rng.randrange(1_000_000_000, 9_999_999_999)),
        "item_name": str(name),
        "model_id": int(item.get("model_id") or 0),
        "model_name": str(item.get("model_name") or ""),
        "item_sku": _sku(item, "item_sku"),
        "model_sku": _sku(item, "model_sku"),
        "quantity": int(item.get("quantity", 1)),
        "price": float(item.get("price", 0)),
    }


def _sku(item: dict[str, Any], name: str) -> str:
    value = item.get(name) or ""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    return value


def default_recipient(channel: Channel) -> dict[str, str]:
    store = f"{channel.name} 信義門市" if channel.kind == "store" else ""
    return {
        "name": "王小明",
        "phone": "0912345678",
        "town": "",
        "district": "信義區",
        "city": "台北市",
        "state": "台北市",
        "region": "TW",
        "zipcode": "110",
        "full_address": store or "台北市信義區松仁路100號5樓",
    }


def order_get(core: Core, order_sn: str) -> Order:
    order = core.world.orders.get(order_sn)
    if order is None:
        raise LookupError(f"no order {order_sn}")
    return order


def order_set_status(core: Core, order_sn: str, status: str) -> Order:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    order = order_get(core, order_sn)
    now = core.world.now_s()
    order.status = status
    order.update_time = now
    if status != "UNPAID" and order.pay_time is None:
        order.pay_time = now
    if status == "SHIPPED" and not order.pickup_done_time:
        order.pickup_done_time = now
    if status == "CANCELLED" and not order.cancel_by:
        order.cancel_by, order.cancel_reason = "buyer", "Need to change delivery address"
    _push_status(core, order)
    core.changed()
    return order


def order_set_items(core: Core, order_sn: str, items: Any) -> Order:
    """Change an order's lines (e.g. a partly cancelled order): get_order_detail shows the new ones."""
    if not (isinstance(items, list) and items and all(isinstance(i, dict) for i in items)):
        raise ValueError("items must be a non-empty list of objects")
    order = order_get(core, order_sn)
    lines = [_order_line(core, item) for item in items]
    order.items = lines
    order.update_time = core.world.now_s()
    core.changed()
    return order


def order_set_tracking_number(core: Core, order_sn: str, tracking_number: str | None = None) -> Order:
    """Give the order its tracking number (drawn in the carrier's format when none is given): push 4."""
    order = order_get(core, order_sn)
    order.tracking_number = tracking_number or CHANNELS[order.channel_id].new_tracking_number(core.rng)
    order.update_time = core.world.now_s()
    data = {
        "ordersn": order.order_sn,
        "forder_id": order.package_number,
        "package_number": order.package_number,
        "tracking_no": order.tracking_number,
    }
    push_emit(core, PUSH_TRACKING_NUMBER, data, shop_id=order.shop_id)
    core.changed()
    return order


def _push_status(core: Core, order: Order) -> None:
    data = {
        "ordersn": order.order_sn,
        "status": order.status,
        "completed_scenario": "NORMAL" if order.status == "COMPLETED" else "",
        "update_time": order.update_time,
        "items": [],
    }
    push_emit(core, PUSH_ORDER_STATUS, data, shop_id=order.shop_id)


# -- what the order API shows ------------------------------------------------------------------


def shop_order(core: Core, shop: Shop, order_sn: str) -> Order:
    order = core.world.orders.get(order_sn)
    if order is None or order.shop_id != shop.shop_id:
        raise ApiError("error_not_found", "Wrong parameters, detail: the order is not found.")
    return order


def encode_cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(":".join(map(str, parts)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, count: int) -> list[str]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError("error_param", "Invalid cursor.") from None
    parts = text.split(":")
    if len(parts) != count:
        raise ApiError("error_param", "Invalid cursor.")
    return parts


def keyset_page(
    orders: list[Order], key: Callable[[Order], tuple[int, str]], cursor: str, page_size: int
) -> tuple[list[Order], bool, str]:
    """Orders sorted by `key` (newest first) after the cursor: (page, more, next_cursor)."""
    ordered = sorted(orders, key=key, reverse=True)
    if cursor:
        stamp, order_sn = decode_cursor(cursor, 2)
        after = (int(stamp) if stamp.isdigit() else 0, order_sn)
        ordered = [o for o in ordered if key(o) < after]
    page = ordered[:page_size]
    more = len(ordered) > page_size
    return page, more, encode_cursor(*key(page[-1])) if more else ""


def order_detail(core: Core, order: Order, optional_fields: set[str]) -> dict[str, Any]:
    """One entry of get_order_detail: default fields, plus the optional ones asked for."""
    shop = core.world.shops[order.shop_id]
    channel = CHANNELS[order.channel_id]
    detail: dict[str, Any] = {
        "order_sn": order.order_sn,
        "region": shop.region,
        "currency": "TWD",
        "cod": order.cod,
        "order_status": order.status,
        "message_to_seller": order.message_to_seller,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "days_to_ship": order.days_to_ship,
        "ship_by_date": (order.pay_time or order.create_time) + order.days_to_ship * DAY,
        "booking_sn": "",
    }
    for name in sorted(optional_fields):
        value = _optional_field(core, order, channel, name)
        if value is not _ABSENT:
            detail[name] = value
    if shop.region == "TW":
        _mask_taiwan(core, detail, channel)
    return detail


_ABSENT = object()


def _optional_field(core: Core, order: Order, channel: Channel, name: str) -> Any:
    value = _OPTIONAL_FIELDS.get(name)
    return _ABSENT if value is None else value(order, channel)  # unknown names: left out, as Shopee does


def _shipped(order: Order) -> bool:
    return order.status in ("SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN")


def _fixed(value: Any) -> Callable[[Order, Channel], Any]:
    return lambda order, channel: value


# Each optional field Shopee answers when `response_optional_fields` names it: its value for an order.
_OPTIONAL_FIELDS: dict[str, Callable[[Order, Channel], Any]] = {
    "buyer_user_id": lambda order, channel: order.buyer_id,
    "buyer_username": lambda order, channel: order.buyer_username,
    "recipient_address": lambda order, channel: dict(order.recipient),
    "item_list": lambda order, channel: [_item(line, order) for line in order.items],
    "package_list": lambda order, channel: [_package(order, channel)],
    # only once paid
    "total_amount": lambda order, channel: order.total_amount if order.pay_time is not None else _ABSENT,
    "shipping_carrier": lambda order, channel: channel.name,
    "checkout_shipping_carrier": lambda order, channel: channel.name,
    "estimated_shipping_fee": lambda order, channel: float(order.shipping_fee),
    "actual_shipping_fee": lambda order, channel: float(order.shipping_fee) if _shipped(order) else 0.0,
    "actual_shipping_fee_confirmed": lambda order, channel: _shipped(order),
    "pay_time": lambda order, channel: order.pay_time if order.pay_time is not None else _ABSENT,
    "payment_method": lambda order, channel: order.payment_method,
    "note": lambda order, channel: order.note,
    "note_update_time": lambda order, channel: order.update_time if order.note else 0,
    "cancel_by": lambda order, channel: order.cancel_by,
    "cancel_reason": lambda order, channel: order.cancel_reason,
    "buyer_cancel_reason": lambda order, channel: order.cancel_reason,
    "pickup_done_time": lambda order, channel: order.pickup_done_time,
    "fulfillment_flag": _fixed("fulfilled_by_local_seller"),
    "goods_to_declare": _fixed(False),
    "split_up": _fixed(False),
    "dropshipper": _fixed(""),
    "dropshipper_phone": _fixed(""),
    "order_chargeable_weight_gram": _fixed(500),
}


def _item(line: dict[str, Any], order: Order) -> dict[str, Any]:
    return {
        "item_id": line["item_id"],
        "item_name": line["item_name"],
        "item_sku": line.get("item_sku", ""),
        "model_id": line["model_id"],
        "model_name": line["model_name"],
        "model_sku": line.get("model_sku", ""),
        "model_quantity_purchased": line["quantity"],
        "model_original_price": line["price"],
        "model_discounted_price": line["price"],
        "wholesale": False,
        "weight": 0.5,
        "add_on_deal": False,
        "main_item": False,
        "add_on_deal_id": 0,
        "promotion_type": "",
        "promotion_id": 0,
        "order_item_id": line["item_id"],
        "promotion_group_id": 0,
        "image_info": {"image_url": ""},
        "product_location_id": ["TWZ"],
        "is_b2c_owned_item": False,
    }


def _package(order: Order, channel: Channel) -> dict[str, Any]:
    status = _LOGISTICS_STATUS[order.status]
    if order.status == "PROCESSED" and not channel.integrated:
        status = "LOGISTICS_PICKUP_DONE"  # non-integrated: nothing for Shopee to arrange
    return {
        "package_number": order.package_number,
        "logistics_status": status,
        "logistics_channel_id": channel.channel_id,
        "shipping_carrier": channel.name,
        "allow_self_design_awb": False,
        "item_list": [
            {
                "item_id": line["item_id"],
                "model_id": line["model_id"],
                "model_quantity": line["quantity"],
                "order_item_id": line["item_id"],
                "promotion_group_id": 0,
                "product_location_id": "TWZ",
            }
            for line in order.items
        ],
        "parcel_chargeable_weight_gram": 500,
        "group_shipment_id": 0,
        "virtual_contact_number": "",
        "package_query_number": "",
        "sorting_group": "北區" if channel.channel_id == 30029 else "",
    }


def _mask_taiwan(core: Core, detail: dict[str, Any], channel: Channel) -> None:
    """Taiwan: integrated channels hide the recipient; non-integrated ones hide the buyer."""
    if channel.integrated:
        if "recipient_address" in detail:
            detail["recipient_address"] = dict.fromkeys(detail["recipient_address"], MASK)
        return
    if "buyer_username" in detail:
        detail["buyer_username"] = MASK
    if "buyer_user_id" in detail and core.config.mask_tw_non_integrated_buyer_id:
        detail["buyer_user_id"] = 0

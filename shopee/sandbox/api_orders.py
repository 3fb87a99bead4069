"""Order and logistics endpoints."""

from __future__ import annotations

from typing import Any

from shopee.sandbox import logistics
from shopee.sandbox.api import ApiCall, FileAnswer, endpoint
from shopee.sandbox.config import DAY
from shopee.sandbox.core import ApiError
from shopee.sandbox.orders import (
    AWAITING_SHIPMENT,
    LIST_FILTER_STATUSES,
    keyset_page,
    order_detail,
    shop_order,
)
from shopee.sandbox.state import Order


def _page_size(call: ApiCall) -> int:
    return call.integer("page_size", required=True, low=1, high=call.core.config.order_page_size_max)


@endpoint("/api/v2/order/get_order_list", "GET")
def get_order_list(call: ApiCall) -> dict[str, Any]:
    field = call.text("time_range_field", required=True, choices=("create_time", "update_time"))
    time_from = call.integer("time_from", required=True)
    time_to = call.integer("time_to", required=True)
    window_days = call.core.config.order_window_days
    if time_from >= time_to or time_to - time_from > window_days * DAY:
        raise ApiError(
            "order.order_list_invalid_time",
            f"time_from must be before time_to and the range at most {window_days} days.",
        )
    page_size = _page_size(call)
    status = call.text("order_status", choices=LIST_FILTER_STATUSES)
    with_status = "order_status" in call.names("response_optional_fields")
    orders = [
        o
        for o in call.core.world.orders.values()
        if o.shop_id == call.shop.shop_id
        and time_from <= getattr(o, field) <= time_to
        and (status is None or o.status == status)
    ]
    page, more, next_cursor = keyset_page(
        orders, lambda o: (getattr(o, field), o.order_sn), call.text("cursor") or "", page_size
    )
    order_list = [
        {"order_sn": o.order_sn} | ({"order_status": o.status} if with_status else {}) for o in page
    ]
    return {"more": more, "next_cursor": next_cursor, "order_list": order_list}


@endpoint("/api/v2/order/get_order_detail", "GET")
def get_order_detail(call: ApiCall) -> dict[str, Any]:
    order_sns = call.names("order_sn_list")
    limit = call.core.config.order_detail_max
    if not 1 <= len(order_sns) <= limit:
        raise ApiError("error_param", f"order_sn_list must hold 1 to {limit} order numbers.")
    orders = [shop_order(call.core, call.shop, order_sn) for order_sn in order_sns]
    fields = set(call.names("response_optional_fields"))
    return {"order_list": [order_detail(call.core, order, fields) for order in orders]}


@endpoint("/api/v2/order/get_shipment_list", "GET")
def get_shipment_list(call: ApiCall) -> dict[str, Any]:
    page_size = _page_size(call)
    orders = [
        o
        for o in call.core.world.orders.values()
        if o.shop_id == call.shop.shop_id and o.status in AWAITING_SHIPMENT
    ]
    page, more, next_cursor = keyset_page(
        orders, lambda o: (o.create_time, o.order_sn), call.text("cursor") or "", page_size
    )
    order_list = [{"order_sn": o.order_sn, "package_number": o.package_number} for o in page]
    return {"order_list": order_list, "more": more, "next_cursor": next_cursor}


# -- logistics ---------------------------------------------------------------------------------


def _order(call: ApiCall) -> Order:
    order = shop_order(call.core, call.shop, call.text("order_sn", required=True))
    package_number = call.arg("package_number")
    if package_number is not None and package_number != order.package_number:
        raise ApiError("logistics.error_param", "package_number is invalid.")
    return order


@endpoint("/api/v2/logistics/get_shipping_parameter", "GET")
def get_shipping_parameter(call: ApiCall) -> dict[str, Any]:
    return logistics.shipping_parameter(call.core, _order(call))


@endpoint("/api/v2/logistics/ship_order", "POST")
def ship_order(call: ApiCall) -> dict[str, Any]:
    logistics.ship(call.core, _order(call), call.body)
    return {}


@endpoint("/api/v2/logistics/update_shipping_order", "POST")
def update_shipping_order(call: ApiCall) -> dict[str, Any]:
    logistics.update_shipping(call.core, _order(call), call.body)
    return {}


@endpoint("/api/v2/logistics/get_tracking_number", "GET")
def get_tracking_number(call: ApiCall) -> dict[str, Any]:
    return logistics.tracking_number(_order(call), set(call.names("response_optional_fields")))


@endpoint("/api/v2/logistics/get_channel_list", "GET")
def get_channel_list(call: ApiCall) -> dict[str, Any]:
    return {"logistics_channel_list": logistics.channel_list()}


def _order_list(call: ApiCall) -> list[Any]:
    entries = call.body.get("order_list")
    if not isinstance(entries, list) or not 1 <= len(entries) <= 50:
        raise ApiError("logistics.error_param", "order_list must hold 1 to 50 packages.")
    return entries


@endpoint("/api/v2/logistics/get_shipping_document_parameter", "POST")
def get_shipping_document_parameter(call: ApiCall) -> dict[str, Any]:
    return {"result_list": logistics.document_parameters(call.core, call.shop, _order_list(call))}


@endpoint("/api/v2/logistics/create_shipping_document", "POST")
def create_shipping_document(call: ApiCall) -> dict[str, Any]:
    return {"result_list": logistics.document_create(call.core, call.shop, _order_list(call))}


@endpoint("/api/v2/logistics/get_shipping_document_result", "POST")
def get_shipping_document_result(call: ApiCall) -> dict[str, Any]:
    return {"result_list": logistics.document_results(call.core, call.shop, _order_list(call))}


@endpoint("/api/v2/logistics/download_shipping_document", "POST")
def download_shipping_document(call: ApiCall) -> FileAnswer:
    content, content_type = logistics.document_download(call.core, call.shop, _order_list(call))
    return FileAnswer(content, content_type)

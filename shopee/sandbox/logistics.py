"""Shipping: arranging shipment, tracking numbers, channels and shipping documents."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shopee.sandbox.channels import CHANNELS, Channel
from shopee.sandbox.core import ApiError, Core
from shopee.sandbox.documents import html_labels, pdf_labels
from shopee.sandbox.limits import TAIPEI
from shopee.sandbox.orders import order_set_status, order_set_tracking_number, shop_order
from shopee.sandbox.state import DocumentJob, Order, Shop

DOCUMENT_TYPES = (
    "NORMAL_AIR_WAYBILL",
    "THERMAL_AIR_WAYBILL",
    "NORMAL_JOB_AIR_WAYBILL",
    "THERMAL_JOB_AIR_WAYBILL",
    "THERMAL_UNPACKAGED_LABEL",
)
SELLER_ADDRESS_ID = 200001

_SHIP_METHOD = {"store": "dropoff", "home": "pickup", "seller": "non_integrated"}
# Past arranging: Shopee answers "Order has been shipped." [OFF, ship_order's documented errors].
_SHIPPED = frozenset({"SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"})
# Cancelled orders have no shipping document; one created before the cancellation fails.
_CANCELLED = frozenset({"IN_CANCEL", "CANCELLED"})


def require_ready_to_ship(order: Order) -> None:
    """get_shipping_parameter and ship_order work only on READY_TO_SHIP orders (SHOPEE_API.md §3.4:
    "only status you can ship from"), refused with ship_order's documented errors."""
    if order.status == "READY_TO_SHIP":
        return
    if order.status in _SHIPPED:
        raise ApiError("logistics.error_param", "Order has been shipped.")
    raise ApiError("logistics.error_param", "The order status is not ready to ship.")


def shipping_parameter(core: Core, order: Order) -> dict[str, Any]:
    """What ship_order needs: store channels drop off, couriers pick up, the seller ships alone.
    A RETRY_SHIP order is answered too: its new pickup slots are what update_shipping_order takes
    (UNCERTAIN whether Shopee answers it here; the document names no other source of slots)."""
    if order.status != "RETRY_SHIP":
        require_ready_to_ship(order)
    channel = CHANNELS[order.channel_id]
    method = _SHIP_METHOD[channel.kind]
    if method == "dropoff":
        return {"info_needed": {"dropoff": []}, "dropoff": {"branch_list": [], "slug_list": []}}
    if method == "non_integrated":
        return {"info_needed": {"non_integrated": ["tracking_no"]}}
    today = datetime.fromtimestamp(core.world.now(), TAIPEI).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    slots = []
    for days in (1, 2, 3):
        day = today + timedelta(days=days)
        slots.append(
            {
                "date": int(day.timestamp()),
                "time_text": f"{day:%m/%d} 09:00-18:00",
                "pickup_time_id": str(int(day.timestamp())),
                "flags": ["recommended"] if days == 1 else [],
            }
        )
    address = {
        "address_id": SELLER_ADDRESS_ID,
        "region": "TW",
        "state": "台北市",
        "city": "台北市",
        "district": "內湖區",
        "town": "",
        "address": "瑞光路100號3樓",
        "zipcode": "114",
        "address_flag": ["default_address", "pickup_address"],
        "time_slot_list": slots,
    }
    return {
        "info_needed": {"pickup": ["address_id", "pickup_time_id"]},
        "pickup": {"address_list": [address]},
    }


def ship(core: Core, order: Order, body: dict[str, Any]) -> None:
    """ship_order: READY_TO_SHIP -> PROCESSED; integrated channels get their tracking number."""
    require_ready_to_ship(order)
    channel = CHANNELS[order.channel_id]
    method = _SHIP_METHOD[channel.kind]
    chosen = body.get(method)
    if not isinstance(chosen, dict):
        raise ApiError("logistics.error_param", f"{method} is required for {channel.name}.")
    if method == "pickup" and not (chosen.get("address_id") and chosen.get("pickup_time_id")):
        raise ApiError("logistics.error_param", "pickup needs address_id and pickup_time_id.")
    order_set_status(core, order.order_sn, "PROCESSED")
    if channel.integrated:
        # The carrier's number: a store-pickup order's earlier 寄件編號 may be replaced by it.
        keep = order.tracking_number and not core.config.store_number_changes_on_ship
        if not keep:
            order_set_tracking_number(core, order.order_sn)
    elif chosen.get("tracking_number"):
        order_set_tracking_number(core, order.order_sn, chosen["tracking_number"])


def update_shipping(core: Core, order: Order, body: dict[str, Any]) -> None:
    """update_shipping_order: a courier's pickup arranged again. RETRY_SHIP (the pickup failed)
    -> PROCESSED; a PROCESSED order only gets its new slot. Only pickup channels have one: store
    drop-off and seller delivery cannot be re-arranged through the API."""
    channel = CHANNELS[order.channel_id]
    if _SHIP_METHOD[channel.kind] != "pickup":
        raise ApiError("logistics.error_param", f"{channel.name} has no pickup to update.")
    if order.status not in ("RETRY_SHIP", "PROCESSED"):
        raise ApiError("logistics.error_param", "The order status does not support updating the pickup.")
    chosen = body.get("pickup")
    if not isinstance(chosen, dict) or not (chosen.get("address_id") and chosen.get("pickup_time_id")):
        raise ApiError("logistics.error_param", "pickup needs address_id and pickup_time_id.")
    if order.status == "RETRY_SHIP":
        order_set_status(core, order.order_sn, "PROCESSED")


def tracking_number(order: Order, optional_fields: set[str]) -> dict[str, Any]:
    result = {"tracking_number": order.tracking_number, "hint": "", "pickup_code": ""}
    for name in ("plp_number", "first_mile_tracking_number", "last_mile_tracking_number"):
        if name in optional_fields:
            result[name] = ""
    return result


def channel_list() -> list[dict[str, Any]]:
    return [_channel_json(channel) for channel in CHANNELS.values()]


def _channel_json(channel: Channel) -> dict[str, Any]:
    return {
        "logistics_channel_id": channel.channel_id,
        "logistics_channel_name": channel.name,
        "cod_enabled": channel.kind != "seller",
        "enabled": True,
        "fee_type": "SIZE_INPUT" if channel.kind == "home" else "FIXED_DEFAULT_PRICE",
        "size_list": [],
        "weight_limit": {"item_max_weight": 20.0 if channel.kind == "home" else 5.0, "item_min_weight": 0.0},
        "item_max_dimension": {"height": 0, "width": 0, "length": 0, "unit": "cm", "dimension_sum": 105},
        "volume_limit": {"item_max_volume": 0, "item_min_volume": 0},
        "logistics_description": "",
        "force_enable": False,
        "mask_channel_id": 0,
        "block_seller_cover_shipping_fee": False,
        "support_cross_border": False,
        "seller_logistic_has_configuration": None,
        "logistics_capability": {"seller_logistics": channel.kind == "seller"},
        "preprint": False,
    }


# -- shipping documents ------------------------------------------------------------------------


def _entry_order(core: Core, shop: Shop, entry: Any) -> tuple[Order | None, dict[str, str]]:
    """The order a document request entry names, or the per-entry failure."""
    if not isinstance(entry, dict) or not entry.get("order_sn"):
        return None, _fail("logistics.error_param", "order_sn is required.")
    try:
        order = shop_order(core, shop, str(entry["order_sn"]))
    except ApiError as exc:
        return None, _fail(exc.code, exc.message)
    if "package_number" in entry and entry["package_number"] != order.package_number:
        return None, _fail("logistics.error_param", "package_number is invalid.")
    return order, {}


def _fail(code: str, message: str) -> dict[str, str]:
    return {"fail_error": code, "fail_message": message}


def _print_refusal(order: Order) -> dict[str, str]:
    if CHANNELS[order.channel_id].document is None:
        return _fail("logistics.package_can_not_print", "The package can not print now")
    if order.status != "PROCESSED":
        return _fail("logistics.invalid_order_status", "Order status does not support awb printing")
    return {}


def _result(entry: dict[str, Any], order: Order | None, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "order_sn": str(entry.get("order_sn", "")) if isinstance(entry, dict) else "",
        "package_number": order.package_number if order else "",
        "fail_error": "",
        "fail_message": "",
    } | extra


def document_parameters(core: Core, shop: Shop, entries: list[Any]) -> list[dict[str, Any]]:
    results = []
    for entry in entries:
        order, failure = _entry_order(core, shop, entry)
        failure = failure or _print_refusal(order)
        types = (
            {}
            if failure
            else {
                "suggest_shipping_document_type": "NORMAL_AIR_WAYBILL",
                "selectable_shipping_document_type": ["NORMAL_AIR_WAYBILL", "THERMAL_AIR_WAYBILL"],
            }
        )
        results.append(_result(entry, order, failure | types))
    return results


def document_create(core: Core, shop: Shop, entries: list[Any]) -> list[dict[str, Any]]:
    results = []
    for entry in entries:
        order, failure = _entry_order(core, shop, entry)
        failure = failure or _print_refusal(order)
        document_type = "" if failure else entry.get("shipping_document_type") or "NORMAL_AIR_WAYBILL"
        if not failure and document_type not in DOCUMENT_TYPES:
            failure = _fail("logistics.error_param", "shipping_document_type is invalid.")
        if not failure:
            core.world.documents[order.order_sn] = DocumentJob(
                order.order_sn, document_type, created_at=core.world.now()
            )
        results.append(_result(entry, order, failure))
    core.changed()
    return results


def document_results(core: Core, shop: Shop, entries: list[Any]) -> list[dict[str, Any]]:
    """PROCESSING until `document_ready_seconds` passed (and `document_processing_polls` asks),
    READY after; FAILED once the order is cancelled. Download needs READY."""
    results = []
    for entry in entries:
        order, failure = _entry_order(core, shop, entry)
        job = core.world.documents.get(order.order_sn) if order else None
        if not failure and job is None:
            failure = _fail("logistics.error_param", "The shipping document has not been created.")
        if not failure and order.status in _CANCELLED:
            failure = _fail("logistics.invalid_order_status", "Order status does not support awb printing")
        if failure:
            results.append(_result(entry, order, failure | {"status": "FAILED"}))
            continue
        job.polls += 1
        status = "READY" if _ready(core, job) else "PROCESSING"
        results.append(_result(entry, order, {"status": status}))
    core.changed()
    return results


def _ready(core: Core, job: DocumentJob) -> bool:
    waited = core.world.now() - job.created_at
    return job.polls > core.config.document_processing_polls and waited >= core.config.document_ready_seconds


def document_download(core: Core, shop: Shop, entries: list[Any]) -> tuple[bytes, str]:
    """The file of READY documents: HTML for store channels, PDF otherwise. Mixed kinds refuse."""
    orders = []
    for entry in entries:
        order, failure = _entry_order(core, shop, entry)
        if failure:
            raise ApiError(failure["fail_error"], failure["fail_message"])
        if order.status in _CANCELLED:
            raise ApiError("logistics.invalid_order_status", "Order status does not support awb printing")
        job = core.world.documents.get(order.order_sn)
        if job is None or not _ready(core, job):
            raise ApiError(
                "logistics.error_param", f"The shipping document of {order.order_sn} is not ready."
            )
        orders.append(order)
    kinds = {CHANNELS[order.channel_id].document for order in orders}
    if len(kinds) != 1:
        raise ApiError(
            "logistics.error_param", "Documents of different formats cannot be downloaded together."
        )
    if kinds == {"html"}:
        return html_labels(orders), "text/html; charset=utf-8"
    return pdf_labels(orders), "application/pdf"

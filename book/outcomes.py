"""What an order-book action did to each order of a selection: a code, its parameters, and the
words shown to staff (translated when shown, so a result reads in its reader's language).

Results are stored as JSON on BookAction (`Outcome.as_json` / `Outcome.from_json`). What a Shopee
error means for an order is said in one place: `shopee_failed` (and `fail_rest` for the orders an
action had not done yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.services import shop_auth_failed
from accounts.shopee_words import reason_words
from book.models import BookOrder
from orders.models import STATUS_LABELS
from shopee.errors import AuthError, BadRequest, ShopeeError

# Codes after which the order is where the action meant it to be.
OK_CODES = frozenset(
    {
        "imported",
        "imported_short",
        "imported_unknown_sku",
        "reimported",
        "already_imported",
        "tracking_filled",
        "converted",
        "converted_blank",
        "already_converted",
        "reshipped",
        "in_document",
        "restocked",
        "already_restocked",
    }
)
# Codes that are neither done nor a refusal: try again later.
WAIT_CODES = frozenset({"no_tracking_yet", "document_not_ready", "shopee_unavailable"})

WORDS = {
    # import, force import, auto import
    "imported": _("Imported"),
    "imported_short": _("Imported regardless of stock: %(skus)s not enough"),
    "imported_unknown_sku": _(
        "Imported, but SKU not in the catalogue: %(skus)s (no stock reserved for it; add the product)"
    ),
    "reimported": _("Imported again: the order changed on Shopee"),
    "already_imported": _("Already imported"),
    "not_enough_stock": _("Not enough stock: %(sku)s needs %(need)s, %(available)s available"),
    "unknown_sku": _("Unknown SKU: %(skus)s (add the product first)"),
    "missing_sku": _("No SKU on Shopee for: %(names)s"),
    "no_items": _("The order has no items"),
    "cancelled_on_shopee": _("Cancelled on Shopee"),
    "not_paid": _("Not ready on Shopee yet (%(status)s)"),
    "status_not_importable": _("Cannot be handled in Shopee status %(status)s"),
    "already_shipped": _("Already converted to shipment"),
    "cancelled_in_book": _("Cancelled in the order book"),
    "not_found": _("Order not found"),
    # supplementary import (超取補匯入)
    "tracking_filled": _("Tracking number filled in: %(tracking)s"),
    "has_tracking": _("Already has tracking number %(tracking)s"),
    "no_tracking_yet": _("Shopee has not assigned a tracking number yet"),
    "not_store_pickup": _("Not a convenience-store pickup order"),
    "not_imported": _("Not imported yet"),
    # conversion to shipment (轉出貨)
    "converted": _("Converted to shipment, tracking number %(tracking)s"),
    "converted_blank": _("Converted to shipment with a blank tracking number"),
    "already_converted": _("Already converted to shipment (tracking number %(tracking)s)"),
    "blank_tracking": _(
        "Home delivery without a tracking number: allow blank tracking numbers to ship it anyway"
    ),
    "shopee_refused": _("Shopee refused: %(error)s"),
    "unknown_shipping_method": _(
        "Shopee asks for a shipping method this program does not know (%(methods)s): arrange it in Seller Centre"
    ),
    "shopee_unavailable": _("Shopee could not be reached (%(error)s): try again shortly"),
    "status_not_shippable": _("Shopee status %(status)s cannot be shipped from"),
    "reshipped": _("The failed pickup is arranged again on Shopee, tracking number %(tracking)s"),
    "reship_in_seller_centre": _(
        "The pickup failed and Shopee needs the shipment arranged again, which %(carrier)s does not "
        "allow through the API: in Shopee Seller Centre, under My Sales, open this order and arrange "
        "its shipment again, then convert it to shipment here"
    ),
    # shipping documents (產生寄件單)
    "in_document": _("In the shipping document file"),
    "no_document_carrier": _("%(carrier)s brings its own label: Shopee prints no shipping document"),
    "no_document_seller": _("Seller delivery: Shopee prints no shipping document"),
    "not_arranged": _("Not arranged on Shopee yet: convert it to shipment first"),
    "retry_ship": _(
        "The pickup failed on Shopee: convert it to shipment again to arrange a new one, then print"
    ),
    "picked_up": _("Already picked up (%(status)s): Shopee no longer prints its document"),
    "document_failed": _("Shopee could not make the shipping document: %(error)s"),
    "document_not_ready": _("Shopee has not finished the shipping document yet: generate it again shortly"),
    # restocking returned parcels (退貨入庫)
    "restocked": _("Returned parcel restocked: %(units)s units back on hand"),
    "already_restocked": _("Already restocked (%(when)s): nothing added again"),
    "not_returning": _("Not a returned parcel (order book: %(state)s): stock unchanged"),
}


@dataclass(frozen=True)
class Outcome:
    order_sn: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    order_pk: int | None = None

    @property
    def ok(self) -> bool:
        return self.code in OK_CODES

    @property
    def waiting(self) -> bool:
        return self.code in WAIT_CODES

    @property
    def message(self) -> str:
        words = WORDS.get(self.code)
        if words is None:
            return gettext("a result this program does not know (%(code)s)") % {"code": self.code}
        text = str(words)  # lazy: translated into the active language now
        try:
            return text % self.shown_params() if self.params else text
        except (KeyError, TypeError, ValueError):
            return text

    @property
    def said(self) -> str:
        """What Shopee said, as it said it: shown only on hover, never as the result."""
        return str(self.params.get("said", ""))

    def shown_params(self) -> dict[str, Any]:
        """The parameters in the reader's words: Shopee's error (stored as its code and text) in
        ours, statuses and states (stored as codes) by their labels."""
        shown = dict(self.params)
        if "shopee_code" in shown or "said" in shown:
            shown["error"] = reason_words(str(shown.get("shopee_code", "")), self.said).words
        if "status" in shown:
            shown["status"] = str(STATUS_LABELS.get(shown["status"], shown["status"]))
        if "state" in shown and shown["state"] in BookOrder.State.values:
            shown["state"] = str(BookOrder.State(shown["state"]).label)
        return shown

    def as_json(self) -> dict[str, Any]:
        return {
            "order_sn": self.order_sn,
            "code": self.code,
            "params": self.params,
            "order_pk": self.order_pk,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        return cls(
            order_sn=str(data.get("order_sn", "")),
            code=str(data.get("code", "")),
            params=dict(data.get("params") or {}),
            order_pk=data.get("order_pk"),
        )


def shopee_failed(error: ShopeeError, *, shop) -> tuple[str, dict[str, Any]]:
    """The outcome (code, parameters) of a Shopee error while acting on an order of `shop`:
    refused when Shopee refused the request, or the shop's authorization (the shop is then
    flipped to unverified: shop_auth_failed); otherwise unavailable, to try again shortly."""
    if isinstance(error, AuthError):
        shop_auth_failed(shop=shop, reason=str(error))
    refused = isinstance(error, AuthError | BadRequest)
    return "shopee_refused" if refused else "shopee_unavailable", shopee_said(error.code, str(error))


def shopee_said(code: str, text: str) -> dict[str, str]:
    """An outcome's parameters for a Shopee error: its code (said in our words when shown) and its
    own text apart (shown on hover): Shopee's English never becomes the result staff read."""
    return {"shopee_code": code or "", "said": str(text or "")}


def fail_rest(orders: Iterable, outcomes: dict[int, Outcome], error: ShopeeError, *, shop) -> None:
    """A Shopee error for a shop's `orders`: each one without an outcome yet gets the error's."""
    code, params = shopee_failed(error, shop=shop)
    for order in orders:
        if order.pk not in outcomes:
            outcomes[order.pk] = Outcome(order.order_sn, code, params, order_pk=order.pk)

"""The six read scopes of the order download (蝦皮訂單API匯出), as filters on stored orders.

Exactly the seed's six, in its order. What each means in Shopee statuses and tracking-number
states is written down in docs/ORDER_SCOPES.md; `scope_q` is that table in code. A download pulls
every order of the date range (Shopee's order list cannot filter by channel or tracking number,
and takes one status at a time without RETRY_SHIP) and the scope then decides what the table
shows: so a scope never hides an order because of a stale status.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.channels import ChannelKind

# 待出貨: paid and not yet handed to the carrier. READY_TO_SHIP and RETRY_SHIP still need
# shipment arranged; PROCESSED has it arranged (the store-pickup 寄件編號 exists or is coming)
# but the parcel is still with the seller.
PENDING_SHIPMENT = ("READY_TO_SHIP", "RETRY_SHIP", "PROCESSED")


class Scope(models.TextChoices):
    STORE_UNNUMBERED = "store_unnumbered", _("Pending shipment (store pickup, no tracking number)")
    STORE_AND_HOME = "store_and_home", _("All store pickup and home delivery")
    PENDING = "pending", _("Pending shipment (all)")
    STORE_NUMBERED = "store_numbered", _("Pending shipment (store pickup, with tracking number)")
    PENDING_HOME = "pending_home", _("Pending shipment (home delivery)")
    ALL = "all", _("All")


def scope_q(scope: str) -> Q:
    """The orders a scope means, as a filter on Order."""
    pending = Q(status__in=PENDING_SHIPMENT)
    store = Q(channel_kind=ChannelKind.STORE)
    match scope:
        case Scope.STORE_UNNUMBERED:
            return pending & store & Q(tracking_number="")
        case Scope.STORE_AND_HOME:
            return Q(channel_kind__in=(ChannelKind.STORE, ChannelKind.HOME))
        case Scope.PENDING:
            return pending
        case Scope.STORE_NUMBERED:
            return pending & store & ~Q(tracking_number="")
        case Scope.PENDING_HOME:
            return pending & Q(channel_kind=ChannelKind.HOME)
        case Scope.ALL:
            return Q()
    raise ValueError(f"unknown scope {scope!r}")

"""退貨入庫: parcels that come back after Shopee cancelled a shipped order (a convenience-store
parcel never picked up, 未取貨) go back on the shelf.

Contract of `book_restock(order_pks=…, user=…)`:
- Only book orders in state RETURNING (set by `book.cancellations.book_cancel_cancelled`) are restocked:
  each line's quantity goes back to its product's on_hand (lines without a product add nothing),
  and the entry becomes RETURNED with who and when.
- One transaction; the book entries are locked (pk order), then the products (pk order), as the
  other stock writes do. Restocking again, or two clicks at once, restocks once: the second finds
  the entry RETURNED under its lock and reports it.
- Every other order is reported in words and left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from book.models import BookOrder, Product
from book.outcomes import Outcome
from book.stock import book_lock_products
from orders.models import Order

State = BookOrder.State


def book_restock(*, order_pks: Iterable[int], user=None) -> list[Outcome]:
    pks = list(dict.fromkeys(int(pk) for pk in order_pks))
    if not pks:
        return []
    orders = list(
        Order.objects.filter(pk__in=pks).order_by("created_on_shopee", "pk").values_list("pk", "order_sn")
    )
    outcomes = {pk: Outcome("", "not_found", order_pk=pk) for pk in pks}
    with transaction.atomic():
        entries = {
            entry.order_id: entry
            for entry in BookOrder.objects.select_for_update()
            .filter(order_id__in=[pk for pk, _sn in orders])
            .prefetch_related("lines")
            .order_by("pk")
        }
        returning = [entry for entry in entries.values() if entry.state == State.RETURNING]
        now = timezone.now()
        products = book_lock_products(
            {line.product_id for e in returning for line in e.lines.all() if line.product_id}, now=now
        )
        for entry in returning:
            for line in entry.lines.all():
                if line.product_id:
                    products[line.product_id].on_hand += line.quantity
            entry.state, entry.returned_at, entry.returned_by, entry.updated_at = (
                State.RETURNED,
                now,
                user,
                now,
            )
        BookOrder.objects.bulk_update(returning, ["state", "returned_at", "returned_by", "updated_at"])
        Product.objects.bulk_update(list(products.values()), ["on_hand", "updated_at"])
    restocked = {entry.pk for entry in returning}
    for pk, sn in orders:
        outcomes[pk] = _outcome(pk, sn, entries.get(pk), restocked=restocked)
    return [outcomes[pk] for pk in pks if outcomes[pk].code == "not_found"] + [
        outcomes[pk] for pk, _sn in orders
    ]


def _outcome(pk: int, sn: str, entry: BookOrder | None, *, restocked: set[int]) -> Outcome:
    if entry is None:
        return Outcome(sn, "not_imported", order_pk=pk)
    if entry.pk in restocked:
        units = sum(line.quantity for line in entry.lines.all() if line.product_id)
        return Outcome(sn, "restocked", {"units": units}, order_pk=pk)
    if entry.state == State.RETURNED:
        when = timezone.localtime(entry.returned_at).strftime("%Y/%m/%d %H:%M") if entry.returned_at else "—"
        return Outcome(sn, "already_restocked", {"when": when}, order_pk=pk)
    return Outcome(sn, "not_returning", {"state": entry.state}, order_pk=pk)

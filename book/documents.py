"""產生寄件單: Shopee's shipping documents for a selection, as one file to print.

Contract of `book_documents(order_pks=…)`:
- The selection is re-read from Shopee first. Orders whose carrier has no Shopee document
  (黑貓宅急便 brings its own label, seller delivery) are listed apart with the reason, as are
  orders not arranged yet, cancelled ones and ones already picked up.
- The rest have their tracking number read again (get_tracking_number: arranging shipment can
  replace it) and stored where the order table and Excel read it, so the printed 寄件編號 is theirs.
- Then Shopee's calls per shop: get_shipping_document_parameter (the suggested
  type), create_shipping_document, get_shipping_document_result polled until READY or FAILED
  (a document still PROCESSING is asked again, for up to `wait_seconds`, then reported as not
  ready yet, never as failed), then download_shipping_document per carrier in batches of 50.
- The downloads become one file: one HTML page (Taiwan's store labels), one PDF (merged), or a
  ZIP holding both when the selection mixes them.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from accounts.tokens import shop_api
from book.cancellations import book_orders_refresh
from book.models import BookOrder
from book.outcomes import Outcome, fail_rest, shopee_said
from book.shipment import book_tracking_store
from orders.channels import delivery_kind, has_shopee_document
from orders.models import CANCELLED_STATUSES, Order
from shopee.errors import AuthError, ShopeeError

log = logging.getLogger(__name__)

BATCH = 50
PICKED_UP = frozenset({"SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"})
DEFAULT_TYPE = "NORMAL_AIR_WAYBILL"


@dataclass(frozen=True)
class DocumentFile:
    content: bytes
    content_type: str
    filename: str


def book_documents(
    *,
    order_pks: Iterable[int],
    wait_seconds: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Outcome], DocumentFile | None]:
    if wait_seconds is None:
        wait_seconds = getattr(settings, "BOOK_DOCUMENT_WAIT_SECONDS", 60.0)
    pks = list(dict.fromkeys(int(pk) for pk in order_pks))
    orders = _load(pks)
    outcomes: dict[int, Outcome] = {}
    by_shop: dict[int, list[Order]] = defaultdict(list)
    for order in orders:
        refusal = _no_document(order)  # the status is judged after reading it again from Shopee
        if refusal:
            outcomes[order.pk] = refusal
        else:
            by_shop[order.shop_id].append(order)
    files: list[tuple[bytes, str]] = []
    for shop_orders in by_shop.values():
        files += _shop_documents(shop_orders, outcomes, wait_seconds=wait_seconds, sleep=sleep)
        if progress:
            progress(len(outcomes))
    printed = [pk for pk, outcome in outcomes.items() if outcome.code == "in_document"]
    BookOrder.objects.filter(order_id__in=printed).update(document_printed_at=timezone.now())
    found = {order.pk for order in orders}
    result = [Outcome("", "not_found", order_pk=pk) for pk in pks if pk not in found]
    result += [outcomes[order.pk] for order in orders]
    return result, _one_file(files)


def _load(pks: list[int]) -> list[Order]:
    return list(Order.objects.filter(pk__in=pks).select_related("shop").order_by("created_on_shopee", "pk"))


def _no_document(order: Order) -> Outcome | None:
    sn, pk = order.order_sn, order.pk
    if not has_shopee_document(order):
        if delivery_kind(order) == "seller":
            return Outcome(sn, "no_document_seller", order_pk=pk)
        return Outcome(sn, "no_document_carrier", {"carrier": order.shipping_carrier}, order_pk=pk)
    return None


def _refusal(order: Order) -> Outcome | None:
    sn, pk = order.order_sn, order.pk
    refusal = _no_document(order)
    if refusal:
        return refusal
    if order.status in CANCELLED_STATUSES:
        return Outcome(sn, "cancelled_on_shopee", order_pk=pk)
    if order.status in PICKED_UP:
        return Outcome(sn, "picked_up", {"status": order.status}, order_pk=pk)
    if order.status == "RETRY_SHIP":
        return Outcome(sn, "retry_ship", order_pk=pk)
    if order.status != "PROCESSED":
        return Outcome(sn, "not_arranged", order_pk=pk)
    return None


def _tracking_reread(api, orders: list[Order]) -> None:
    for order in orders:
        answer = api.get_tracking_number(order.order_sn, order.package_number or None)
        tracking = str(answer.get("tracking_number") or "")
        if tracking and tracking != order.tracking_number:
            book_tracking_store(order_pk=order.pk, tracking=tracking)
            order.tracking_number = tracking


def _package(order: Order, **extra) -> dict:
    return {"order_sn": order.order_sn, "package_number": order.package_number or None, **extra}


def _shop_documents(
    orders: list[Order], outcomes: dict[int, Outcome], *, wait_seconds: float, sleep
) -> list[tuple[bytes, str]]:
    """One shop's documents: its orders read again from Shopee, then Shopee's calls in turn, each
    order's outcome set on the way. A Shopee error stops the shop: its orders without an outcome
    get the error's, and the files downloaded before it are kept (their orders are in them)."""
    shop, calls = orders[0].shop, None
    try:
        api = shop_api(shop)
        book_orders_refresh(shop=shop, order_sns=[o.order_sn for o in orders], api=api)
        fresh = {o.pk: o for o in _load([o.pk for o in orders])}
        ready = []
        for order in (fresh.get(o.pk, o) for o in orders):
            refusal = _refusal(order)
            if refusal:
                outcomes[order.pk] = refusal
            else:
                ready.append(order)
        if ready:
            _tracking_reread(api, ready)
            calls = _ShopCalls(api, ready, outcomes)
            pending = calls.create(calls.suggest_types(ready))
            calls.download(calls.wait_ready(pending, wait_seconds=wait_seconds, sleep=sleep))
    except ShopeeError as error:
        fail_rest(orders, outcomes, error, shop=shop)
    return calls.files if calls else []


class _ShopCalls:
    """Shopee's document calls for one shop's orders; an order Shopee fails gets its outcome and
    drops out of the next call."""

    def __init__(self, api, orders: list[Order], outcomes: dict[int, Outcome]) -> None:
        self.api, self.outcomes = api, outcomes
        self.by_sn = {order.order_sn: order for order in orders}
        self.types: dict[str, str] = {}  # the document type Shopee suggests, by order number
        self.files: list[tuple[bytes, str]] = []  # (content, content type) downloaded so far

    def failed(self, result: dict) -> bool:
        """Whether Shopee failed this order in `result` (its outcome then says why)."""
        order = self.by_sn.get(str(result.get("order_sn")))
        if order is None or not (result.get("fail_error") or result.get("fail_message")):
            return False
        code, text = str(result.get("fail_error") or ""), str(result.get("fail_message") or "")
        said = shopee_said(code, f"{code}: {text}" if code and text else code or text)
        self.outcomes[order.pk] = Outcome(order.order_sn, "document_failed", said, order_pk=order.pk)
        return True

    def suggest_types(self, orders: list[Order]) -> list[Order]:
        for result in self.api.get_shipping_document_parameter([_package(o) for o in orders]):
            if not self.failed(result):
                suggested = result.get("suggest_shipping_document_type") or DEFAULT_TYPE
                self.types[str(result.get("order_sn"))] = str(suggested)
        return [o for o in orders if o.order_sn in self.types]

    def create(self, orders: list[Order]) -> list[Order]:
        if not orders:
            return []
        entries = [
            _package(
                o, tracking_number=o.tracking_number or None, shipping_document_type=self.types[o.order_sn]
            )
            for o in orders
        ]
        failed = {
            str(r.get("order_sn")) for r in self.api.create_shipping_document(entries) if self.failed(r)
        }
        return [o for o in orders if o.order_sn not in failed]

    def wait_ready(self, pending: list[Order], *, wait_seconds: float, sleep) -> list[Order]:
        """Shopee renders documents in the background: ask again until each is READY or FAILED,
        for up to `wait_seconds`; the ones still PROCESSING then are to try again, not failed."""
        ready: list[Order] = []
        deadline = time.monotonic() + wait_seconds
        delay = 0.2
        while pending:
            entries = [_package(o, shipping_document_type=self.types[o.order_sn]) for o in pending]
            statuses = {
                str(result.get("order_sn")): str(result.get("status") or "")
                for result in self.api.get_shipping_document_result(entries)
                if not self.failed(result)
            }
            ready += [o for o in pending if statuses.get(o.order_sn) == "READY"]
            pending = [o for o in pending if statuses.get(o.order_sn) == "PROCESSING"]
            if not pending or time.monotonic() + delay > deadline:
                break
            sleep(delay)
            delay = min(delay * 1.5, 2.0)
        for order in pending:
            self.outcomes[order.pk] = Outcome(order.order_sn, "document_not_ready", order_pk=order.pk)
        return ready

    def download(self, ready: list[Order]) -> None:
        """One carrier's documents share a format: downloaded together, 50 at a time."""
        groups: dict[tuple[str, str], list[Order]] = defaultdict(list)
        for order in ready:
            groups[(order.logistics_channel_id or order.shipping_carrier, self.types[order.order_sn])].append(
                order
            )
        for (_channel, document_type), group in groups.items():
            for start in range(0, len(group), BATCH):
                batch = group[start : start + BATCH]
                try:
                    document = self.api.download_shipping_document(
                        [_package(o) for o in batch], document_type
                    )
                except AuthError:
                    raise  # the shop's authorization: the rest of the shop fails (_shop_documents)
                except ShopeeError as exc:
                    code, params = "document_failed", shopee_said(exc.code, str(exc))
                else:
                    self.files.append((document.content, document.content_type))
                    code, params = "in_document", {}
                for order in batch:
                    self.outcomes[order.pk] = Outcome(order.order_sn, code, params, order_pk=order.pk)


# -- one file to print ------------------------------------------------------------------------


def _one_file(files: list[tuple[bytes, str]]) -> DocumentFile | None:
    if not files:
        return None
    html = [content for content, kind in files if "html" in kind.lower()]
    pdf = [content for content, kind in files if "pdf" in kind.lower() or content.startswith(b"%PDF")]
    other = [
        content
        for content, kind in files
        if not ("html" in kind.lower() or "pdf" in kind.lower() or content.startswith(b"%PDF"))
    ]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    parts: list[DocumentFile] = []
    if html:
        parts.append(
            DocumentFile(_merge_html(html), "text/html; charset=utf-8", f"shipping-documents-{stamp}.html")
        )
    if pdf:
        parts.append(DocumentFile(_merge_pdf(pdf), "application/pdf", f"shipping-documents-{stamp}.pdf"))
    for number, content in enumerate(other, start=1):  # e.g. Shopee's ZIP for thermal printers
        parts.append(
            DocumentFile(content, "application/octet-stream", f"shipping-documents-{stamp}-{number}.bin")
        )
    if len(parts) == 1:
        return parts[0]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            archive.writestr(part.filename, part.content)
    return DocumentFile(buffer.getvalue(), "application/zip", f"shipping-documents-{stamp}.zip")


_BODY = re.compile(rb"<body[^>]*>(.*)</body>", re.S | re.I)
_HEAD = re.compile(rb"^(.*?<body[^>]*>)", re.S | re.I)


def _merge_html(pages: list[bytes]) -> bytes:
    """One page: the first page's head, every page's body in order."""
    if len(pages) == 1:
        return pages[0]
    head = _HEAD.match(pages[0])
    bodies = [(_BODY.search(page) or None) for page in pages]
    if head is None or any(body is None for body in bodies):
        return b"\n".join(pages)
    return head.group(1) + b"\n".join(body.group(1) for body in bodies) + b"</body></html>"


def _merge_pdf(documents: list[bytes]) -> bytes:
    if len(documents) == 1:
        return documents[0]
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for content in documents:
        for page in PdfReader(io.BytesIO(content)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

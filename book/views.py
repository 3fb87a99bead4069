"""The order book's actions on the order table's selection (`orders.selection`), each ending on
its per-order results page (with the shipping-document file); the per-shop auto-import switch;
products and their stock. The orders themselves are listed on the order page (`orders.views`),
where the book's panel (book/_panel.html) holds these forms."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import shop_for
from book.actions import book_action_outcomes, book_action_start
from book.imports import book_auto_import_set
from book.models import BookAction
from book.products import products_import_xlsx
from book.selectors import action_for, products_for_list
from book.shipment import book_user_settings_save
from orders import selection
from orders.panels import back_to_list

NO_DOCUMENT_CODES = frozenset({"no_document_carrier", "no_document_seller"})
ACTIONS = {
    "import": BookAction.Kind.IMPORT,
    "force_import": BookAction.Kind.FORCE_IMPORT,
    "supplement": BookAction.Kind.SUPPLEMENT,
    "convert": BookAction.Kind.CONVERT,
    "documents": BookAction.Kind.DOCUMENTS,
    "restock": BookAction.Kind.RESTOCK,
}


@require_POST
def book_action(request):
    kind = ACTIONS.get(request.POST.get("action", ""))
    if kind is None:
        raise Http404
    # The order table's selection, only orders of the user's shops (others' drop out of it).
    pks = selection.selection_take(user=request.user, order_by=("created_on_shopee", "pk"))
    if not pks:
        messages.warning(request, _("Select at least one order."))
        return back_to_list(request)
    options = {}
    if kind == BookAction.Kind.CONVERT:
        sender = request.POST.get("sender", "").strip()
        allow_blank = request.POST.get("allow_blank_tracking") == "1"
        book_user_settings_save(user=request.user, sender=sender, allow_blank_tracking=allow_blank)
        options = {
            "sender": sender,
            "allow_blank_tracking": allow_blank,
            "tracking_numbers": _tracking_lines(request.POST.get("tracking_numbers", "")),
        }
    action = book_action_start(kind=kind, user=request.user, order_pks=pks, options=options)
    return redirect("book:result", pk=action.pk)


@require_GET
def book_result(request, pk: int):
    action = action_for(request.user, pk)
    outcomes = book_action_outcomes(action)
    if request.GET.get("format") == "json":  # the page's progress poll
        return JsonResponse(
            {"done": action.done, "total": action.total, "finished": bool(action.finished_at)}
        )
    # Orders whose carrier has no Shopee document are listed apart (they need their own label).
    apart = [o for o in outcomes if o.code in NO_DOCUMENT_CODES]
    return render(
        request,
        "book/result.html",
        {
            "action": action,
            "outcomes": [o for o in outcomes if o.code not in NO_DOCUMENT_CODES],
            "apart": apart,
            "total": len(outcomes),
            "ok_count": sum(1 for o in outcomes if o.ok),
            "refused_count": sum(
                1 for o in outcomes if not o.ok and not o.waiting and o.code not in NO_DOCUMENT_CODES
            ),
            "waiting_count": sum(1 for o in outcomes if o.waiting),
        },
    )


@require_GET
def book_document(request, pk: int):
    action = action_for(request.user, pk)
    if not action.document:
        raise Http404
    filename = (action.options or {}).get("filename") or "shipping-documents"
    response = HttpResponse(bytes(action.document), content_type=action.document_type)
    disposition = (
        "inline" if action.document_type.startswith(("text/html", "application/pdf")) else "attachment"
    )
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@require_POST
def book_auto_import(request, shop_pk: int):
    shop = shop_for(request.user, shop_pk)
    enabled = request.POST.get("enabled") == "1"
    book_auto_import_set(shop=shop, enabled=enabled)
    if enabled:
        messages.success(
            request, _("%(shop)s: new orders are imported after each sync.") % {"shop": shop.name}
        )
    else:
        messages.info(request, _("%(shop)s: automatic import is off.") % {"shop": shop.name})
    return back_to_list(request)


@require_http_methods(["GET", "POST"])
def product_list(request):
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.warning(request, _("Choose an .xlsx file first."))
            return redirect("book:products")
        result = products_import_xlsx(file=upload)
        if result.ok:
            messages.success(
                request,
                _("Products imported: %(created)s new, %(updated)s updated.")
                % {"created": result.created, "updated": result.updated},
            )
            return redirect("book:products")
        return render(
            request,
            "book/products.html",
            {"products": products_for_list(), "errors": result.errors},
            status=400,
        )
    return render(request, "book/products.html", {"products": products_for_list(), "errors": []})


def _tracking_lines(text: str) -> dict[str, str]:
    """'order number, tracking number' per line (comma, tab or spaces between) -> {sn: number}."""
    numbers = {}
    for raw in text.splitlines():
        parts = raw.replace(",", " ").replace("\t", " ").split()
        if len(parts) == 2:
            numbers[parts[0].upper()] = parts[1]
    return numbers

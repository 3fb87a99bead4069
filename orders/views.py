"""The order page: filters and read scopes, the order download with its live progress, the
server-side selection and its helpers, 匯入[訂單編號], 匯出Excel, and the columns, helpers and
panels apps above orders register (orders.columns, orders.selection, orders.panels)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Shop
from accounts.selectors import shops_visible_to
from db.lookups import any_of
from orders import download, excel, selection
from orders.columns import column_cells
from orders.forms import DownloadForm, ImportOneForm, OrderFilterForm
from orders.models import Order, OrderExport
from orders.panels import back_to_list, page_panels
from orders.selectors import (
    download_for,
    downloads_for_page,
    exports_for_page,
    newest_order_pk,
    order_choices,
    order_for,
    order_table_rows,
    orders_for_list,
)
from shopee.errors import ShopeeError
from web.params import row_id

PAGE_SIZE = 100


def _filtered(request, data, shops=None):
    """The filter form bound to `data` and the orders it selects (none when it is invalid), and
    the newest order's pk as the form read them."""
    shops = list(shops_visible_to(request.user)) if shops is None else shops
    newest = newest_order_pk()
    statuses, carriers = order_choices(user=request.user, newest=newest)
    form = OrderFilterForm(data or None, shops=shops, statuses=statuses, carriers=carriers)
    # Invalid filters list nothing rather than everything: the form says what to fix.
    valid = not form.is_bound or form.is_valid()
    orders = (
        orders_for_list(user=request.user, filters=form.filters(), shops=shops)
        if valid
        else Order.objects.none()
    )
    return form, orders, newest


@require_GET
def order_list(request):
    user = request.user
    shops = list(shops_visible_to(user))
    form, orders, newest = _filtered(request, request.GET, shops)
    # Page over ids first (sorted from an index, narrow rows), then read just that page's rows.
    page = Paginator(orders.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    pks = list(page.object_list)
    selected_count, selected = selection.selection_on_page(user=user, order_pks=pks, shops=shops)
    rows = order_table_rows(order_pks=pks, selected=selected)
    columns = column_cells([row.pk for row in rows])
    for row in rows:
        row.cells = [(column.key, cells.get(row.pk)) for column, cells in columns]
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "extra_headers": [column.header for column, _cells in columns],
        # Per-row links from one reversal each: reversing 200 URLs is a tenth of the page's time.
        "order_toggle_url": reverse("orders:selection_toggle", args=[0])[:-2],
        "order_chat_url": reverse("inbox:order_conversation", args=[0])[:-2],
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "sort": form.filters().sort or "-created",
        "selected_count": selected_count,
        "download_form": DownloadForm(initial=_download_initial(request.GET), shops=shops, auto_id="dl_%s"),
        "import_form": ImportOneForm(shops=shops),
        "downloads": downloads_for_page(user=user, shops=shops),
        "exports": exports_for_page(user=user),
        "selection_helpers": selection.selection_helpers(),
        # What the table shows, for its 全選 to take rather than count again.
        "shown": selection.table_shown(
            user=user, filters=form.filters(), shops=shops, count=page.paginator.count, newest=newest
        )
        if not form.is_bound or form.is_valid()
        else "",
        "panels": page_panels(user=user, shops=shops),
    }
    return render(request, "orders/index.html", context)


def _download_initial(query) -> dict:
    return {
        name: query.get(name) for name in ("shop", "created_from", "created_to", "scope") if query.get(name)
    }


# -- the download ------------------------------------------------------------------------------


@require_POST
def download_start(request):
    form = DownloadForm(request.POST, shops=shops_visible_to(request.user))
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return back_to_list(request)
    shops = [shop for shop in form.chosen_shops() if shop.state in Shop.AUTHORIZED_STATES and shop.shop_id]
    if not shops:
        messages.error(request, _("No verified account to download from: verify the account first."))
        return back_to_list(request)
    data = form.cleaned_data
    download.download_start(
        user=request.user,
        shops=shops,
        created_from=data["created_from"],
        created_to=data["created_to"],
        scope=data["scope"],
        only_not_imported=data["only_not_imported"],
    )
    # The table then shows what was asked for: the same accounts, range and scope.
    query = {
        "created_from": data["created_from"].isoformat(),
        "created_to": data["created_to"].isoformat(),
        "scope": data["scope"],
    }
    if data.get("shop"):
        query["shop"] = data["shop"]
    if data["only_not_imported"]:
        query["only_not_imported"] = "on"
    return redirect(f"{reverse('orders:list')}?{urlencode(query)}")


@require_GET
def downloads_panel(request):
    """Polled by htmx while a download runs: the progress lines."""
    return render(request, "orders/_downloads.html", {"downloads": downloads_for_page(user=request.user)})


@require_POST
def download_cancel(request, pk: int):
    job = download_for(request.user, pk)
    download.download_cancel(job=job)
    if request.htmx:
        return downloads_panel(request)
    return back_to_list(request)


# -- selection ---------------------------------------------------------------------------------


@require_POST
def selection_change(request):
    """全選 / 全不選 / 選已匯入 and the registered helpers (選庫存足夠) over the whole filtered result."""
    action = request.POST.get("action", "")
    user = request.user
    shops = list(shops_visible_to(user))
    form, _orders, _newest = _filtered(request, QueryDict(request.POST.get("query", "")), shops)
    if form.is_bound and not form.is_valid() and action != "none":
        messages.error(request, _("The filter is not valid, so nothing was selected: correct it first."))
        return back_to_list(request)
    # Kept as the rule (the filter as of now), not the orders: 全選 of a million is one row.
    filters = form.filters()
    if action == "all":
        shown = request.POST.get("shown", "")
        count = selection.selection_select_all(user=user, filters=filters, shops=shops, shown=shown)
    elif action == "none":
        count = selection.selection_clear(user=user)
    elif action == "imported":
        count = selection.selection_select_imported(user=user, filters=filters, shops=shops)
    else:
        count = selection.selection_select_by(user=user, key=action, filters=filters, shops=shops)
    if count is None:
        return HttpResponse(status=400)
    messages.info(request, _("%(count)d orders selected.") % {"count": count})
    return back_to_list(request)


@require_POST
def selection_toggle(request, pk: int):
    order = order_for(request.user, pk)
    count = selection.selection_toggle(user=request.user, order=order, selected=request.POST.get("on") == "1")
    # The page sends its filtered count along (the table's hx-include): 匯出Excel's button says it
    # again once nothing is selected, without counting the filter anew on every tick.
    context = {"selected_count": count, "filtered_count": row_id(request.POST.get("filtered")), "oob": True}
    return render(request, "orders/_selection_changed.html", context)


# -- one order ---------------------------------------------------------------------------------


@require_POST
def import_one(request):
    """匯入[訂單編號]: fetch one order by number; it is then selected."""
    form = ImportOneForm(request.POST, shops=shops_visible_to(request.user))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return back_to_list(request)
    order_sn = form.cleaned_data["order_sn"]
    try:
        order = download.order_fetch_one(shops=form.chosen_shops(), order_sn=order_sn)
    except download.OrderNotFound:
        messages.error(
            request,
            _("Order %(order_sn)s was not found on Shopee in your verified accounts.")
            % {"order_sn": order_sn},
        )
        return back_to_list(request)
    except ShopeeError as exc:
        messages.error(
            request,
            _("Shopee did not answer for %(order_sn)s: %(error)s") % {"order_sn": order_sn, "error": exc},
        )
        return back_to_list(request)
    selection.selection_toggle(user=request.user, order=order, selected=True)
    messages.success(
        request,
        _("Order %(order_sn)s fetched from %(shop)s and selected.")
        % {"order_sn": order_sn, "shop": order.shop},
    )
    return redirect(f"{reverse('orders:list')}?q={order.order_sn}")


# -- Excel -------------------------------------------------------------------------------------


@require_POST
def export(request):
    """匯出Excel: the selection, or the filtered orders when nothing is selected."""
    form, filtered, _newest = _filtered(request, QueryDict(request.POST.get("query", "")))
    newest_first = ("-created_on_shopee", "-id")
    taken = selection.selection_take(user=request.user, order_by=newest_first)
    orders = Order.objects.filter(any_of("pk", taken)).order_by(*newest_first) if taken else filtered
    filters = form.filters() if form.is_bound and form.is_valid() else None
    shop_pks = set(orders.order_by().values_list("shop_id", flat=True).distinct()[:4])
    accounts = [s.account or s.name for s in shops_visible_to(request.user) if s.pk in shop_pks]
    pks = taken or list(orders.values_list("pk", flat=True))
    filename = excel.export_filename(
        accounts=accounts,
        created_from=filters.created_from if filters else None,
        created_to=filters.created_to if filters else None,
        selected=len(pks) if taken else None,
    )
    if len(pks) > excel.INLINE_MAX:
        excel.export_start(user=request.user, order_pks=pks, filename=filename)
        messages.info(request, _("The export of %(count)d orders is being written.") % {"count": len(pks)})
        return back_to_list(request)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    excel.orders_excel_write(orders=orders, out=response)
    return response


@require_GET
def exports_panel(request):
    return render(request, "orders/_exports.html", {"exports": exports_for_page(user=request.user)})


@require_GET
def export_file(request, pk: int):
    export_job = get_object_or_404(OrderExport, pk=pk, user=request.user, state=OrderExport.State.DONE)
    path = excel.export_path(export_job)
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=export_job.filename)

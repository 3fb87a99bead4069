from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.selectors import shops_visible_to
from orders.forms import OrderFilterForm
from orders.models import Order
from orders.selectors import order_choices, orders_for_list

PAGE_SIZE = 100


@require_GET
def order_list(request):
    statuses, carriers = order_choices(user=request.user)
    form = OrderFilterForm(
        request.GET or None, shops=shops_visible_to(request.user), statuses=statuses, carriers=carriers
    )
    # Invalid filters list nothing rather than everything: the form says what to fix.
    valid = not form.is_bound or form.is_valid()
    orders = orders_for_list(user=request.user, filters=form.filters()) if valid else Order.objects.none()
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "orders/index.html", {"form": form, "page": page, "query": query.urlencode()})

"""The order table's selection: which orders a staff member has ticked, kept on the server.

One row per user, so the selection survives paging and reloads and is the same in every tab. The
helpers (全選, 全不選, 選已匯入, and those apps above register, e.g. the order book's 選庫存足夠)
work over the whole filtered result, not the visible page. A 全選 is kept as its rule, not its
orders: the filter, the helper, and the newest order at the click (`OrderSelection`), so it costs
the same for ten orders or a million. Ticking or unticking one order after it adds one row
(`OrderSelectionTick`) on top of the rule.

What the selection holds, read whenever it is used:
- the orders the table showed at the click: one arriving later never joins (only orders up to the
  newest one then), nor do a shop's given to the user since;
- an order whose status has since taken it out of the filter (shipped, cancelled) leaves it, one
  that has come into the filter joins it: a 待出貨 selection never acts on an order shipped since;
- only orders the user may still see come back, so a shop taken away drops out of it.
The count shown is the one the table showed at the click (the page's 全選 posts it back, signed,
`table_shown`, so 全選 never counts a million orders again), plus and minus the ticks; a shop
taken away is counted out once. A status change since shows in it at the next 全選; actions
(which read the selection itself) say how many orders they took.

Actions on a selection (import, shipping notices, Excel) read it with `selected_orders(user=)`.

An app above orders adds a helper from its AppConfig.ready:

    register_helper(key="stock", label=_("Select stock enough"), select=stock_enough_pks)

`select(orders)` gets the filtered orders and returns the ones to select: pks (kept as ticks), or
a queryset that filters `orders` by each order's own data, kept as a rule like 全選 (it is
applied again to any part of the orders, e.g. one page).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.core import signing
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Subquery

from accounts.selectors import shops_visible_to
from db.lookups import any_of
from orders.imported import imported_q
from orders.models import Order, OrderSelection, OrderSelectionTick
from orders.selectors import OrderFilter, newest_order_pk, orders_for_list

IMPORTED = "imported"  # 選已匯入's rule


@dataclass(frozen=True, slots=True)
class Helper:
    key: str
    label: str  # usually a lazy translation
    select: Callable[[QuerySet[Order]], QuerySet[Order] | Iterable[int]]


_helpers: dict[str, Helper] = {}


def register_helper(
    *, key: str, label, select: Callable[[QuerySet[Order]], QuerySet[Order] | Iterable[int]]
) -> None:
    """Add (or replace: ready() may run twice in tests) a selection helper."""
    _helpers[key] = Helper(key=key, label=label, select=select)


def selection_helpers() -> list[Helper]:
    return list(_helpers.values())


# -- reading ------------------------------------------------------------------------------------


def _stored_filters(filters: OrderFilter) -> dict:
    values = dataclasses.asdict(dataclasses.replace(filters, sort=""))
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _filters_of(stored: dict) -> OrderFilter:
    values = dict(stored)
    for name in ("created_from", "created_to"):
        values[name] = date.fromisoformat(values[name]) if values.get(name) else None
    return OrderFilter(**values)


def _rule_orders(row: OrderSelection | None, *, user, shops, among=None) -> QuerySet[Order] | None:
    """The orders the row's rule chooses now (of those up to its newest order), `among` these pks
    when given; None when there is no rule."""
    if row is None or row.filters is None:
        return None
    orders = orders_for_list(user=user, filters=_filters_of(row.filters), shops=shops).order_by()
    orders = orders.filter(pk__lte=row.newest_order or 0, shop_id__in=row.shops)
    if among is not None:
        orders = orders.filter(pk__in=among)
    if row.helper == IMPORTED:
        return orders.filter(imported_q())
    if row.helper:
        helper = _helpers.get(row.helper)
        return helper.select(orders).order_by() if helper else orders.none()
    return orders


def _row(user, *, counted_in=None) -> OrderSelection | None:
    """The user's row; with `counted_in` (shop pks) it carries how many orders are ticked and
    unticked in those shops (`added`, `dropped`), in the same query."""
    rows = OrderSelection.objects.filter(user=user)
    if counted_in is not None:
        ticks = OrderSelectionTick.objects.filter(user=user, order__shop__in=counted_in)
        rows = rows.annotate(
            added=_count_of(ticks.filter(selected=True)), dropped=_count_of(ticks.filter(selected=False))
        )
    return rows.first()


def _count_of(ticks: QuerySet) -> Subquery:
    return Subquery(ticks.order_by().values("user").annotate(n=Count("pk")).values("n")[:1])


def _chosen_q(row: OrderSelection | None, *, user, shops, among=None) -> Q:
    """The selected orders as a condition on Order: the rule's, less those unticked, and those ticked."""
    ticks = OrderSelectionTick.objects.filter(user=user)
    if among is not None:
        ticks = ticks.filter(order_id__in=among)
    chosen = Q(pk__in=ticks.filter(selected=True).values("order_id"))
    rule = _rule_orders(row, user=user, shops=shops, among=among)
    if rule is not None:
        chosen |= Q(pk__in=rule.values("pk")) & ~Q(pk__in=ticks.filter(selected=False).values("order_id"))
    return chosen


def selected_orders(*, user) -> QuerySet[Order]:
    """The selected orders, only of shops the user may still see. Actions read this when they start."""
    return _selected(_row(user), user=user)


def _selected(row: OrderSelection | None, *, user) -> QuerySet[Order]:
    shops = list(shops_visible_to(user))
    return Order.objects.filter(_chosen_q(row, user=user, shops=shops), shop__in=[shop.pk for shop in shops])


def selected_pks(*, user) -> list[int]:
    """The selected pks, sorted (all of them: for small selections and tests)."""
    return sorted(selected_orders(user=user).values_list("pk", flat=True))


def _count(row: OrderSelection | None, *, user, shops) -> int:
    """The rule's count at the click, plus and minus the ticks. A shop taken away since has its
    orders counted out once (the rule is counted again in the shops left, and kept)."""
    if row is None:
        return 0
    visible = {shop.pk for shop in shops}
    if row.filters is not None and not visible.issuperset(row.shops):
        row.shops = [pk for pk in row.shops if pk in visible]
        row.count = _rule_orders(row, user=user, shops=shops).count()
        row.save(update_fields=["shops", "count", "updated_at"])
    ruled = row.count if row.filters is not None else 0
    return max(0, ruled + (row.added or 0) - (row.dropped or 0))


def selection_on_page(*, user, order_pks: list[int], shops=None) -> tuple[int, set[int]]:
    """How many orders are selected, and which of `order_pks` (one page) are: two queries, the
    rule asked about these pks only, so a page costs the same with 100 or 1,000,000 selected."""
    shops = list(shops_visible_to(user)) if shops is None else shops
    shop_pks = [shop.pk for shop in shops]
    row = _row(user, counted_in=shop_pks)
    count = _count(row, user=user, shops=shops)
    if not order_pks:
        return count, set()
    chosen = _chosen_q(row, user=user, shops=shops, among=order_pks)
    page = Order.objects.filter(chosen, pk__in=order_pks, shop__in=shop_pks)
    return count, set(page.values_list("pk", flat=True))


# -- changing -----------------------------------------------------------------------------------


def selection_replace(*, user, order_pks) -> int:
    """Select exactly these orders (ticked one by one); returns how many are selected."""
    pks = Order.objects.filter(any_of("pk", {int(pk) for pk in order_pks})).values_list("pk", flat=True)
    return _tick_only(user=user, pks=sorted(pks))


def _tick_only(*, user, pks: list[int]) -> int:
    """The selection becomes exactly `pks` (orders that exist), ticked one by one."""
    with transaction.atomic():
        OrderSelection.objects.update_or_create(
            user=user, defaults={"filters": None, "helper": "", "newest_order": None, "shops": [], "count": 0}
        )
        OrderSelectionTick.objects.filter(user=user).delete()
        OrderSelectionTick.objects.bulk_create(
            (OrderSelectionTick(user=user, order_id=pk, selected=True) for pk in pks), batch_size=5000
        )
    return len(pks)


SHOWN_SECONDS = 600
_SHOWN_SALT = "orders.selection.shown"


def _shown_digest(user, filters: OrderFilter, shops) -> str:
    shown = json.dumps([user.pk, _stored_filters(filters), sorted(shop.pk for shop in shops)], sort_keys=True)
    return hashlib.sha256(shown.encode()).hexdigest()


def table_shown(*, user, filters: OrderFilter, shops, count: int, newest: int) -> str:
    """What the table showed: `count` orders for this filter, `newest` the newest order then. The
    page's 全選 posts it back (signed), so 全選 selects those orders and takes that count rather
    than counting a million orders again."""
    return signing.dumps([_shown_digest(user, filters, shops), count, newest], salt=_SHOWN_SALT)


def _shown(token: str, *, user, filters: OrderFilter, shops) -> tuple[int, int] | None:
    """The count and newest order of `table_shown`, if the token is this user's for this filter
    and shops and at most ten minutes old."""
    try:
        digest, count, newest = signing.loads(token, salt=_SHOWN_SALT, max_age=SHOWN_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (count, newest) if digest == _shown_digest(user, filters, shops) else None


def _select_rule(*, user, filters: OrderFilter, helper: str = "", shops=None, shown: str = "") -> int:
    """Keep the rule (the filter and helper, the newest order and the shops as of now, or as the
    table showed them) in place of the selection; returns its count."""
    shops = list(shops_visible_to(user)) if shops is None else shops
    known = None if helper or not shown else _shown(shown, user=user, filters=filters, shops=shops)
    count, newest = known or (None, newest_order_pk())
    rule = {
        "filters": _stored_filters(filters),
        "helper": helper,
        "newest_order": newest,
        "shops": [shop.pk for shop in shops],
    }
    if count is None:
        count = _rule_orders(OrderSelection(user=user, **rule), user=user, shops=shops).count()
    with transaction.atomic():
        OrderSelection.objects.update_or_create(user=user, defaults={**rule, "count": count})
        OrderSelectionTick.objects.filter(user=user).delete()
    return count


def selection_select_all(*, user, filters: OrderFilter, shops=None, shown: str = "") -> int:
    """全選: every order of the filtered result (all pages): those the page showed (`shown`, from
    `table_shown`), or there are now."""
    return _select_rule(user=user, filters=filters, shops=shops, shown=shown)


def selection_take(*, user, order_by: tuple[str, ...] = ("pk",)) -> list[int]:
    """The pks of the selected orders an action takes (import, 轉出貨, 產生寄件單, a notice's
    preview, 匯出Excel), in `order_by`'s order. They are held for the next action: a selection kept
    as its rule becomes exactly them, so the next action takes the same orders even after this one
    moved them out of the filter (轉出貨 takes them out of 待出貨(未處理), 匯入 out of 未匯入). Ticks
    alone are the same already."""
    row = _row(user)
    pks = list(_selected(row, user=user).order_by(*order_by).values_list("pk", flat=True))
    if pks and row.filters is not None:  # read just now: every pk is an order
        _tick_only(user=user, pks=sorted(pks))
    return pks


def selection_clear(*, user) -> int:
    """全不選."""
    return selection_replace(user=user, order_pks=[])


def selection_select_imported(*, user, filters: OrderFilter, shops=None) -> int:
    """選已匯入: the filtered orders already in the order book."""
    return _select_rule(user=user, filters=filters, helper=IMPORTED, shops=shops)


def selection_select_by(*, user, key: str, filters: OrderFilter, shops=None) -> int | None:
    """A registered helper's choice among the filtered orders; None when no helper has `key`."""
    helper = _helpers.get(key)
    if helper is None:
        return None
    shops = list(shops_visible_to(user)) if shops is None else shops
    chosen = helper.select(orders_for_list(user=user, filters=filters, shops=shops))
    if isinstance(chosen, QuerySet):
        return _select_rule(user=user, filters=filters, helper=key, shops=shops)
    return selection_replace(user=user, order_pks=chosen)


def selection_toggle(*, user, order: Order, selected: bool) -> int:
    """Tick or untick one order (the caller has checked the user may see it); returns the count."""
    shops = list(shops_visible_to(user))
    with transaction.atomic():
        # Serialises one user's ticks (two tabs): each reads the rule and writes its tick in turn.
        row, _new = OrderSelection.objects.select_for_update().get_or_create(user=user)
        rule = _rule_orders(row, user=user, shops=shops, among=[order.pk])
        in_rule = rule is not None and rule.exists()
        ticks = OrderSelectionTick.objects.filter(user=user, order=order)
        if selected == in_rule:  # the rule says it already
            ticks.delete()
        else:
            ticks.update_or_create(user=user, order=order, defaults={"selected": selected})
        row.save(update_fields=["updated_at"])
    return _count(_row(user, counted_in=[shop.pk for shop in shops]), user=user, shops=shops)

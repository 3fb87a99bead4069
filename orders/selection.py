"""The order table's selection: which orders a staff member has ticked, kept on the server.

One row per user holding order pks, so the selection survives paging and reloads and is the same
in every tab. The helpers (全選, 全不選, 選已匯入, and those apps above register, e.g. the order book's
選庫存足夠) work over the whole filtered result, not the visible page. Actions on a selection
(import, shipping notices, Excel) read it with `selected_orders(user=)`: only orders the user may
still see come back, so a shop taken away from someone drops out of their selection.

An app above orders adds a helper from its AppConfig.ready:

    register_helper(key="stock", label=_("Select stock enough"), select=stock_enough_pks)

`select(orders)` gets the filtered orders and returns the ones to select: a queryset (selected in
one statement on PostgreSQL) or pks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from accounts.selectors import shops_visible_to
from orders.imported import imported_q
from orders.models import Order, OrderSelection


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


def selected_pks(*, user) -> list[int]:
    """The selected pks as stored (cheap: one row). Use `selected_orders` to act on them."""
    return list(OrderSelection.objects.filter(user=user).values_list("order_pks", flat=True).first() or [])


def selected_orders(*, user) -> QuerySet[Order]:
    if connection.vendor == "postgresql":
        # The database reads the selection itself: 100,000 pks never go to Python and back.
        chosen = RawSQL(  # noqa: S611 - constant SQL, the user's pk bound
            f"SELECT (jsonb_array_elements_text(order_pks))::bigint FROM {OrderSelection._meta.db_table}"  # noqa: S608 - a table name
            " WHERE user_id = %s",
            (user.pk,),
        )
    else:
        chosen = selected_pks(user=user)
    return Order.objects.filter(pk__in=chosen, shop__in=shops_visible_to(user))


def selection_replace(*, user, order_pks) -> int:
    """Select exactly these orders; returns how many are selected. Kept sorted."""
    pks = sorted(set(int(pk) for pk in order_pks))
    OrderSelection.objects.update_or_create(user=user, defaults={"order_pks": pks})
    return len(pks)


def selection_select_all(*, user, orders: QuerySet[Order]) -> int:
    """全選: exactly `orders`, every order of the filtered result (all pages). On PostgreSQL in
    one statement: 100,000 pks never travel to Python and back. Sorted, as every selection is
    (`selection_on_page` searches it)."""
    pks = orders.order_by().values_list("pk", flat=True)
    if connection.vendor != "postgresql" or pks.query.is_empty():  # none(): no SQL to select from
        return selection_replace(user=user, order_pks=pks)
    sql, params = pks.query.sql_with_params()
    statement = (
        f"INSERT INTO {OrderSelection._meta.db_table} (user_id, order_pks, updated_at)"  # noqa: S608 - the ORM's SQL, values bound
        f" SELECT %s, COALESCE(jsonb_agg(pk ORDER BY pk), '[]'::jsonb), now() FROM ({sql}) AS chosen(pk)"
        " ON CONFLICT (user_id) DO UPDATE"
        " SET order_pks = EXCLUDED.order_pks, updated_at = EXCLUDED.updated_at"
        " RETURNING jsonb_array_length(order_pks)"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [user.pk, *params])
        return cursor.fetchone()[0]


def selection_clear(*, user) -> int:
    """全不選."""
    return selection_replace(user=user, order_pks=[])


def selection_select_imported(*, user, orders: QuerySet[Order]) -> int:
    """選已匯入: the filtered orders already in the order book."""
    return selection_select_all(user=user, orders=orders.filter(imported_q()))


def selection_select_by(*, user, key: str, orders: QuerySet[Order]) -> int | None:
    """A registered helper's choice among the filtered orders; None when no helper has `key`."""
    helper = _helpers.get(key)
    if helper is None:
        return None
    chosen = helper.select(orders)
    if isinstance(chosen, QuerySet):
        return selection_select_all(user=user, orders=chosen)
    return selection_replace(user=user, order_pks=chosen)


def selection_toggle(*, user, order: Order, selected: bool) -> int:
    """Tick or untick one order (the caller has checked the user may see it)."""
    with transaction.atomic():
        selection, _new = OrderSelection.objects.select_for_update().get_or_create(user=user)
        pks = set(selection.order_pks)
        (pks.add if selected else pks.discard)(order.pk)
        selection.order_pks = sorted(pks)
        selection.save(update_fields=["order_pks", "updated_at"])
    return len(pks)


# Which of a page's pks are in the user's (sorted) selection: a binary search for each, on the
# selection read once into memory (`|| '[]'`), so a page costs the same with 100 or 100,000
# selected. `->>` reaches an array element by position without walking the array.
_ON_PAGE_SQL = """
WITH RECURSIVE sel AS MATERIALIZED (
    SELECT order_pks || '[]'::jsonb AS pks, jsonb_array_length(order_pks) AS n
    FROM orders_orderselection WHERE user_id = %s
), probe(pk, lo, hi) AS (
    SELECT pk, 0, sel.n FROM sel, unnest(%s::bigint[]) AS pk
    UNION ALL
    SELECT pk,
        CASE WHEN (sel.pks ->> ((lo + hi) / 2))::bigint < pk THEN (lo + hi) / 2 + 1 ELSE lo END,
        CASE WHEN (sel.pks ->> ((lo + hi) / 2))::bigint < pk THEN hi ELSE (lo + hi) / 2 END
    FROM probe, sel WHERE lo < hi
)
SELECT n, ARRAY(
    SELECT pk FROM probe WHERE lo = hi AND lo < sel.n AND (sel.pks ->> lo)::bigint = pk
) FROM sel
"""


def selection_on_page(*, user, order_pks: list[int]) -> tuple[int, set[int]]:
    """How many orders are selected, and which of `order_pks` (one page) are. On PostgreSQL the
    database answers, so a page never loads a selection of 100,000 ids to tick 100 boxes."""
    if connection.vendor != "postgresql":
        selected = selected_pks(user=user)
        return len(selected), set(selected) & set(order_pks)
    with connection.cursor() as cursor:
        cursor.execute(_ON_PAGE_SQL, [user.pk, list(order_pks)])
        row = cursor.fetchone()
    return (row[0], set(row[1])) if row else (0, set())

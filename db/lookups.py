"""`filter(any_of("order_id", pks))`: `order_id__in=pks`, with the values as one array parameter on
PostgreSQL (`= ANY(%s)`).

Django writes `IN (%s, %s, …)`, one parameter per value, each prepared by Django and quoted by
psycopg in Python: 2,000 order pks cost about 12 ms of CPU per statement (1.4 ms as an array),
and a 匯出Excel chunk of 2,000 orders runs five of them for its extra columns. Elsewhere (SQLite,
the embedded setup) it is the plain IN.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F
from django.db.models.lookups import In


class AnyOf(In):
    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():  # a subquery: IN (SELECT …) as Django writes it
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(value, connection) for value in self.rhs if value is not None]
        # The type without its length: varchar(100)[] would cut a longer value short and match.
        array_type = field.cast_db_type(connection).split("(")[0]
        return f"{lhs} = ANY(%s::{array_type}[])", (*lhs_params, values)


def any_of(field: str, values: Iterable[Any]) -> AnyOf:
    """The rows whose `field` is one of `values` (a filter() argument, as `<field>__in=values`)."""
    return AnyOf(F(field), list(values))

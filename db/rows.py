"""Many rows, each with values of its own, written by one statement on PostgreSQL.

Django's bulk_update builds a CASE per field with a WHEN per row and resolves every one of them:
ten conversations cost it about 60 ms of Python. Here the values travel as one array per column
(UPDATE … FROM unnest, as outbox.services inserts a batch), so a batch costs about what one row
does. Elsewhere (SQLite, the embedded setup) it is one UPDATE per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connections
from django.db.models import QuerySet


def rows_update(queryset: QuerySet, rows: Mapping[Any, Mapping[str, Any]], **same: Any) -> int:
    """Write `rows` (pk → field → value, the same fields for every row) and `same` (field → value)
    to those of the rows that `queryset` (simple filters on the model's own columns) still
    matches; returns how many it wrote. The filters are checked again against a row another
    transaction changed meanwhile, as by any UPDATE."""
    if not rows:
        return 0
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return sum(queryset.filter(pk=pk).update(**values, **same) for pk, values in rows.items())
    meta = queryset.model._meta
    quote = connection.ops.quote_name
    names = list(next(iter(rows.values())))
    fields = [meta.pk] + [meta.get_field(name) for name in names]
    query = queryset.filter(pk__in=list(rows)).query
    where, where_params = query.get_compiler(connection=connection).compile(query.where)
    assignments = [f"{quote(f.column)} = u.{quote(f.column)}" for f in fields[1:]]
    params: list[Any] = []
    for name, value in same.items():
        field = meta.get_field(name)
        assignments.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    params.append([meta.pk.get_db_prep_save(pk, connection) for pk in rows])
    for name, field in zip(names, fields[1:], strict=True):
        params.append([field.get_db_prep_save(values[name], connection) for values in rows.values()])
    table = quote(meta.db_table)
    sql = (
        f"UPDATE {table} SET {', '.join(assignments)} "  # noqa: S608 - names from the model, values bound
        f"FROM unnest({arrays}) AS u({', '.join(quote(f.column) for f in fields)}) "
        f"WHERE {table}.{quote(meta.pk.column)} = u.{quote(meta.pk.column)} AND {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *where_params])
        return cursor.rowcount

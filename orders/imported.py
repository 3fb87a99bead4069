"""Which orders count as imported, for 只顯示未匯入 (the table's filter and the download's "only
orders not yet imported") and 選已匯入. The order book above says it, from its AppConfig.ready:

    register_imported(relation="book_entry")

naming the reverse one-to-one relation that exists for an imported order. Without it no order is
imported.
"""

from __future__ import annotations

from django.db.models import Q

_relation: str | None = None


def register_imported(*, relation: str) -> None:
    global _relation
    _relation = relation


def imported_q(imported: bool = True) -> Q:
    """The orders imported (or, with False, not imported)."""
    if _relation is None:
        return Q(pk__in=[]) if imported else Q()
    return Q(**{f"{_relation}__isnull": not imported})

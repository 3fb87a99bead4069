"""Extra columns of the 帳號 page, filled by apps above accounts.

accounts may not import the apps that know more about a shop (chat's response rate), so they
register a column here from their AppConfig.ready:

    register_column(key="response-rate", header=_("Chat response rate"), template="chat/_rate_cell.html",
                    cells=rate_cells)

`cells(shop_pks)` returns {shop pk: anything the template shows as `cell`} in a constant number
of queries; a shop without an entry gets an empty cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str  # usually a lazy translation
    template: str
    cells: Callable[[list[int]], dict[int, Any]]


_columns: dict[str, Column] = {}


def register_column(
    *, key: str, header: str, template: str, cells: Callable[[list[int]], dict[int, Any]]
) -> None:
    _columns[key] = Column(key=key, header=header, template=template, cells=cells)


def columns() -> list[Column]:
    return list(_columns.values())


def shop_cells(shops: list) -> None:
    """Each shop gets `extra_cells`: (column, cell) for every registered column, in order."""
    filled = [(column, column.cells([shop.pk for shop in shops])) for column in columns()]
    for shop in shops:
        shop.extra_cells = [(column, cells.get(shop.pk)) for column, cells in filled]

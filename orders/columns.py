"""Extra columns of the order table and its Excel export, filled by apps above orders.

orders may not import the apps that know more about an order (notifications, the outbox), so they
register a column here instead, from their AppConfig.ready:

    register_column(key="notice", header=_("Notice"), cells=notice_cells)

`cells(order_pks)` gets one page's (or one Excel chunk's) order pks and returns {order pk: Cell}
for the orders that have something to show, in a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    detail: str = ""  # shown under the text (a time, a reason)
    tone: str = ""  # badge colour: ok, warn, bad, muted; "" for plain text

    def __getitem__(self, name: str):
        # Templates look `cell.x` up as cell["x"] first (see orders.selectors.OrderRow).
        return getattr(self, name)

    def plain(self) -> str:
        """The cell as one line of text (Excel)."""
        return f"{self.text} {self.detail}".strip()


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str  # usually a lazy translation
    cells: Callable[[list[int]], dict[int, Cell]]


_columns: dict[str, Column] = {}


def register_column(*, key: str, header, cells: Callable[[list[int]], dict[int, Cell]]) -> None:
    """Add (or replace: ready() may run twice in tests) an extra column."""
    _columns[key] = Column(key=key, header=header, cells=cells)


def extra_columns() -> list[Column]:
    return list(_columns.values())


def column_cells(order_pks: list[int]) -> list[tuple[Column, dict[int, Cell]]]:
    """Each registered column with its cells for these orders."""
    return [(column, column.cells(order_pks) if order_pks else {}) for column in _columns.values()]

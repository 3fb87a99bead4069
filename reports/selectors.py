"""The reports' figures (報表), read from the daily roll-ups (DailyFigures) only: a range of 90 days
over 20 shops is a few thousand small rows, whatever the number of messages behind them."""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.contrib.auth import get_user_model

from accounts.people import display_name
from reports.models import COUNTS, DailyFigures, numbers_unpack

GRAINS = ("day", "week", "month")


@dataclass
class Figures:
    """The figures of one period, shop or person: sums, and first-response percentiles."""

    label: str
    chats: int = 0
    in_time: int = 0
    missed: int = 0
    waiting: int = 0
    replies: int = 0
    batch_notices: int = 0
    auto_notices: int = 0
    seconds: array = field(default_factory=lambda: array("I"))
    timed: bool = True  # whether first-response times are kept (a chart's point needs none)

    def add(self, row: dict) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + row[name])
        if self.timed:
            self.seconds.extend(numbers_unpack(row["response_seconds"]))

    @cached_property
    def _ordered(self) -> list[int]:
        return sorted(self.seconds)

    @property
    def in_time_percent(self) -> int | None:
        decided = self.in_time + self.missed
        return round(100 * self.in_time / decided) if decided else None

    def percentile(self, share: float) -> int | None:
        """Nearest rank: a time one of the chats really took (the median of 4 is the 2nd)."""
        ordered = self._ordered
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else None

    @property
    def median_seconds(self) -> int | None:
        return self.percentile(0.5)

    @property
    def p90_seconds(self) -> int | None:
        return self.percentile(0.9)


@dataclass
class Report:
    start: date
    end: date
    grain: str
    periods: list[Figures]  # in time order
    shops: list[tuple[object, Figures]]  # (shop, its figures over the range)
    people: list[tuple[object, Figures]]  # (person, their figures)
    shop_series: list[tuple[object, list[int | None]]]  # each shop's share in time per period
    by_hour: list[int]
    total: Figures


def period_of(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def period_label(start: date, grain: str) -> str:
    if grain == "month":
        return start.strftime("%Y/%m")
    if grain == "week":
        return f"{start:%m/%d}–{start + timedelta(days=6):%m/%d}"
    return start.strftime("%m/%d")


def chat_report(
    *, shops: list, start: date, end: date, grain: str = "day", person_pk: int | None = None
) -> Report:
    """Figures of `shops` (already limited to what the reader may see) from `start` to `end`
    (Taipei days, both included), by `grain`; with `person_pk`, that person's work only."""
    rows = DailyFigures.objects.filter(
        day__gte=start, day__lte=end, shop__in=[shop.pk for shop in shops]
    ).values("day", "shop_id", "person_id", *COUNTS, "response_seconds", "by_hour")
    periods: dict[date, Figures] = {}
    day = period_of(start, grain)
    while day <= end:
        periods[day] = Figures(label=period_label(day, grain))
        day = period_of(day + timedelta(days=32 if grain == "month" else 7 if grain == "week" else 1), grain)
    per_shop: dict[int, Figures] = {shop.pk: Figures(label=str(shop)) for shop in shops}
    per_shop_period: dict[tuple[int, date], Figures] = defaultdict(lambda: Figures(label="", timed=False))
    per_person: dict[int, Figures] = defaultdict(lambda: Figures(label=""))
    by_hour = [0] * 24
    total = Figures(label="")
    for row in rows:
        if row["person_id"] is not None:
            per_person[row["person_id"]].add(row)
            if person_pk is None or row["person_id"] != person_pk:
                continue
        elif person_pk is not None:
            continue
        period = period_of(row["day"], grain)
        periods[period].add(row)
        per_shop[row["shop_id"]].add(row)
        per_shop_period[(row["shop_id"], period)].add(row)
        total.add(row)
        by_hour = [a + b for a, b in zip(by_hour, numbers_unpack(row["by_hour"]) or [0] * 24, strict=True)]
    people = {user.pk: user for user in get_user_model().objects.filter(pk__in=list(per_person))}
    return Report(
        start=start,
        end=end,
        grain=grain,
        periods=list(periods.values()),
        shops=[(shop, per_shop[shop.pk]) for shop in shops],
        people=sorted(
            ((people[pk], figures) for pk, figures in per_person.items() if pk in people),
            key=lambda pair: display_name(pair[0]),
        ),
        shop_series=[
            (shop, [per_shop_period[(shop.pk, period)].in_time_percent for period in periods])
            for shop in shops
        ],
        by_hour=by_hour,
        total=total,
    )

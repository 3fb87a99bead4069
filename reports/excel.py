"""匯出Excel of a report: the same figures as the page, one sheet per table."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts.people import display_name
from reports.selectors import Figures, Report


def headers() -> list[str]:
    return [
        _("Buyer chats"),
        _("Replies"),
        _("First response, median (min)"),
        _("First response, 90th percentile (min)"),
        _("Answered within 12 hours (%)"),
        _("Missed windows"),
        _("Batch notices sent"),
        _("Automatic notices sent"),
    ]


def cells(figures: Figures) -> list:
    return [
        figures.chats,
        figures.replies,
        minutes(figures.median_seconds),
        minutes(figures.p90_seconds),
        figures.in_time_percent,
        figures.missed,
        figures.batch_notices,
        figures.auto_notices,
    ]


def minutes(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def report_workbook(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("By period")
    sheet.append([_("Period"), *headers()])
    for figures in report.periods:
        sheet.append([figures.label, *cells(figures)])
    sheet.append([_("Total"), *cells(report.total)])
    shops = book.create_sheet(_("By shop"))
    shops.append([_("Shop"), *headers()])
    for shop, figures in report.shops:
        shops.append([str(shop), *cells(figures)])
    people = book.create_sheet(_("By person"))
    people.append([_("Person"), *headers()])
    for person, figures in report.people:
        people.append([display_name(person), *cells(figures)])
    hours = book.create_sheet(_("Chats per hour"))
    hours.append([_("Hour of day"), _("Buyer chats")])
    for hour, count in enumerate(report.by_hour):
        hours.append([f"{hour:02d}:00", count])
    out = BytesIO()
    book.save(out)
    return out.getvalue()

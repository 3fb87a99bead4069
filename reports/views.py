"""報表 (F13): chat work per shop and per person over a chosen range, its charts and 匯出Excel.
A salesperson sees only their shops (accounts.selectors.shops_visible_to)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.people import display_name
from accounts.selectors import shops_visible_to
from chat.response_rate import BAR
from chat.selectors import shop_rates
from reports import charts
from reports.excel import report_workbook
from reports.forms import ReportForm
from reports.selectors import chat_report


def _report(request):
    shops = list(shops_visible_to(request.user))
    people = list(get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username"))
    form = ReportForm(request.GET or {}, shops=shops, people=people)
    if not form.is_valid():
        return form, shops, None
    data = form.cleaned_data
    chosen = [shop for shop in shops if data["shop"] in (None, shop.pk)]
    report = chat_report(
        shops=chosen, start=data["start"], end=data["end"], grain=data["grain"], person_pk=data["person"]
    )
    return form, chosen, report


@require_GET
def report_page(request):
    form, shops, report = _report(request)
    context = {"form": form, "bar": BAR, "report": report}
    if report is not None:
        rates = shop_rates([shop.pk for shop in shops])
        context |= {
            "rates": [(shop, rates[shop.pk]) for shop in shops],
            "rate_chart": charts.rate_lines(
                labels=[p.label for p in report.periods],
                series=[(str(shop), values) for shop, values in report.shop_series],
                title=_("Share answered within 12 hours per shop"),
                bar_words=_("80% (優選賣家)"),
            ),
            "legend": charts.legend([str(shop) for shop, _values in report.shop_series]),
            "people_chart": charts.bars(
                items=[
                    (display_name(person), (figures.median_seconds or 0) / 60)
                    for person, figures in report.people
                ],
                title=_("First response per person, median (minutes)"),
                unit=_("min"),
            ),
            "hours_chart": charts.bars(
                items=[(f"{hour:02d}", count) for hour, count in enumerate(report.by_hour)],
                title=_("Buyer chats per hour of day"),
                unit=_("chats"),
            ),
            "export_query": request.GET.urlencode(),
        }
    return render(request, "reports/report.html", context)


@require_GET
def report_export(request):
    """匯出Excel: the page's figures as an .xlsx (a few thousand roll-up rows at most: in the request)."""
    form, _shops, report = _report(request)
    if report is None:
        return render(request, "reports/report.html", {"form": form, "bar": BAR, "report": None}, status=400)
    response = HttpResponse(
        report_workbook(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"chat-report-{report.start:%Y%m%d}-{report.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

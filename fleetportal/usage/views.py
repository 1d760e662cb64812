"""The usage pages (F-56): the company's usage for managers with the fleet or billing right
(totals, per billing account, tag and line, charts, exports) and one line's usage with its
bundles. Members see their own on their home page (`navigation`); anyone else of the customer
who opens /usage/ is sent there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from fleetportal.core.actor import Actor
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.phones import display
from fleetportal.fleet.selectors import sees_whole_fleet

from . import charts, exports, reports, selectors
from .forms import SORTS, UsageFilterForm, period_label
from .models import UsageCounter

PAGE_SIZE = 50


def _choices(period: dt.date) -> list[tuple[dt.date, str]]:
    """The period picker's periods, and the one shown if it is older than those."""
    periods = reports.period_choices()
    return [(p, period_label(p)) for p in (periods if period in periods else [*periods, period])]


def _company_only(actor: Actor) -> None:
    if not selectors.sees_company_usage(actor):
        raise PermissionDenied


def _shown(actor: Actor, form: UsageFilterForm) -> tuple[Any, Any, Any, Any]:
    """The counters and records of the lines the page shows (the whole customer, or one billing
    account or tag of it), and that account and tag."""
    customer = actor.tenant
    counters = selectors.usage_counters_for(actor).filter(customer=customer)
    records = selectors.usage_records_for(actor).filter(customer=customer)
    account = tag = None
    if form.value("account"):
        account = selectors.usage_account_for(actor, form.value("account"))
        counters, records = (
            counters.filter(line__billing_account=account),
            records.filter(line__billing_account=account),
        )
    if form.value("tag"):
        tag = selectors.usage_tag_for(actor, form.value("tag"))
        counters, records = counters.filter(line__tags=tag), records.filter(line__tags=tag)
    return counters, records, account, tag


def company_charts(report: reports.CompanyReport) -> dict[str, Any]:
    """The page's charts, titled in the active language."""
    month = period_label(report.period)

    def day_bars(column: str) -> list[charts.Bar]:
        return [
            charts.Bar(label=str(day.day.day), value=getattr(day, column), title=date_format(day.day, "j F"))
            for day in report.days
        ]

    def line_bars(ranked: list[reports.Ranked]) -> list[charts.Bar]:
        return [
            charts.Bar(label=display(line.number), value=line.value, title=f"{display(line.number)} {line.name}")
            for line in ranked
        ]

    daily: dict[str, Any] = {
        "data": charts.columns(
            day_bars("data_mb"),
            title=_("Mobile data per day, %(month)s") % {"month": month},
            desc=_("Megabytes used by all lines shown, each day of the period."),
            unit=_("MB"),
            every=5,
        ),
        "voice": charts.columns(
            day_bars("voice_minutes"),
            title=_("Calls per day, %(month)s") % {"month": month},
            desc=_("Minutes of calls of all lines shown, each day of the period."),
            unit=_("min"),
            every=5,
        ),
        "sms": charts.columns(
            day_bars("sms"),
            title=_("SMS per day, %(month)s") % {"month": month},
            desc=_("Text messages of all lines shown, each day of the period."),
            unit=_("SMS"),
            every=5,
        ),
    }
    for kind, column in (("data", "data_mb"), ("voice", "voice_minutes"), ("sms", "sms")):
        if not any(getattr(day, column) for day in report.days):
            daily[kind] = None  # the page says so in a sentence instead of an empty chart
    return {
        "daily": daily,
        "top_data": charts.rows(
            line_bars(report.top_data),
            title=_("Lines with the most mobile data, %(month)s") % {"month": month},
            desc=_("The ten lines that used the most megabytes in the period."),
            unit=_("MB"),
        ),
        "top_cost": charts.rows(
            line_bars(report.top_cost),
            title=_("Lines with the highest out-of-bundle cost, %(month)s") % {"month": month},
            desc=_("The ten lines with the highest out-of-bundle cost in EUR in the period."),
            unit="EUR",
            decimals=2,
        ),
        "months": charts.columns(
            [charts.Bar(label=date_format(p, "M y"), value=cost, title=period_label(p)) for p, cost in report.months],
            title=_("Out-of-bundle cost per month"),
            desc=_("Out-of-bundle cost in EUR of the lines shown, in each of the last six periods."),
            unit="EUR",
            decimals=2,
        ),
    }


@login_required
def usage_company(request: LoggedInRequest) -> HttpResponse:
    """The company's usage in a period, for managers with the fleet or billing right."""
    actor = request.actor
    if not actor.is_staff and actor.customer is not None and not selectors.sees_company_usage(actor):
        return redirect("member_home")  # their own usage is on their home page
    _company_only(actor)
    form = UsageFilterForm(request.GET)
    form.is_valid()
    period = form.value("period")
    counters, records, account, tag = _shown(actor, form)
    report = reports.company_report(counters, records, period)
    lines = (
        reports.with_over(report.counters)
        .select_related("line", "line__billing_account")
        .order_by(*SORTS.get(form.value("sort") or "number", SORTS["number"]))
    )
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    for counter in page:
        counter.voice_minutes = counter.voice_seconds / reports.SECONDS_PER_MINUTE  # type: ignore[attr-defined]
    context = {
        "form": form,
        "report": report,
        "csv_tables": [(table.key, table.title) for table in exports.tables(report)],
        "period": period,
        "period_name": period_label(period),
        "periods": _choices(period),
        "account": account,
        "tag": tag,
        "charts": company_charts(report),
        "lines": page,
        "sort": form.value("sort") or "number",
        "current": period == reports.current_period(),
        "days_left": reports.days_left(period) if period == reports.current_period() else None,
    }
    return render(request, "usage/company.html", context, status=200 if form.is_valid() else 400)


@login_required
def usage_export(request: LoggedInRequest, fmt: str) -> HttpResponse:
    """The figures the page shows as .xlsx (every table, one sheet each) or one table as CSV."""
    actor = request.actor
    _company_only(actor)
    form = UsageFilterForm(request.GET)
    if not form.is_valid():
        return redirect(f"{reverse('usage:home')}?{request.GET.urlencode()}")  # the page names the field
    counters, records, account, tag = _shown(actor, form)
    report = reports.company_report(counters, records, form.value("period"))
    export = exports.usage_export(
        actor=actor, report=report, fmt=fmt, table=request.GET.get("table", ""), account=account, tag=tag
    )
    response = StreamingHttpResponse(export.body, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename) or ""
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]  # guards are typed for HttpResponse; they pass this one through


@login_required
def usage_line(request: LoggedInRequest, line_id: int) -> HttpResponse:
    """One line's usage: its bundles in the period, its other periods, its days."""
    actor = request.actor
    line = selectors.usage_line_for(actor, line_id)
    form = UsageFilterForm(request.GET)
    form.is_valid()
    period = form.value("period")
    counters = selectors.line_counters(actor, line)
    for counter in counters.values():
        counter.voice_minutes = counter.voice_seconds / reports.SECONDS_PER_MINUTE  # type: ignore[attr-defined]
    usage = reports.line_usage(line, period, counters.get(period))
    days = reports.daily(selectors.usage_records_for(actor).filter(line=line), period)
    history: list[tuple[dt.date, str, UsageCounter | None]] = [
        (p, period_label(p), counters.get(p)) for p in reports.period_choices()
    ]
    context = {
        "line": line,
        "company": selectors.sees_company_usage(actor),
        "fleet_page": sees_whole_fleet(actor),
        "form": form,
        "usage": usage,
        "period": period,
        "period_name": period_label(period),
        "periods": _choices(period),
        "history": history,
        "days": days,
        "chart": charts.columns(
            [charts.Bar(label=str(d.day.day), value=d.data_mb, title=date_format(d.day, "j F")) for d in days],
            title=_("Mobile data per day, %(month)s") % {"month": period_label(period)},
            desc=_("Megabytes this line used each day of the period."),
            unit=_("MB"),
            every=5,
        ),
    }
    return render(request, "usage/line.html", context, status=200 if form.is_valid() else 400)

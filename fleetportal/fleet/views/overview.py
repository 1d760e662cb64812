"""The SIM overview (F-20): search, filters, sort, pages of 50, and the selection the action bar
sends to the bulk pages. With htmx the filters refresh the table only; without, the page."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fleetportal.accounts.decorators import manager_required
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.phones import display

from .. import selectors
from ..bulk_jobs import export_runs_as_job
from ..forms import SORTS
from ..models import Line
from ..policy import FLEET
from .selection import EmptySelection, filter_fields, filter_form, read_selection

PAGE_SIZE = 50
# Matches are counted up to here; beyond, the page says "more than 10,000" (QUALITY P1: counting
# 50,000 lines on every page cost more than the page). "Select all" still means the whole filter.
COUNT_CAP = 10_000
LAST_PAGE = 10**7  # beyond any fleet: a larger page number shows the last page
_MARKER = 918273645  # an id that appears nowhere else in a URL


def _page_number(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), LAST_PAGE)
    except ValueError:
        return 1


def _columns(sort: str) -> list[dict[str, str]]:
    """The sortable headers: a click sorts ascending, a second click descending."""
    columns = []
    for key, label in SORTS:
        direction = "asc" if sort == key else "desc" if sort == f"-{key}" else ""
        columns.append({"label": str(label), "direction": direction, "next": f"-{key}" if direction == "asc" else key})
    return columns


# One table row (fleet/_lines_results.html), written here rather than by the template: 50 rows
# of a dozen template variables each cost more than the page's queries (QUALITY P1). The fixed
# parts (labels, URL halves) are escaped once a page; a row escapes only its own values
# (`html.escape`, what Django's `escape` calls, without a lazy wrapper per value).
_ROW = (
    '<tr><td><input type="checkbox" name="line" value="{pk}" aria-label="{select}"></td>'
    '<td class="nowrap"><a href="{url}">{number}</a>{blocked}</td>'
    '<td data-label="{label_description}">{description}{person}</td>'
    '<td data-label="{label_plan}">{plan}</td>'
    '<td data-label="{label_status}"><span class="badge line-{status}">{status_label}</span></td>'
    '<td data-label="{label_billing}">{billing_account}</td>'
    '<td class="nowrap" data-label="{label_options}"><a href="{url}?tab=products">{see_options}</a>{options}</td>'
    '<td data-label="{label_network}">{network}</td></tr>'
)
_BLOCKED = ' <a href="{url}?tab=blocks" class="badge blocked" title="{title}">{label}</a>'


@lru_cache(maxsize=20_000)
def _number(e164: str) -> str:
    """`display` remembered: parsing a number costs ~50 µs, and the same rows come back page
    after page (a search refreshes the table as the user types)."""
    return display(e164)


def _rows(request: LoggedInRequest, lines: Iterable[dict[str, Any]], columns: list[dict[str, str]]) -> SafeString:
    """The table's rows as one piece of HTML ("" for none). A line the network has not caught
    up with shows its state as network/line_state.html writes it (with a retry button inside
    this page's form)."""
    statuses = {value: escape(str(label).upper()) for value, label in Line.Status.choices}
    select = _("Select %(number)s")
    # The line page's URL reversed once, the id filled in per row (reverse() a row: 2 ms a page).
    before, after = (escape(part) for part in reverse("fleet_line", args=[_MARKER]).split(str(_MARKER)))
    labels = {  # escaped once, not once a row
        "label_description": columns[1]["label"],
        "label_plan": columns[2]["label"],
        "label_status": columns[3]["label"],
        "label_billing": columns[4]["label"],
        "label_options": _("Options"),
        "label_network": _("Network"),
        "see_options": _("See options"),
    }
    fixed = {name: escape(str(label)) for name, label in labels.items()}
    has_blocks, label_blocked = escape(_("This SIM card has blocks: see them on its page.")), escape(_("Blocked"))
    in_sync = format_html('<span class="network-state network-in_sync">{}</span>', _("Up to date"))
    rows: list[str] = []
    for line in lines:
        number = _number(line["msisdn"])
        url = f"{before}{int(line['pk'])}{after}"
        person = f"{line['first_name']} {line['last_name']}".strip()
        network = in_sync
        if line["network_state"] != Line.NetworkState.IN_SYNC:
            state = {"line": line, "in_form": True, "actor": request.actor, "request": request}
            network = render_to_string("network/line_state.html", state)
        count = line["option_count"]
        row = _ROW.format(
            **fixed,
            pk=int(line["pk"]),
            select=escape(select % {"number": number}),
            url=url,
            number=escape(number),
            blocked=_BLOCKED.format(url=url, title=has_blocks, label=label_blocked) if line["blocked"] else "",
            description=escape(line["description"]),
            person=f"<br><small>{escape(person)}</small>" if person else "",
            plan=escape(line["plan_name"]),
            status=escape(line["status"]),
            status_label=statuses[line["status"]],
            billing_account=escape(line["billing_account_number"]),
            options=f' <small class="muted">({int(count)})</small>' if count else "",
            network=network,
        )
        rows.append(row)
    return mark_safe("".join(rows))  # noqa: S308  # every value above is escaped


@manager_required(FLEET)
@require_GET
def fleet_lines(request: LoggedInRequest) -> HttpResponse:
    actor = request.actor
    form = filter_form(actor, request.GET or None)
    criteria = form.criteria()
    number = _page_number(request.GET.get("page"))
    cap = max(COUNT_CAP, number * PAGE_SIZE)  # a page past the cap counts far enough to know its end
    lines = selectors.overview_lines(actor, cap=cap, **criteria)
    page: Page[dict[str, Any]] = Paginator(lines, PAGE_SIZE).get_page(number)  # type: ignore[arg-type]  # slices only
    filters = filter_fields(form)
    sort = criteria.get("sort", "")
    export_query = [*filters, *([("sort", sort)] if sort else [])]
    columns = _columns(sort)
    context = {
        "form": form,
        "page": page,
        "rows": _rows(request, page, columns),
        "count_exact": page.paginator.count <= cap,
        "count_cap": cap,
        "sort": sort,
        "columns": columns,
        "selection_filters": filters,
        "export_url": reverse("fleet_export"),
        # Past the count's cap the lines are more than it; the export page decides either way.
        "export_in_background": page.paginator.count > cap or export_runs_as_job(page.paginator.count),
        "export_fields": export_query,
        "export_query_xlsx": urlencode([*export_query, ("format", "xlsx")]),
        "export_query_csv": urlencode([*export_query, ("format", "csv")]),
    }
    partial = request.htmx and request.htmx.target == "lines-results"  # type: ignore[attr-defined]
    return render(request, "fleet/_lines_results.html" if partial else "fleet/lines.html", context)


@manager_required(FLEET)
@require_POST
def fleet_pick(request: LoggedInRequest) -> HttpResponse:
    """The one-line actions of the action bar (Manage SIM, Replace SIM, Stop number) open that
    line's page."""
    targets = {"manage": "fleet_line", "swap": "fleet_swap", "stop": "fleet_stop"}
    target = targets.get(request.POST.get("go", ""), "fleet_line")
    try:
        selection = read_selection(request)
    except EmptySelection:
        messages.error(request, _("Select a SIM card first."))
        return redirect("fleet_lines")
    line = selection.single
    if line is None:
        messages.error(request, _("Select exactly one SIM card for this action."))
        return redirect("fleet_lines")
    return redirect(target, line.pk)

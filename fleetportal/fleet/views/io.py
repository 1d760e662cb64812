"""The SIM overview as a file (F-31) and lines from a CSV file (F-32): export, the import's
template, upload, dry-run preview, apply and its progress."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fleetportal.accounts.decorators import manager_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from .. import selectors
from ..actions.export_jobs import export_job_create
from ..actions.imports import import_job_apply, import_job_create
from ..bulk_jobs import export_runs_as_job
from ..exports import export_format, lines_export
from ..imports import COLUMNS, MAX_BYTES, import_job_for, import_jobs_for, parse_csv, rows_done, template_csv
from ..models import ImportJob
from ..policy import FLEET
from ..tasks import import_lines, run_bulk_job
from .selection import filter_fields, filter_form

PREVIEW_PAGE = 100


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def fleet_export(request: LoggedInRequest) -> HttpResponse:
    """The overview's current filter and sort (the same fields) as .xlsx or CSV, streamed. Above
    `EXPORT_JOB_THRESHOLD` lines a worker writes it: the POST queues the job and goes to its
    page (progress, then the download); a GET, which changes nothing, asks for that POST."""
    actor = request.actor
    data = request.POST if request.method == "POST" else request.GET
    form = filter_form(actor, data)
    criteria = form.criteria()
    fmt = export_format(data.get("format", "xlsx"))
    count = selectors.lines_for(actor, **criteria).count()
    if export_runs_as_job(count):
        if request.method == "GET":
            fields = [*filter_fields(form), *([("sort", criteria["sort"])] if criteria.get("sort") else [])]
            context = {"count": count, "fields": [*fields, ("format", fmt)]}
            return render(request, "fleet/export_job_new.html", context)
        job = export_job_create(actor=actor, criteria=criteria, fmt=fmt, total=count, start=run_bulk_job)
        return redirect("fleet_bulk_job", job.pk)
    export = lines_export(actor=actor, criteria=criteria, fmt=fmt, count=count)
    response = StreamingHttpResponse(export.body, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename) or ""
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]  # guards are typed for HttpResponse; they pass this one through


@manager_required(FLEET)
@require_GET
def fleet_import_template(request: LoggedInRequest) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, "fleet-import-template.csv") or ""
    return response


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8, columns separated by ; or , as in the template; at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def fleet_import(request: LoggedInRequest) -> HttpResponse:
    actor = request.actor
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # One byte more than allowed is enough to refuse a file that is too big.
            job = import_job_create(
                actor=actor,
                file_name=upload.name,
                data=upload.read(MAX_BYTES + 1),
                start=partial(import_lines, apply=False),  # the dry run, by a worker
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            return redirect("fleet_import_job", job.pk)
    jobs = import_jobs_for(actor)[:10]
    return render(request, "fleet/import.html", {"form": form, "jobs": jobs, "columns": COLUMNS})


def _preview(job: ImportJob, page_number: Any, errors_only: bool) -> Any:
    """The file's rows with their outcome: "ok" or the problems, each naming its column."""
    rows = []
    for row in parse_csv(job.content):
        problems = job.errors.get(str(row.number), [])
        if errors_only and not problems:
            continue
        values = row.values
        if values["port_in_operator"]:
            number = _("%(number)s, port-in from %(operator)s") % {
                "number": values["number"],
                "operator": values["port_in_operator"],
            }
        else:
            number = values["number"] or _("new number")
        rows.append(
            {
                "line": row.number,
                "iccid": values["iccid"],
                "name": " ".join(filter(None, (values["first_name"], values["last_name"]))),
                "plan": values["plan"],
                "number": number,
                "problems": problems,
            }
        )
    return Paginator(rows, PREVIEW_PAGE).get_page(page_number)


@manager_required(FLEET)
@require_GET
def fleet_import_job(request: LoggedInRequest, job_id: int) -> HttpResponse:
    job = import_job_for(request.actor, job_id)
    running = job.status in (ImportJob.Status.CHECKING, ImportJob.Status.APPLYING)
    errors_only = request.GET.get("errors") == "1"
    context = {
        "job": job,
        "running": running,
        "done": rows_done(job),
        "rows_with_errors": len([key for key in job.errors if key != "0"]),
        "general_error": (job.errors.get("0") or [[None, ""]])[0][1],
        "errors_only": errors_only,
        "page": None if running else _preview(job, request.GET.get("page"), errors_only),
    }
    return render(request, "fleet/import_job.html", context)


@manager_required(FLEET)
@require_GET
def fleet_import_progress(request: LoggedInRequest, job_id: int) -> HttpResponse:
    """Polled by htmx every second while the job runs; once it ended, the page reloads."""
    job = import_job_for(request.actor, job_id)
    running = job.status in (ImportJob.Status.CHECKING, ImportJob.Status.APPLYING)
    response = render(request, "fleet/_import_progress.html", {"job": job, "running": running, "done": rows_done(job)})
    if not running:
        response["HX-Refresh"] = "true"
    return response


@manager_required(FLEET)
@require_POST
def fleet_import_apply(request: LoggedInRequest, job_id: int) -> HttpResponse:
    job = import_job_for(request.actor, job_id)
    try:
        import_job_apply(actor=request.actor, job=job, start=partial(import_lines, apply=True))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    return redirect("fleet_import_job", job.pk)

"""A bulk change or an export running on a worker (F-32, F-31): queueing a change from a
confirmed review, the job's page with the progress bar (htmx polls it, as the CSV import's),
then a change's per-line results on the page and as .xlsx, or the export's file to download."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from fleetportal.accounts.decorators import manager_required
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.spreadsheets import FORMATS

from ..actions.bulk_jobs import bulk_job_create
from ..bulk_jobs import (
    OUTCOMES,
    RUNNING,
    bulk_job_for,
    export_file_for,
    export_file_response,
    lines_done,
    outcome_counts,
    result_rows,
    results_xlsx,
)
from ..models import BulkJob, Line
from ..policy import FLEET
from ..tasks import run_bulk_job

RESULTS_PAGE = 100


def queue_bulk_job(
    request: LoggedInRequest,
    *,
    kind: str,
    lines: Sequence[Line],
    params: dict[str, Any],
    versions: Mapping[int, int] | None = None,
) -> HttpResponse:
    """Record the change for a worker and go to its page (the whole page, also through htmx).
    Raises the action's refusal (ActionError) for the form to show."""
    job = bulk_job_create(
        actor=request.actor, kind=kind, lines=lines, params=params, versions=versions, start=run_bulk_job
    )
    url = reverse("fleet_bulk_job", args=[job.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)  # type: ignore[attr-defined]


def _progress(job: BulkJob) -> dict[str, Any]:
    return {"job": job, "running": job.status in RUNNING, "done": lines_done(job)}


@manager_required(FLEET)
@require_GET
def fleet_bulk_job(request: LoggedInRequest, job_id: int) -> HttpResponse:
    job = bulk_job_for(request.actor, job_id)
    context = _progress(job)
    if job.kind == BulkJob.Kind.EXPORT:
        context["retention_days"] = settings.EXPORT_FILE_RETENTION_DAYS
        return render(request, "fleet/export_job.html", context)
    outcome = request.GET.get("outcome", "")
    if outcome not in OUTCOMES:
        outcome = ""
    if not context["running"]:
        context |= {
            "outcome": outcome,
            "outcomes": OUTCOMES,
            "counts": outcome_counts(job),
            "page": Paginator(result_rows(job, outcome=outcome), RESULTS_PAGE).get_page(request.GET.get("page")),
        }
    return render(request, "fleet/bulk_job.html", context)


@manager_required(FLEET)
@require_GET
def fleet_bulk_job_progress(request: LoggedInRequest, job_id: int) -> HttpResponse:
    """Polled by htmx every second while the job runs; once it ended, the page reloads."""
    context = _progress(bulk_job_for(request.actor, job_id))
    response = render(request, "fleet/_bulk_job_progress.html", context)
    if not context["running"]:
        response["HX-Refresh"] = "true"
    return response


@manager_required(FLEET)
@require_GET
def fleet_bulk_job_results(request: LoggedInRequest, job_id: int) -> HttpResponse:
    """The per-line results as .xlsx, once the job ended."""
    job = bulk_job_for(request.actor, job_id)
    if job.status in RUNNING:
        return redirect("fleet_bulk_job", job.pk)
    response = HttpResponse(results_xlsx(job), content_type=FORMATS["xlsx"])
    response["Content-Disposition"] = content_disposition_header(True, f"bulk-change-{job.pk}-results.xlsx") or ""
    response["Cache-Control"] = "no-store"
    return response


@manager_required(FLEET)
@require_GET
def fleet_bulk_job_file(request: LoggedInRequest, job_id: int) -> HttpResponse:
    """An export job's file, once the whole of it is written; to its customer's fleet managers only."""
    return export_file_response(export_file_for(request.actor, job_id))  # type: ignore[return-value]  # a streamed file, passed through

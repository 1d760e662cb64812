"""The staff's "Usage files" pages (F-55): upload a usage file (CSV or gzip of it) for one
customer's lines or the operator's whole feed, follow its ingest on a progress bar polled by
htmx, download its bad rows. The same action and worker as the API's file upload
(`usage_job_create` with `start=ingest_file`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fleetportal.accounts.decorators import staff_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from . import selectors
from .actions import usage_job_create
from .api import MAX_FILE_BYTES
from .forms import UsageFileForm
from .models import IngestJob
from .tasks import ingest_file

RECENT = 50
SHOWN_ERRORS = 100


@staff_required
@require_http_methods(["GET", "POST"])
def staff_files(request: LoggedInRequest) -> HttpResponse:
    actor = request.actor
    posted = request.method == "POST"
    form = UsageFileForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size is not None and upload.size > MAX_FILE_BYTES:
                raise ActionError(_("The file is larger than 200 MB: split it into smaller files."), field="file")
            job = usage_job_create(
                actor=actor,
                source=IngestJob.Source.STAFF,
                file_name=upload.name or "usage.csv",
                customer=form.cleaned_data["customer"],
                upload=upload,
                start=ingest_file,
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The file %(name)s is being ingested.") % {"name": job.file_name})
            return redirect("usage:staff_file", job_id=job.pk)
    jobs = selectors.ingest_jobs_for(actor).select_related("customer")[:RECENT]
    return render(request, "usage/staff_files.html", {"form": form, "jobs": jobs})


def _job_context(request: LoggedInRequest, job_id: int) -> dict[str, object]:
    job = selectors.ingest_job_for(request.actor, job_id)
    return {"job": job, "running": not job.finished, "error": selectors.job_error_text(job)}


@staff_required
def staff_file(request: LoggedInRequest, job_id: int) -> HttpResponse:
    context = _job_context(request, job_id)
    context["errors"] = selectors.job_errors(context["job"], SHOWN_ERRORS)  # type: ignore[arg-type]
    return render(request, "usage/staff_file.html", context)


@staff_required
def staff_file_progress(request: LoggedInRequest, job_id: int) -> HttpResponse:
    """The progress panel alone, polled every second while the job runs; when it has finished,
    the whole page reloads once to show the bad rows."""
    context = _job_context(request, job_id)
    response = render(request, "usage/_job_progress.html", context)
    if not context["running"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@staff_required
def staff_file_errors(request: LoggedInRequest, job_id: int) -> HttpResponse:
    job = selectors.ingest_job_for(request.actor, job_id)
    response = StreamingHttpResponse(selectors.job_errors_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"usage-{job.pk}-errors.csv") or ""
    return response  # type: ignore[return-value]  # guards are typed for HttpResponse; they pass this one through

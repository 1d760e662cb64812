"""The fleet's files (F-31, F-32): the SIM overview as .xlsx or CSV (written by a worker when it
is big), and lines from a CSV file, checked first (a dry run that changes nothing) and then
applied, with the same actions, rules and audit as the pages."""

from __future__ import annotations

from functools import partial

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from fleetportal.core.api import api_actor
from fleetportal.core.http import PortalRequest

from .. import selectors
from ..actions.export_jobs import export_job_create
from ..actions.imports import import_job_apply, import_job_create
from ..bulk_jobs import export_runs_as_job
from ..exports import lines_export
from ..imports import MAX_BYTES, import_job_for, import_jobs_for, template_csv
from ..tasks import import_lines, run_bulk_job
from . import lookups
from .jobs import JobOut
from .schemas import RESPONSES, ExportFilters, Id, ImportJobOut
from .scopes import READ, WRITE

router = Router(tags=["fleet files"])


@router.get(
    "/lines/export",
    response={200: bytes, 202: JobOut, **RESPONSES},
    operation_id="lines_export",
    summary="Export lines",
)
def lines_export_file(request: PortalRequest, filters: Query[ExportFilters]) -> HttpResponse | Status[JobOut]:
    """The lines of a filter as .xlsx or CSV (the overview's columns), streamed; audited.
    Above `EXPORT_JOB_THRESHOLD` lines a worker writes the file: **202** with the job; follow it
    with `GET /jobs/{id}` and, once it is done, download `GET /jobs/{id}/file`. Scope `read` or
    `fleet`."""
    actor = api_actor(request, *READ)
    criteria = lookups.line_criteria(actor, filters)
    count = selectors.lines_for(actor, **criteria).count()
    if export_runs_as_job(count):
        job = export_job_create(actor=actor, criteria=criteria, fmt=filters.format, total=count, start=run_bulk_job)
        job.refresh_from_db()  # a worker may already have run it (the test queue runs it at once)
        return Status(202, JobOut.of(job))
    export = lines_export(actor=actor, criteria=criteria, fmt=filters.format, count=count)
    response = StreamingHttpResponse(export.body, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(True, export.filename) or ""
    return response  # type: ignore[return-value]  # a streamed body, passed through by ninja as it is


@router.get("/imports/template", response={200: bytes, **RESPONSES}, operation_id="import_template")
def import_template(request: PortalRequest) -> HttpResponse:
    """The CSV template of an import, with its header and an example row. Scope `read` or `fleet`."""
    api_actor(request, *READ)
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, "fleet-import-template.csv") or ""
    return response


@router.get("/imports", response={200: list[ImportJobOut], **RESPONSES}, operation_id="imports_list")
def imports_list(request: PortalRequest) -> list[ImportJobOut]:
    """Your customer's latest 50 imports, newest first. Scope `read` or `fleet`."""
    return [ImportJobOut.of(job) for job in import_jobs_for(api_actor(request, *READ))[:50]]


@router.post(
    "/imports", response={202: ImportJobOut, **RESPONSES}, operation_id="import_create", summary="Check a CSV file"
)
def import_create(request: PortalRequest, file: File[UploadedFile]) -> Status[ImportJobOut]:
    """Upload a CSV file (multipart field `file`, at most 5 MB): it is checked row by row by a
    worker, changing nothing. Poll the job until its status is `checked` (see `errors`) or
    `failed`, then apply it. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    # One byte more than allowed is enough to refuse a file that is too big.
    job = import_job_create(
        actor=actor,
        file_name=file.name or "import.csv",
        data=file.read(MAX_BYTES + 1),
        start=partial(import_lines, apply=False),  # the dry run, by a worker
    )
    return Status(202, ImportJobOut.of(job))


@router.get("/imports/{int:job_id}", response={200: ImportJobOut, **RESPONSES}, operation_id="import_get")
def import_get(request: PortalRequest, job_id: Id) -> ImportJobOut:
    """An import's state, progress and errors per file line. Scope `read` or `fleet`."""
    return ImportJobOut.of(import_job_for(api_actor(request, *READ), job_id))


@router.post(
    "/imports/{int:job_id}/apply",
    response={202: ImportJobOut, **RESPONSES},
    operation_id="import_apply",
    summary="Apply a checked CSV file",
)
def import_apply(request: PortalRequest, job_id: Id) -> Status[ImportJobOut]:
    """Create the file's lines, all or nothing, once the check found no error. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    job = import_job_apply(actor=actor, job=import_job_for(actor, job_id), start=partial(import_lines, apply=True))
    return Status(202, ImportJobOut.of(job))

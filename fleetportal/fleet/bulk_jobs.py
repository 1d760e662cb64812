"""Bulk changes and big exports on a worker (F-32, F-31): the reads of the pages and the API.
When a change or an export runs as a job (`runs_as_job`, `export_runs_as_job`), the jobs of the
actor's customer, how far a running one got, a change's per-line results (on the page or as an
.xlsx file) and an export's file. The jobs themselves are `actions.bulk_jobs` and
`actions.export_jobs`; the worker's side `fleet.jobs`."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import HUEY

from fleetportal.core.actor import Actor
from fleetportal.core.phones import display
from fleetportal.core.scope import scope
from fleetportal.core.spreadsheets import FORMATS, Column, Sheet, write_xlsx

from .models import BulkJob

DEFAULT_THRESHOLD = 500
DEFAULT_EXPORT_THRESHOLD = 10_000

# What became of each line (`BulkJob.results`: [line id, number, outcome, reason]).
APPLIED, NOT_APPLICABLE, FAILED = "applied", "not_applicable", "failed"
OUTCOMES = {APPLIED: _("applied"), NOT_APPLICABLE: _("not applicable"), FAILED: _("failed")}
RUNNING = (BulkJob.Status.QUEUED, BulkJob.Status.RUNNING)


def threshold() -> int:
    """Lines a change may have and still run in the request (`BULK_JOB_THRESHOLD`)."""
    return int(getattr(settings, "BULK_JOB_THRESHOLD", DEFAULT_THRESHOLD))


def runs_as_job(count: int) -> bool:
    """A change of more lines than the threshold is queued for a worker, the page following it."""
    return count > threshold()


def export_threshold() -> int:
    """Lines an export may have and still stream in the request (`EXPORT_JOB_THRESHOLD`)."""
    return int(getattr(settings, "EXPORT_JOB_THRESHOLD", DEFAULT_EXPORT_THRESHOLD))


def export_runs_as_job(count: int) -> bool:
    """An export of more lines than its threshold is written by a worker, the page following it."""
    return count > export_threshold()


def bulk_jobs_for(actor: Actor) -> QuerySet[BulkJob]:
    """The jobs of the actor's customer, newest first (fleet managers, keys that see the fleet)."""
    return scope(actor, BulkJob).select_related("created_by")


def bulk_job_for(actor: Actor, job_id: int) -> BulkJob:
    """One job of the actor's customer; another customer's, or no such id, is a 404 (S1)."""
    if not 0 < job_id < 2**63:  # beyond any id column: no such job (not a database error)
        raise Http404
    job = bulk_jobs_for(actor).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job


def export_file_for(actor: Actor, job_id: int) -> BulkJob:
    """An export job of the actor's customer whose file is written. Its file is set only when the
    whole of it is, so a running, failed or taken-over export has none to give: a 404, as
    another customer's job."""
    job = bulk_job_for(actor, job_id)
    if job.kind != BulkJob.Kind.EXPORT or job.status != BulkJob.Status.DONE or not job.file:
        raise Http404
    return job


def export_file_response(job: BulkJob) -> FileResponse:
    """The export's file as a download (attachment, `nosniff`), named as the streamed export's
    (`fleet-<customer>-<date>.xlsx`)."""
    fmt = job.params.get("format", "xlsx")
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=str(job.params.get("filename") or f"export-{job.pk}.{fmt}"),
        content_type=FORMATS.get(fmt, FORMATS["xlsx"]),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def progress_key(job_id: int) -> str:
    """Where the worker running a job keeps how many lines it did (`fleet.jobs`): in the job
    queue's key-value store, readable while the job's transaction is still open."""
    return f"fleet-bulk-progress-{job_id}"


def lines_done(job: BulkJob) -> int:
    """How far a job got (the job row itself is written when it ends)."""
    if job.status not in RUNNING:
        return job.done
    return min(int(HUEY.get(progress_key(job.pk), peek=True) or 0), job.total)


@dataclass(frozen=True)
class ResultRow:
    line_id: int
    number: str
    outcome: str
    reason: str

    @property
    def outcome_label(self) -> str:
        return str(OUTCOMES.get(self.outcome, self.outcome))


def result_rows(job: BulkJob, *, outcome: str = "") -> list[ResultRow]:
    """The job's per-line results (only those of `outcome` if given), numbers as people read them."""
    return [
        ResultRow(line_id=line_id, number=display(number), outcome=result, reason=reason)
        for line_id, number, result, reason in job.results
        if not outcome or result == outcome
    ]


def outcome_counts(job: BulkJob) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for _line_id, _number, outcome, _reason in job.results:
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


RESULT_COLUMNS = [
    Column(_("Line id"), 10),
    Column(_("Phone number"), 16),
    Column(_("Result"), 16),
    Column(_("Reason"), 60),
]


def results_xlsx(job: BulkJob) -> bytes:
    """The per-line results as one worksheet (headers in the active language)."""
    cells = ([str(row.line_id), row.number, row.outcome_label, row.reason] for row in result_rows(job))
    target = io.BytesIO()
    write_xlsx(target, [Sheet(str(_("Results")), RESULT_COLUMNS, cells)])
    return target.getvalue()

"""Bulk changes and exports running on a worker (F-32, F-31): the bulk endpoints answer 202 with a
job when they name more lines than `BULK_JOB_THRESHOLD`, the export above `EXPORT_JOB_THRESHOLD`;
`GET /jobs/{id}` follows it (status, progress, then each line's result), `GET /jobs/{id}/file`
gives an export's file. A job of another customer, or an id that is none, answers 404 (S1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from django.http import FileResponse
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from fleetportal.core.actor import Actor
from fleetportal.core.api import api_actor
from fleetportal.core.http import PortalRequest

from ..actions.bulk_jobs import bulk_job_create
from ..bulk_jobs import bulk_job_for, export_file_for, export_file_response, lines_done
from ..models import BulkJob, Line
from ..tasks import run_bulk_job
from .schemas import RESPONSES
from .scopes import READ

router = Router(tags=["fleet"])


class JobResultOut(Schema):
    line_id: int
    msisdn: str
    outcome: Literal["applied", "not_applicable", "failed"]
    reason: str = Field(description="Why a line failed or was left as it is; a note for an applied one.")


class JobOut(Schema):
    id: int
    kind: Literal["plan", "options", "blocks", "billing_account", "tags", "export"]
    status: Literal["queued", "running", "done", "failed"]
    total: int = Field(description="Lines of the job.")
    done: int = Field(description="Lines done so far.")
    error: str = Field(description="Why the job failed: then nothing was changed (all or nothing).")
    results: list[JobResultOut] = Field(description="Each line's result, once the job ended.")
    file_url: str | None = Field(description="An export's file, once it is done: GET it (`/jobs/{id}/file`).")
    file_deleted_at: dt.datetime | None = Field(
        description="When an export's file was deleted (`EXPORT_FILE_RETENTION_DAYS` after it was written)."
    )
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def of(job: BulkJob) -> JobOut:
        return JobOut(
            id=job.pk,
            kind=job.kind,  # type: ignore[arg-type]
            status=job.status,  # type: ignore[arg-type]
            total=job.total,
            done=lines_done(job),
            error=job.error,
            results=[
                JobResultOut(line_id=pk, msisdn=number, outcome=outcome, reason=reason)  # type: ignore[arg-type]
                for pk, number, outcome, reason in job.results
            ],
            file_url=reverse("api:job_file", args=[job.pk]) if job.status == BulkJob.Status.DONE and job.file else None,
            file_deleted_at=job.params.get("file_deleted_at"),
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


def queued(
    actor: Actor,
    *,
    kind: str,
    lines: Sequence[Line],
    params: dict[str, Any],
    versions: Mapping[int, int] | None = None,
) -> Status[JobOut]:
    """A bulk endpoint's change recorded for a worker: 202 with the job to follow."""
    job = bulk_job_create(actor=actor, kind=kind, lines=lines, params=params, versions=versions, start=run_bulk_job)
    job.refresh_from_db()  # a worker may already have run it (the test queue runs it at once)
    return Status(202, JobOut.of(job))


@router.get("/jobs/{int:job_id}", response={200: JobOut, **RESPONSES}, operation_id="job_get", summary="Get a job")
def job_get(request: PortalRequest, job_id: int) -> JobOut:
    """A bulk change (or export) running on a worker: its status, how many lines are done, and at
    the end each line's result. Scope `read` or `fleet`."""
    return JobOut.of(bulk_job_for(api_actor(request, *READ), job_id))


__all__ = ["JobOut", "queued", "router"]


@router.get(
    "/jobs/{int:job_id}/file",
    response={200: bytes, **RESPONSES},
    operation_id="job_file",
    summary="Download an export job's file",
)
def job_file(request: PortalRequest, job_id: int) -> FileResponse:
    """An export's file (.xlsx or CSV), once the job is done; before, or for a change, 404.
    Scope `read` or `fleet`."""
    return export_file_response(export_file_for(api_actor(request, *READ), job_id))

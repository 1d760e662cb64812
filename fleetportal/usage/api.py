"""Usage ingest through the API (F-55, F-91): a JSON batch of records (ingested at once) or a
file (ingested by a worker; poll the job), and the job with its bad rows. Same action, same
checks, same audit as the command and the staff page. Scope `fleet` to send, `read` or `fleet`
to read; a key ingests for its own customer's lines only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from fleetportal.accounts.models import ApiKey
from fleetportal.core.api import ERROR_RESPONSES, api_actor
from fleetportal.core.errors import ActionError
from fleetportal.core.http import PortalRequest

from .actions import usage_ingest_records, usage_job_create
from .models import IngestJob
from .selectors import ingest_job_for, job_error_text, job_errors, job_errors_csv
from .tasks import ingest_file

router = Router(tags=["usage"])

READ = (ApiKey.Scope.READ, ApiKey.Scope.FLEET)
WRITE = (ApiKey.Scope.FLEET,)
MAX_BATCH = 10_000
MAX_FILE_BYTES = 200 * 1024 * 1024
SHOWN_ERRORS = 1_000
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class RecordIn(Schema):
    """One usage record, with the columns of the CSV format (docs/usage-format.md)."""

    record_id: str = Field(..., max_length=64)
    number: str = Field(..., max_length=32, description="E.164 (+32470123456) or national (0470 12 34 56)")
    started_at: str = Field(..., max_length=40, description="ISO 8601 with a time zone: 2026-03-01T08:15:00Z")
    kind: str = Field(..., max_length=20, description="voice, sms, mms, data or third_party")
    zone: str = Field(..., max_length=20, description="national, eu, world_1, world_2, world_3 or international")
    quantity: Decimal | None = Field(None, description="not for third_party")
    unit: str = Field("", max_length=20, description="seconds (voice), messages (sms, mms), mb or kb (data)")
    amount: Decimal | None = Field(None, description="EUR, third_party only")
    merchant: str = Field("", max_length=100, description="third_party only")
    direction: str = Field("", max_length=3, description="out (the default) or in; voice, sms and mms only")


class BatchIn(Schema):
    records: list[RecordIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class RowErrorOut(Schema):
    row: int
    message: str


class IngestJobOut(Schema):
    id: int
    file_name: str
    source: Literal["command", "staff", "api"]
    status: Literal["queued", "running", "done", "failed"]
    error: str = Field(..., description="what stopped the whole file, if anything")
    rows: int
    ingested: int
    duplicates: int
    bad: int
    errors: list[RowErrorOut] = Field(..., description="the first 1,000 bad rows; all of them in errors.csv")
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def of(job: IngestJob) -> IngestJobOut:
        return IngestJobOut(
            id=job.pk,
            file_name=job.file_name,
            source=job.source,  # type: ignore[arg-type]
            status=job.status,  # type: ignore[arg-type]
            error=job_error_text(job),
            rows=job.rows,
            ingested=job.ingested,
            duplicates=job.duplicates,
            bad=job.bad,
            errors=[RowErrorOut(row=row, message=message) for row, message in job_errors(job, SHOWN_ERRORS)],
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


@router.post(
    "/usage/records",
    response={200: IngestJobOut, **ERROR_RESPONSES},
    operation_id="usage_records_ingest",
    summary="Ingest a batch of usage records",
)
def records_ingest(request: PortalRequest, batch: BatchIn) -> IngestJobOut:
    """Up to 10,000 records at once, ingested before the answer: a record id already stored
    counts as a duplicate (R5); bad records are listed by their position in the batch (1 is
    the first), the good ones kept. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    job = usage_job_create(actor=actor, source=IngestJob.Source.API, file_name="batch.json")
    records = (record.dict() for record in batch.records)
    return IngestJobOut.of(usage_ingest_records(actor=actor, job=job, records=records))


@router.post(
    "/usage/files",
    response={202: IngestJobOut, **ERROR_RESPONSES},
    operation_id="usage_file_ingest",
    summary="Ingest a usage file",
)
def file_ingest(request: PortalRequest, file: File[UploadedFile]) -> Status[IngestJobOut]:
    """A CSV file of docs/usage-format.md, or gzip of it (multipart field `file`, at most
    200 MB), ingested by a worker: poll the job until its status is `done` or `failed`. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise ActionError(_("The file is larger than 200 MB: split it into smaller files."), field="file")
    job = usage_job_create(
        actor=actor,
        source=IngestJob.Source.API,
        file_name=file.name or "usage.csv",
        upload=file,
        start=ingest_file,
    )
    return Status(202, IngestJobOut.of(job))


@router.get(
    "/usage/jobs/{int:job_id}",
    response={200: IngestJobOut, **ERROR_RESPONSES},
    operation_id="usage_job_get",
)
def job_get(request: PortalRequest, job_id: Id) -> IngestJobOut:
    """An ingest's state, counts and first bad rows. Scope `read` or `fleet`."""
    return IngestJobOut.of(ingest_job_for(api_actor(request, *READ), job_id))


@router.get(
    "/usage/jobs/{int:job_id}/errors.csv",
    response={200: bytes, **ERROR_RESPONSES},
    operation_id="usage_job_errors",
)
def job_errors_file(request: PortalRequest, job_id: Id) -> HttpResponse:
    """Every bad row of an ingest as CSV (row, reason). Scope `read` or `fleet`."""
    job = ingest_job_for(api_actor(request, *READ), job_id)
    response = StreamingHttpResponse(job_errors_csv(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"usage-{job.pk}-errors.csv") or ""
    return response  # type: ignore[return-value]  # a streamed body, passed through by ninja as it is

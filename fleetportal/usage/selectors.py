"""Reads of usage that pages and the API show, through `scope` (a foreign id is a 404)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from fleetportal.core.actor import Actor
from fleetportal.core.scope import scope

from .ingest import reason_text
from .models import IngestError, IngestJob, UsageRecord


def usage_records_for(actor: Actor) -> QuerySet[UsageRecord]:
    return scope(actor, UsageRecord).select_related("line")


def ingest_jobs_for(actor: Actor) -> QuerySet[IngestJob]:
    return scope(actor, IngestJob)


def ingest_job_for(actor: Actor, job_id: int) -> IngestJob:
    return get_object_or_404(ingest_jobs_for(actor), pk=job_id)


def job_error_text(job: IngestJob) -> str:
    """What stopped the whole file, in the active language ("" when nothing did)."""
    return reason_text(job.error_code, job.error_detail) if job.error_code else ""


def job_errors(job: IngestJob, limit: int | None = None) -> list[tuple[int, str]]:
    """(row, reason in the active language) of the job's bad rows, in file order."""
    rows = IngestError.objects.filter(job=job).values_list("row", "code", "detail")
    if limit is not None:
        rows = rows[:limit]
    return [(row, reason_text(code, detail)) for row, code, detail in rows]


def job_errors_csv(job: IngestJob) -> Iterator[str]:
    """The job's bad rows as a CSV (row, reason), streamed for the download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line([_("row"), _("reason")])
    if job.error_code:
        yield line(["1", job_error_text(job)])
    rows = IngestError.objects.filter(job=job).values_list("row", "code", "detail")
    for row, code, detail in rows.iterator(chunk_size=2000):
        yield line([str(row), reason_text(code, detail)])

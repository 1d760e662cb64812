"""Reads of usage that pages and the API show, through `scope` (a foreign id is a 404)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from fleetportal.billing.models import BillingAccount
from fleetportal.core.actor import Actor
from fleetportal.core.scope import scope, sees_all_of_customer
from fleetportal.fleet.models import Line, Tag

from .ingest import reason_text
from .models import IngestError, IngestJob, UsageCounter, UsageRecord


def usage_records_for(actor: Actor) -> QuerySet[UsageRecord]:
    return scope(actor, UsageRecord).select_related("line")


def usage_counters_for(actor: Actor) -> QuerySet[UsageCounter]:
    return scope(actor, UsageCounter)


def sees_company_usage(actor: Actor) -> bool:
    """Whether the actor reads the usage of every line of its customer (fleet or billing right,
    a key's read scope), not only of the lines they use."""
    return actor.customer is not None and sees_all_of_customer(actor, UsageCounter)


def usage_lines_for(actor: Actor) -> QuerySet[Line]:
    """The lines whose usage the actor may see, with or without usage yet: the counters' rule
    applied to lines (a billing manager reads every line's usage, though not the fleet pages);
    for anyone else the lines they use, a number login its own number's."""
    if actor.is_staff:
        return Line.objects.all()
    if sees_company_usage(actor):
        return Line.objects.filter(customer=actor.tenant)
    return scope(actor, Line)


def usage_line_for(actor: Actor, line_id: Any) -> Line:
    """One line whose usage the actor may see, or 404 (a foreign or malformed id alike)."""
    try:
        pk = int(line_id)
    except (TypeError, ValueError):
        raise Http404 from None
    return get_object_or_404(usage_lines_for(actor).select_related("plan", "billing_account"), pk=pk)


def own_usage_lines(actor: Actor) -> QuerySet[Line]:
    """The live lines the person uses (a number login: its number's), for their own page."""
    lines = scope(actor, Line).exclude(status=Line.Status.STOPPED)
    if actor.number is None:
        lines = lines.filter(user=actor.user)
    return lines.select_related("plan").prefetch_related("options")


def line_counters(actor: Actor, line: Line) -> dict[dt.date, UsageCounter]:
    """The line's counters by period (the actor reached the line through `usage_line_for`)."""
    return {counter.period: counter for counter in usage_counters_for(actor).filter(line=line)}


def usage_account_for(actor: Actor, account_id: Any) -> BillingAccount:
    """A billing account of the customer whose usage the actor sees whole, or 404."""
    if not sees_company_usage(actor):
        raise Http404
    try:
        return get_object_or_404(scope(actor, BillingAccount), pk=int(account_id))
    except (TypeError, ValueError):
        raise Http404 from None


def usage_tag_for(actor: Actor, tag_id: Any) -> Tag:
    """A tag of the customer whose usage the actor sees whole, or 404 (tags are the fleet
    managers' to set, but a billing manager sums usage by them too)."""
    if not sees_company_usage(actor):
        raise Http404
    try:
        return get_object_or_404(Tag.objects.filter(customer=actor.tenant), pk=int(tag_id))
    except (TypeError, ValueError):
        raise Http404 from None


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

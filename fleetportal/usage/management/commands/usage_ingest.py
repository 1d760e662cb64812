"""`manage.py usage_ingest FILE [--customer acme]`: ingest a usage file (CSV or gzip of it) of
the operator's mediation, in this process, and print its counts and first bad rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fleetportal.core.actor import SYSTEM
from fleetportal.core.commands import customer_option
from fleetportal.usage.actions import usage_ingest, usage_job_create
from fleetportal.usage.models import IngestJob
from fleetportal.usage.selectors import job_error_text, job_errors

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Ingest a usage file (the CSV format of docs/usage-format.md, or gzip of it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--customer", help="only this customer's lines (login domain or id); default: every customer's"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        customer = None
        if options["customer"]:
            customer = customer_option(options["customer"])
        job = usage_job_create(actor=SYSTEM, source=IngestJob.Source.COMMAND, file_name=path.name, customer=customer)
        with path.open("rb") as stream:
            job = usage_ingest(actor=SYSTEM, job=job, stream=stream)
        self.stdout.write(
            f"job {job.pk}: {job.status}; {job.rows} rows, {job.ingested} ingested, "
            f"{job.duplicates} duplicates, {job.bad} bad"
        )
        for row, reason in job_errors(job, limit=SHOWN_ERRORS):
            self.stdout.write(f"  row {row}: {reason}")
        if job.bad > SHOWN_ERRORS:
            self.stdout.write(f"  … {job.bad - SHOWN_ERRORS} more bad rows")
        if job.status == IngestJob.Status.FAILED:
            raise CommandError(job_error_text(job))

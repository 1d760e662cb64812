"""Worker jobs of usage (entry points only): an uploaded file's ingest, queued by the page or the
API through `start=` once the upload is committed. A retry goes on after the last chunk the
dead run committed, so retrying is safe. Daily, the records' month partitions of the coming
months are created (PostgreSQL; idempotent, so a missed or doubled run changes nothing)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import jobs, partitions


@db_task(retries=2, retry_delay=30)
def ingest_file(job_id: int) -> None:
    jobs.ingest_upload(job_id)


@db_periodic_task(crontab(hour="3", minute="17"))
def create_usage_partitions() -> None:
    partitions.ensure_partitions()

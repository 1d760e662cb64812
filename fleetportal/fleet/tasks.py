"""Worker jobs of the fleet (entry points only): the changes planned for a date (F-22, F-26) run
when due, CSV imports and bulk changes of many lines (F-32), exports of many lines (F-31). Pages
and the API queue an import, a bulk change or an export by handing `import_lines` or
`run_bulk_job` to the action that records it (`start=`), which queues it once committed."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import jobs
from .actions.export_jobs import export_files_expire
from .actions.jobs import run_due_changes as run_due


@db_periodic_task(crontab(minute="*/5"))
def run_due_changes() -> None:
    run_due()


@db_task(retries=0)
def import_lines(job_id: int, apply: bool) -> None:
    """A CSV import's dry run (`apply=False`) or the import itself (F-32)."""
    jobs.import_lines(job_id, apply=apply)


@db_task(retries=0)
def run_bulk_job(job_id: int) -> None:
    """A bulk change of many lines, all or nothing (F-32, R2), or an export of many (F-31)."""
    jobs.run_bulk_job(job_id)


@db_periodic_task(crontab(minute="*"))
def resume_bulk_jobs() -> None:
    """Bulk changes whose worker vanished mid-job (nothing of them applied) and exports whose
    worker vanished (no file offered) run again, or fail."""
    jobs.resume_bulk_jobs(run_bulk_job)


@db_periodic_task(crontab(hour="3", minute="40"))
def expire_export_files() -> None:
    """Export files older than `EXPORT_FILE_RETENTION_DAYS` are deleted (F-31)."""
    export_files_expire()

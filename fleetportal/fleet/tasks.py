"""Worker jobs of the fleet (entry points only): the changes planned for a date (F-22, F-26) run
when due, and CSV imports (F-32). Pages and the API queue an import by handing `import_lines`
to the action that records it (`start=`), which queues it once the upload is committed."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import jobs
from .actions.jobs import run_due_changes as run_due


@db_periodic_task(crontab(minute="*/5"))
def run_due_changes() -> None:
    run_due()


@db_task(retries=0)
def import_lines(job_id: int, apply: bool) -> None:
    """A CSV import's dry run (`apply=False`) or the import itself (F-32)."""
    jobs.import_lines(job_id, apply=apply)

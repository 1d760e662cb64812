"""Worker jobs of invoicing (entry points only): a run staff started (queued through
`invoice_run_start(start=…)`), and the monthly run of the previous period on the 1st. The
periodic one is safe to repeat: accounts already invoiced for the period are skipped."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from fleetportal.core.actor import SYSTEM

from . import jobs


@db_task(retries=1, retry_delay=60)
def invoice_run(run_id: int) -> None:
    jobs.run_invoices(run_id)


@db_periodic_task(crontab(day="1", hour="4", minute="0"))
def monthly_invoice_run() -> None:
    jobs.run_previous_period(SYSTEM)

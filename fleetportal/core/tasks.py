"""Worker entry points of the delivery pipeline: deliver rows right after their transaction
commits, sweep every channel for what is due (retries, rows a killed worker left behind), and
beat for /healthz."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from . import delivery


@db_task(retries=0)
def deliver_rows(channel: str, ids: list[int]) -> None:
    delivery.deliver_many(channel, ids)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox() -> None:
    delivery.sweep()


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Lets /healthz tell whether a worker is running."""
    HUEY.put("heartbeat", timezone.now().isoformat())

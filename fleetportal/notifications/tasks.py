"""Worker jobs: deliver one message right after its transaction commits, and sweep for any
that are due (retries, or rows whose first delivery was lost with a killed worker)."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from .delivery import deliver_message, due_message_ids


@db_task(retries=0)
def deliver(message_id: int) -> None:
    deliver_message(message_id)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox() -> None:
    for message_id in due_message_ids():
        deliver_message(message_id)


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Lets /healthz tell whether a worker is running."""
    HUEY.put("heartbeat", timezone.now().isoformat())

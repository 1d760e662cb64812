"""Worker jobs: deliver a batch of requests right after its transaction commits, sweep for any
that are due (retries, or those a killed worker left pending), expire unanswered ones, and the
simulator's delayed answers."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .delivery import deliver_request, due_request_ids, expire_unanswered, record_answer
from .models import ProvisioningRequest

SIMULATED_REFUSAL = "refused by the network (simulator rule)"


@db_task(retries=0)
def deliver_batch(batch: str) -> None:
    ids = ProvisioningRequest.objects.filter(batch=batch, status=ProvisioningRequest.Status.PENDING)
    for request_id in list(ids.order_by("pk").values_list("pk", flat=True)):
        deliver_request(request_id)


@db_periodic_task(crontab(minute="*"))
def sweep_provisioning() -> None:
    for request_id in due_request_ids():
        deliver_request(request_id)


@db_periodic_task(crontab(minute="*"))
def expire_provisioning() -> None:
    expire_unanswered()


@db_task(retries=0)
def simulator_answer(request_id: int, ok: bool) -> None:
    record_answer(request_id, ok=ok, error="" if ok else SIMULATED_REFUSAL)

"""Worker jobs of the network app: expire unanswered requests, and the simulator's delayed
answers. (Requests are delivered and swept by the kernel's delivery pipeline.)"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .delivery import expire_unanswered, record_answer

SIMULATED_REFUSAL = "refused by the network (simulator rule)"


@db_periodic_task(crontab(minute="*"))
def expire_provisioning() -> None:
    expire_unanswered()


@db_task(retries=0)
def simulator_answer(request_id: int, ok: bool) -> None:
    record_answer(request_id, ok=ok, error="" if ok else SIMULATED_REFUSAL)

"""Worker jobs of alerts (entry points only): lifting, when a period has begun, what usage rules
with "lift at the next period" did in the earlier ones. Hourly, so a run missed at midnight
(worker down) catches up; a lift is done once (`lifted_at`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .actions_rules import rule_firings_lift


@db_periodic_task(crontab(minute="7"))
def lift_rule_firings() -> None:
    rule_firings_lift()

"""Rating after an ingest: the consumer of `usage.ingested` rates the (line, period)s the job's
new records fall in, each period as a whole (`usage_rate`), which records `usage.rated` for
alerts and rules. Run by the event delivery workers after the ingest committed; a batch seen
twice rates the same records again and ends with the same counters (idempotent)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from fleetportal.core.actor import Actor
from fleetportal.core.events import consumer
from fleetportal.core.models import Channel, DomainEvent

from .actions import usage_rate
from .events import USAGE_INGESTED
from .models import UsageRecord

RATING = Actor(user=None, channel=Channel.SYSTEM)


@consumer(USAGE_INGESTED, name="usage.rating")
def rate_ingested(events: QuerySet[DomainEvent]) -> None:
    jobs = [event.data["job"] for event in events]
    by_period: dict[dt.date, set[int]] = {}
    for line_id, period in UsageRecord.objects.filter(job_id__in=jobs).values_list("line_id", "period").distinct():
        by_period.setdefault(period, set()).add(line_id)
    for period, lines in sorted(by_period.items()):
        usage_rate(actor=RATING, periods=[period], lines=lines)

"""Alerts and rules react to rating: the consumer of `usage.rated` evaluates the counters of the
lines and pools rated (`actions.usage_evaluate`). Idempotent: what was sent or applied in the
period is recorded with it, so a batch seen twice sends and applies nothing more."""

from __future__ import annotations

from django.db.models import QuerySet

from fleetportal.core.actor import Actor
from fleetportal.core.events import consumer
from fleetportal.core.models import Channel, DomainEvent
from fleetportal.usage.events import USAGE_RATED
from fleetportal.usage.periods import parse_period

from .actions import usage_evaluate

ALERTS = Actor(user=None, channel=Channel.SYSTEM, name="Usage alerts")


@consumer(USAGE_RATED, name="alerts")
def usage_rated(events: QuerySet[DomainEvent]) -> None:
    for event in events:
        if event.customer is None:
            continue
        usage_evaluate(
            actor=ALERTS,
            customer=event.customer,
            period=parse_period(event.data["period"]),
            line_ids=event.data.get("lines", []),
            pool_ids=event.data.get("pools", []),
        )

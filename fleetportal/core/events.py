"""Domain events and their consumers (DESIGN: the flow of every change).

Each app declares the events it records in its `events.py` (`EventType("line.activated", …)`);
its actions record them with `record` / `record_many` inside their transaction, beside the
audit row. Consumers (port-in completion today; rules, alerts next) register with
`@consumer(EVENT, …)` in their app's `consumers.py`, imported from `AppConfig.ready()`.

An app that must see every event of every type, but acts on few (webhooks: only the
customers with a subscribed endpoint), registers a `fanout` instead: it is called inside the
action's transaction with each batch's new event ids and writes its own delivery rows there,
so an event nobody subscribed to costs it one indexed query and no row.

After commit each consumer gets each batch of events once through the delivery pipeline (an
`EventDelivery` row: at least once, retried, dead-lettered visibly), so a consumer must be
idempotent: it may see a batch again after a worker crash.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import delivery
from .inserts import insert_rows
from .models import Customer, DomainEvent, EventDelivery

Consumer = Callable[[QuerySet[DomainEvent]], None]
Fanout = Callable[["EventType", Customer | None, list[int]], None]

_types: dict[str, EventType] = {}
_consumers: dict[str, dict[str, Consumer]] = {}
_fanouts: dict[str, Fanout] = {}


@dataclass(frozen=True)
class EventType:
    """One kind of event in an app's catalogue; `name` is stable (consumers, webhooks use it)."""

    name: str
    label: str | Promise

    def __post_init__(self) -> None:
        _types[self.name] = self

    def record(self, *, customer: Customer | None, obj: models.Model | None = None, data: dict | None = None) -> str:
        return record_many(self, customer=customer, items=[(obj, data or {})])

    def record_many(
        self, *, customer: Customer | None, items: Iterable[tuple[models.Model | None, dict[str, Any]]]
    ) -> str:
        return record_many(self, customer=customer, items=items)


def event_types() -> list[EventType]:
    return sorted(_types.values(), key=lambda t: t.name)


def consumer(*events: EventType, name: str) -> Callable[[Consumer], Consumer]:
    """Register `fn(events_queryset)` for these event types under a stable `name` (idempotent)."""

    def register(fn: Consumer) -> Consumer:
        for event in events:
            _consumers.setdefault(event.name, {})[name] = fn
        return fn

    return register


def consumers_of(event_name: str) -> dict[str, Consumer]:
    return dict(_consumers.get(event_name, {}))


def fanout(name: str) -> Callable[[Fanout], Fanout]:
    """Register `fn(event_type, customer, event_ids)` under a stable `name` (idempotent):
    `record_many` calls it for every batch of every event type, in the action's transaction.
    It runs on every recorded event, so it must cost next to nothing when it has nothing to do."""

    def register(fn: Fanout) -> Fanout:
        _fanouts[name] = fn
        return fn

    return register


def record_many(
    event: EventType, *, customer: Customer | None, items: Iterable[tuple[models.Model | None, dict[str, Any]]]
) -> str:
    """Record one event per (object, data) in one insert, and one delivery per consumer of the
    event type (and what each fan-out writes); returns the batch. Call inside the action's
    transaction."""
    batch = uuid.uuid4().hex
    rows = [
        {
            "object_type": (obj._meta.model_name or "") if obj is not None else "",
            "object_id": str(obj.pk) if obj is not None else "",
            "data": data,
        }
        for obj, data in items
    ]
    if not rows:
        return batch
    event_ids = insert_rows(DomainEvent, rows, same={"name": event.name, "customer": customer, "batch": batch})
    for fn in _fanouts.values():
        fn(event, customer, event_ids)
    subscribers = consumers_of(event.name)
    if subscribers:
        now = timezone.now()
        ids = insert_rows(
            EventDelivery,
            [{"consumer": name, "idempotency_key": uuid.uuid4().hex} for name in subscribers],
            same={"event_name": event.name, "batch": batch, "next_attempt_at": now},
        )
        delivery.deliver_after_commit(EVENTS_CHANNEL, ids)
    return batch


def _run_consumer(row: EventDelivery) -> None:
    fn = consumers_of(row.event_name).get(row.consumer)
    if fn is None:
        raise LookupError(f"no consumer {row.consumer!r} of {row.event_name!r}")
    with transaction.atomic():  # a consumer's changes are kept whole or not at all
        fn(DomainEvent.objects.filter(batch=row.batch, name=row.event_name).select_related("customer"))


EVENTS_CHANNEL = "event"


def register_channel() -> None:
    delivery.register(
        delivery.Channel(
            name=EVENTS_CHANNEL,
            label=_("Event consumers"),
            model=EventDelivery,
            send=_run_consumer,
            max_attempts=lambda: settings.OUTBOX_MAX_ATTEMPTS,
        )
    )

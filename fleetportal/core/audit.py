"""Writing the audit trail. Actions call these inside their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from .actor import Actor
from .models import AuditEvent, Customer


def _event(
    actor: Actor,
    action: str,
    customer: Customer | None,
    obj: models.Model | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEvent:
    return AuditEvent(
        actor=actor.user,
        actor_label=actor.label,
        customer=customer if customer is not None else actor.customer,
        channel=actor.channel,
        action=action,
        object_type=obj._meta.model_name or "" if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:200] if obj is not None else "",
        before=before or {},
        after=after or {},
        ip_address=actor.ip_address,
    )


def record(
    *,
    actor: Actor,
    action: str,
    customer: Customer | None = None,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = _event(actor, action, customer, obj, before, after)
    event.save()
    return event


def record_many(
    *,
    actor: Actor,
    action: str,
    customer: Customer | None,
    changes: Iterable[tuple[models.Model, dict[str, Any], dict[str, Any]]],
) -> list[AuditEvent]:
    """One audit row per changed object, in one insert (bulk actions, DESIGN rule 4)."""
    events = [_event(actor, action, customer, obj, before, after) for obj, before, after in changes]
    return AuditEvent.objects.bulk_create(events)  # batches as the backend allows: one on PostgreSQL

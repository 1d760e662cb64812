"""Writing the audit trail. Actions call these inside their transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from .actor import Actor
from .inserts import insert_rows
from .models import AuditEvent, Customer


def _shared(actor: Actor, action: str, customer: Customer | None) -> dict[str, Any]:
    """The columns of an event that say who did what, the same for every object of a bulk change."""
    return {
        "actor": actor.user,
        "actor_label": actor.label,
        "customer": customer if customer is not None else actor.customer,
        "channel": actor.channel,
        "action": action,
        "ip_address": actor.ip_address,
    }


def _described(obj: models.Model | None, before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """The columns that say what changed on one object."""
    return {
        "object_type": obj._meta.model_name or "" if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "object_label": str(obj)[:200] if obj is not None else "",
        "before": before or {},
        "after": after or {},
    }


def record(
    *,
    actor: Actor,
    action: str,
    customer: Customer | None = None,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(**_shared(actor, action, customer), **_described(obj, before, after))
    event.save()
    return event


def record_many(
    *,
    actor: Actor,
    action: str,
    customer: Customer | None,
    changes: Iterable[tuple[models.Model, dict[str, Any], dict[str, Any]]],
) -> None:
    """One audit row per changed object, in one insert (bulk actions, DESIGN rule 4), the
    columns the rows share sent once (`insert_rows`: 10,000 rows in ~0.15 s, QUALITY P3)."""
    rows = [_described(obj, before, after) for obj, before, after in changes]
    insert_rows(AuditEvent, rows, same=_shared(actor, action, customer))

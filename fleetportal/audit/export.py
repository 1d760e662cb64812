"""The audit log as a CSV file (F-33): the page's current filter, streamed row by row.

The same CSV dialect and formula neutralising as the SIM overview's export (QUALITY S11), so
a spreadsheet never runs a cell that someone typed as "=…". Times are UTC, ISO 8601;
before/after stay JSON, exactly as kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.audit_labels import ACTION_LABELS, humanise
from fleetportal.core.models import AuditEvent, Channel
from fleetportal.core.spreadsheets import csv_chunks

CHUNK = 2000
COLUMNS = [
    _("Time (UTC)"),
    _("Customer"),
    _("Who"),
    _("Channel"),
    _("Action code"),
    _("Action"),
    _("On"),
    _("Before"),
    _("After"),
]


@dataclass
class AuditExport:
    filename: str
    body: Iterator[str]


def audit_export(*, actor: Actor, events: QuerySet[AuditEvent], criteria: dict[str, Any]) -> AuditExport:
    """`events` (from `selectors.audit_events_for`) as CSV chunks; audited as "audit.exported".

    Labels are taken now, in the request's language, not when the response streams."""
    record(
        actor=actor,
        action="audit.exported",
        after={"format": "csv", "events": events.count(), **{k: str(v) for k, v in criteria.items() if v}},
    )
    actions = {code: str(label) for code, label in ACTION_LABELS.items()}
    channels = {value: str(label) for value, label in Channel.choices}
    scope = actor.customer.login_domain if actor.customer is not None else "all"
    return AuditExport(
        filename=f"audit-{scope}-{timezone.localdate():%Y-%m-%d}.csv",
        body=csv_chunks([str(title) for title in COLUMNS], _rows(events, actions, channels)),
    )


def _rows(events: QuerySet[AuditEvent], actions: dict[str, str], channels: dict[str, str]) -> Iterator[list[str]]:
    for event in events.iterator(chunk_size=CHUNK):
        yield [  # csv_chunks neutralises formula-like text
            event.created_at.astimezone(UTC).isoformat(timespec="seconds"),
            event.customer.name if event.customer is not None else "",
            event.actor_label,
            channels.get(event.channel, event.channel),
            event.action,
            actions.get(event.action) or humanise(event.action),
            event.object_label,
            json.dumps(event.before, ensure_ascii=False),
            json.dumps(event.after, ensure_ascii=False),
        ]

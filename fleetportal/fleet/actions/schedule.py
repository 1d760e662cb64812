"""Changes on a chosen date (DESIGN rule 5): rows in the database, cancellable until due, run by
the periodic job (`actions.jobs.run_due_changes`) through the same bulk actions as a change
made now, the changes due together in one call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.fleet.models import Line, ScheduledChange

from .common import audit_lines, date_label, number_label, require_fleet

Kind = ScheduledChange.Kind


def schedule_lines(
    *, actor: Actor, lines: Sequence[Line], kind: str, on: date, payload: dict[str, Any] | None = None
) -> list[ScheduledChange]:
    """One scheduled change per line (inside the caller's transaction); one of a kind at a time."""
    clash = (
        ScheduledChange.objects.filter(line__in=lines, kind=kind, status=ScheduledChange.Status.SCHEDULED)
        .select_related("line")
        .first()
    )
    if clash is not None:
        raise ActionError(
            _("%(number)s already has this change planned on %(date)s: cancel it first.")
            % {"number": number_label(clash.line), "date": date_label(clash.due_date)},
            field="date",
        )
    changes = ScheduledChange.objects.bulk_create(
        [
            ScheduledChange(line=line, kind=kind, due_date=on, payload=payload or {}, created_by=actor.user)
            for line in lines
        ]
    )
    after = {"kind": kind, "date": on.isoformat(), **(payload or {})}
    audit_lines(actor, "line.change_scheduled", ((line, {}, after) for line in lines))
    return changes


@transaction.atomic
def schedule_cancel(*, actor: Actor, change: ScheduledChange) -> ScheduledChange:
    """Cancel a planned change while it is not due yet (or not run yet)."""
    require_fleet(actor, change.line.customer_id)
    cancelled = ScheduledChange.objects.filter(pk=change.pk, status=ScheduledChange.Status.SCHEDULED).update(
        status=ScheduledChange.Status.CANCELLED
    )
    if not cancelled:
        raise ActionError(_("This change was already carried out or cancelled."), code="conflict")
    change.status = ScheduledChange.Status.CANCELLED
    record(
        actor=actor,
        action="line.change_cancelled",
        customer=change.line.customer,
        obj=change.line,
        before={"kind": change.kind, "date": change.due_date.isoformat(), "status": ScheduledChange.Status.SCHEDULED},
        after={"status": ScheduledChange.Status.CANCELLED},
    )
    return change


def cancel_pending_changes(lines: Sequence[Line], *, kind: str | None = None) -> int:
    """Drop what was planned for lines a change made now supersedes (a stop, an activation)."""
    pending = ScheduledChange.objects.filter(line__in=lines, status=ScheduledChange.Status.SCHEDULED)
    if kind is not None:
        pending = pending.filter(kind=kind)
    return pending.update(status=ScheduledChange.Status.CANCELLED)

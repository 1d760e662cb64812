"""Running what was planned (DESIGN rule 5): each due change through the same action as a
change made now, as the portal's job, and marked DONE, or FAILED with the reason."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from fleetportal.catalog.models import TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Channel
from fleetportal.fleet.models import Line, ScheduledChange

from .bulk import lines_change_plan
from .common import today
from .lifecycle import line_stop, lines_reactivate, lines_suspend
from .lines import line_activate

log = logging.getLogger(__name__)

JOB = Actor(user=None, channel=Channel.JOB)
Kind = ScheduledChange.Kind


def _run(kind: str, line: Line, payload: dict[str, Any]) -> None:
    on = today()
    runners: dict[str, Callable[[], object]] = {
        Kind.ACTIVATE: lambda: line_activate(actor=JOB, lines=[line], on=on),
        Kind.SUSPEND: lambda: lines_suspend(actor=JOB, lines=[line], reason=payload.get("reason", "")),
        Kind.REACTIVATE: lambda: lines_reactivate(actor=JOB, lines=[line], reason=payload.get("reason", "")),
        Kind.STOP: lambda: line_stop(
            actor=JOB, line=line, on=on, transfer_to_private=bool(payload.get("transfer_to_private"))
        ),
        Kind.PLAN: lambda: lines_change_plan(
            actor=JOB, lines=[line], plan=TariffPlan.objects.get(code=payload["plan"])
        ),
    }
    runners[kind]()


def run_scheduled_change(change_id: int) -> str | None:
    """Carry out one due change; returns its new status (None if it was not ours to run)."""
    try:
        with transaction.atomic():
            change = (
                ScheduledChange.objects.select_for_update(skip_locked=True)
                .select_related("line")
                .filter(pk=change_id, status=ScheduledChange.Status.SCHEDULED, due_date__lte=today())
                .first()
            )
            if change is None:
                return None
            # DONE first: the action it runs may cancel what is pending for the line (a stop does).
            ScheduledChange.objects.filter(pk=change.pk).update(
                status=ScheduledChange.Status.DONE, executed_at=timezone.now()
            )
            _run(change.kind, change.line, change.payload)
        return ScheduledChange.Status.DONE
    except Exception as exc:  # the change is marked failed; the others still run
        if isinstance(exc, ActionError):
            error = str(exc.message)
        else:
            log.exception("scheduled change %s failed", change_id)
            error = f"{type(exc).__name__}: {exc}"
        ScheduledChange.objects.filter(pk=change_id, status=ScheduledChange.Status.SCHEDULED).update(
            status=ScheduledChange.Status.FAILED, executed_at=timezone.now(), error=error[:2000]
        )
        return ScheduledChange.Status.FAILED


def run_due_changes(limit: int = 1000) -> dict[str, int]:
    """Every change due today or earlier, oldest first; returns how many ended in each status."""
    due = ScheduledChange.objects.filter(status=ScheduledChange.Status.SCHEDULED, due_date__lte=today())
    counts: dict[str, int] = {}
    for change_id in list(due.order_by("due_date", "pk").values_list("pk", flat=True)[:limit]):
        status = run_scheduled_change(change_id)
        if status is not None:
            counts[status] = counts.get(status, 0) + 1
    return counts

"""Running what was planned (DESIGN rule 5), set-based (DESIGN rule 4, QUALITY P3).

The due changes that ask for the same thing on the same day (kind, values, due date) run
together as ONE call of the bulk action a page uses, as the portal's job: a plan change planned
for 10,000 lines is one transaction with one UPDATE of the lines, one provisioning batch and one
audit insert, the same few queries as for one line. Each change is then marked DONE.

A change that no longer applies to its line (stopped, suspended or moved to the plan meanwhile,
a plan the contract no longer has) does not hold up the rest of its group, as when each change
ran on its own: those lines are sorted out first by the action's own rules and their changes
marked FAILED with the action's reason; the others run. Should the bulk action still refuse the
rest for a reason not sorted out here, that group falls back to one change at a time, so one
line never blocks the others.

Order is kept: a line's changes run in the order they are due (then planned), so a stop planned
before a plan change of the same day still cancels it. Planned stops run grouped too
(`lines_stop`), those handing the number over apart from those ending it.

The reasons are the actions' own: each action module says which lines its change does not
apply to and why (`SUSPENDABLE.refusals`, `plan_change_refusals`, …), with the messages it
refuses with itself; no rule or message is copied here.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from fleetportal.catalog.models import TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Channel
from fleetportal.fleet.models import Line, ScheduledChange

from .bulk import lines_change_plan, plan_change_refusals
from .common import today
from .lifecycle import REACTIVATABLE, STOPPABLE, SUSPENDABLE, lines_reactivate, lines_stop, lines_suspend
from .lines import ACTIVATABLE, line_activate

log = logging.getLogger(__name__)

JOB = Actor(user=None, channel=Channel.JOB)
Kind = ScheduledChange.Kind
Status = ScheduledChange.Status
# Lines per bulk call: the size QUALITY P3 measures; a bigger group runs in several calls.
BATCH = 10_000
# The fields of a line the rules below and the actions' locking read (the actions load the rest).
LINE_FIELDS = ("customer_id", "msisdn", "status", "plan_id", "billing_account_id", "version")


# --- the actions a due change runs, and which lines they still apply to ---------------------------


@dataclass(frozen=True)
class _Runner:
    """How a kind of change runs on many lines, and which single lines its action refuses.

    `refusals` is the action module's own answer to "which of these lines does this change not
    apply to, and why" (its rules and messages, not a copy). `prepare` reads what the payload
    names (once per group)."""

    run: Callable[[list[Line], Any, dict[str, Any]], object]
    refusals: Callable[[list[Line], Any], dict[int, ActionError]]
    prepare: Callable[[dict[str, Any]], Any] = lambda payload: None


def _plan_of(payload: dict[str, Any]) -> TariffPlan:
    return TariffPlan.objects.get(code=payload["plan"])


_RUNNERS: dict[str, _Runner] = {
    Kind.ACTIVATE: _Runner(
        run=lambda lines, _prepared, _payload: line_activate(actor=JOB, lines=lines, on=today()),
        refusals=lambda lines, _prepared: ACTIVATABLE.refusals(lines),
    ),
    Kind.SUSPEND: _Runner(
        run=lambda lines, _prepared, payload: lines_suspend(actor=JOB, lines=lines, reason=payload.get("reason", "")),
        refusals=lambda lines, _prepared: SUSPENDABLE.refusals(lines),
    ),
    Kind.REACTIVATE: _Runner(
        run=lambda lines, _prepared, payload: lines_reactivate(
            actor=JOB, lines=lines, reason=payload.get("reason", "")
        ),
        refusals=lambda lines, _prepared: REACTIVATABLE.refusals(lines),
    ),
    Kind.STOP: _Runner(
        run=lambda lines, _prepared, payload: lines_stop(
            actor=JOB, lines=lines, transfer_to_private=bool(payload.get("transfer_to_private"))
        ),
        refusals=lambda lines, _prepared: STOPPABLE.refusals(lines),
    ),
    Kind.PLAN: _Runner(
        run=lambda lines, plan, _payload: lines_change_plan(actor=JOB, lines=lines, plan=plan),
        refusals=plan_change_refusals,
        prepare=_plan_of,
    ),
}


def _run(kind: str, line: Line, payload: dict[str, Any]) -> None:
    """One change on its own line: a change of a group the bulk action refused."""
    runner = _RUNNERS[kind]
    runner.run([line], runner.prepare(payload), payload)


def _error_text(exc: Exception, what: object) -> str:
    """The reason a change failed, as the change keeps it; an unexpected error is logged."""
    if isinstance(exc, ActionError):
        return str(exc.message)
    log.exception("scheduled change %s failed", what)
    return f"{type(exc).__name__}: {exc}"


def run_scheduled_change(change_id: int) -> str | None:
    """Carry out one due change; returns its new status (None if it was not ours to run)."""
    try:
        with transaction.atomic():
            change = (
                ScheduledChange.objects.select_for_update(skip_locked=True)
                .select_related("line")
                .filter(pk=change_id, status=Status.SCHEDULED, due_date__lte=today())
                .first()
            )
            if change is None:
                return None
            # DONE first: the action it runs may cancel what is pending for the line (a stop does).
            ScheduledChange.objects.filter(pk=change.pk).update(status=Status.DONE, executed_at=timezone.now())
            _run(change.kind, change.line, change.payload)
        return Status.DONE
    except Exception as exc:  # the change is marked failed; the others still run
        error = _error_text(exc, change_id)
        ScheduledChange.objects.filter(pk=change_id, status=Status.SCHEDULED).update(
            status=Status.FAILED, executed_at=timezone.now(), error=error[:2000]
        )
        return Status.FAILED


# --- groups -------------------------------------------------------------------------------------


@dataclass
class Group:
    """Due changes of one kind, with the same values and due date, each for another line."""

    kind: str
    due_date: date
    payload: dict[str, Any]
    change_ids: list[int] = field(default_factory=list)


def group_due_changes(due: Sequence[tuple[int, int, str, date, dict[str, Any]]], *, size: int = BATCH) -> list[Group]:
    """`(id, line id, kind, due date, payload)` of due changes, in the order they are to run,
    as groups in the order to run them: each line's changes still run in their order (a change
    joins the latest group of its kind and values only if that group comes after the group of
    the line's previous change), and a group holds a line at most once and at most `size` changes.
    """
    groups: list[Group] = []
    latest: dict[tuple[str, date, str], int] = {}  # group key → index of its latest group
    last_of_line: dict[int, int] = {}  # line id → index of the group of its latest change
    for change_id, line_id, kind, due_date, payload in due:
        key = (kind, due_date, json.dumps(payload, sort_keys=True))
        index = latest.get(key)
        if index is None or index <= last_of_line.get(line_id, -1) or len(groups[index].change_ids) >= size:
            groups.append(Group(kind=kind, due_date=due_date, payload=payload))
            index = latest[key] = len(groups) - 1
        groups[index].change_ids.append(change_id)
        last_of_line[line_id] = index
    return groups


def _mark_failed(reasons: dict[int, str]) -> None:
    """Changes by id → their reason: one UPDATE per distinct reason, not per change."""
    by_reason: dict[str, list[int]] = defaultdict(list)
    for change_id, reason in reasons.items():
        by_reason[reason[:2000]].append(change_id)
    now = timezone.now()
    for reason, ids in by_reason.items():
        ScheduledChange.objects.filter(pk__in=ids).update(status=Status.FAILED, executed_at=now, error=reason)


def _refusals(runner: _Runner, lines: list[Line], prepared: Any) -> dict[int, str]:
    """Why the action would refuse single lines, by line id, in its own words."""
    return {line_id: str(refusal.message) for line_id, refusal in runner.refusals(lines, prepared).items()}


def run_group(group: Group) -> dict[str, int]:
    """Run one group as one bulk action call; returns how many of its changes ended in each status."""
    runner = _RUNNERS[group.kind]
    with transaction.atomic():
        # The group's changes still to run, locked (another worker skips them), with what the
        # rules read of their lines. The action locks the lines itself and refuses a line changed
        # since this read (its version), which sends the group one by one (below).
        changes = list(
            ScheduledChange.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=group.change_ids, status=Status.SCHEDULED, due_date__lte=today())
            .select_related("line")
            .only("id", "line_id", *(f"line__{name}" for name in LINE_FIELDS))
        )
        if not changes:
            return {}
        due = {change.pk: change.line_id for change in changes}
        lines = {change.line_id: change.line for change in changes}
        try:
            prepared = runner.prepare(group.payload)
            refused = _refusals(runner, list(lines.values()), prepared)
        except Exception as exc:  # e.g. a plan no longer in the catalogue: the whole group fails
            _mark_failed(dict.fromkeys(due, _error_text(exc, f"{group.kind} of {len(due)} lines")))
            return {Status.FAILED: len(due)}
        failed = {change_id: refused[line_id] for change_id, line_id in due.items() if line_id in refused}
        _mark_failed(failed)
        counts: dict[str, int] = {Status.FAILED: len(failed)}
        running = {change_id: line_id for change_id, line_id in due.items() if line_id not in refused}
        one_by_one: list[int] = []
        if running:
            try:
                with transaction.atomic():
                    # DONE first: the action may cancel what is pending for its lines (see `_run`).
                    ScheduledChange.objects.filter(pk__in=running).update(
                        status=Status.DONE, executed_at=timezone.now()
                    )
                    runner.run([lines[line_id] for line_id in running.values()], prepared, group.payload)
            except Exception as exc:  # refused for a reason of single lines not sorted out above
                log.warning("%s due %s changes refused together (%s): run one by one", len(running), group.kind, exc)
                one_by_one = list(running)
            else:
                counts[Status.DONE] = len(running)
    for status, count in _count(run_scheduled_change(change_id) for change_id in one_by_one).items():
        counts[status] = counts.get(status, 0) + count
    return {status: count for status, count in counts.items() if count}


def _count(statuses: Iterable[str | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in statuses:
        if status is not None:
            counts[status] = counts.get(status, 0) + 1
    return counts


def run_due_changes(limit: int | None = None) -> dict[str, int]:
    """Every change due today or earlier (at most `limit`), oldest first, in groups run as one
    bulk action each; returns how many ended in each status."""
    due = (
        ScheduledChange.objects.filter(status=Status.SCHEDULED, due_date__lte=today())
        .order_by("due_date", "pk")
        .values_list("pk", "line_id", "kind", "due_date", "payload")
    )
    counts: dict[str, int] = {}
    for group in group_due_changes(list(due if limit is None else due[:limit])):
        for status, count in run_group(group).items():
            counts[status] = counts.get(status, 0) + count
    return counts

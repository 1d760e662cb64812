"""The due changes run set-based (DESIGN rules 4 and 5, QUALITY P3): the changes due together
with the same values run as one call of the pages' bulk action, with the same queries for 3 or
40 lines; a change that no longer applies to its line is marked failed with the action's reason
and does not hold up the others, as when each change ran on its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fleetportal.catalog.models import ContractPlan, Option, TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.models import AuditEvent, Channel
from fleetportal.core.phones import display
from fleetportal.fleet.actions import jobs as due_jobs
from fleetportal.fleet.actions import line_activate, line_stop, lines_change_plan, lines_reactivate, lines_suspend
from fleetportal.fleet.actions.jobs import group_due_changes, run_due_changes
from fleetportal.fleet.models import Line, LineOption, ScheduledChange
from fleetportal.network.models import ProvisioningRequest

pytestmark = pytest.mark.spec("F-22", "F-28", "P3")

Status = ScheduledChange.Status


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def on_start(make_line: Callable[..., Line], options: dict[str, Option]) -> Callable[[int], list[Line]]:
    """n ACTIVE lines on Mobile Start with Voice National 100 (not for Mobile Europe)."""

    def make(n: int) -> list[Line]:
        return [make_line(options=[options["voice-national-100"], options["roaming-world-1gb"]]) for _ in range(n)]

    return make


def plan_later(actor: Actor, lines: list[Line], plan: TariffPlan) -> None:
    """A plan change planned for a later date, then made due today (as if that day came)."""
    lines_change_plan(actor=actor, lines=lines, plan=plan, on=today() + timedelta(days=7))
    ScheduledChange.objects.filter(line__in=lines).update(due_date=today())


def audit_inserts(queries: CaptureQueriesContext) -> int:
    return sum(1 for query in queries.captured_queries if query["sql"].startswith('INSERT INTO "core_auditevent"'))


def test_a_planned_change_of_many_lines_runs_as_one_bulk_action(
    manager_actor: Actor, on_start, plans: dict[str, TariffPlan]
) -> None:
    few, many = on_start(3), on_start(40)
    plan_later(manager_actor, few, plans["mobile-europe"])
    with CaptureQueriesContext(connection) as for_few:
        assert run_due_changes() == {"done": 3}
    plan_later(manager_actor, many, plans["mobile-europe"])
    with CaptureQueriesContext(connection) as for_many:
        assert run_due_changes() == {"done": 40}
    assert len(for_many) <= len(for_few) <= 30  # the same statements for 3 or 40 lines
    assert audit_inserts(for_many) == 1  # one audit row per line, in one INSERT
    requests = ProvisioningRequest.objects.filter(line__in=many)
    assert requests.count() == 40 and requests.values("batch").distinct().count() == 1  # one provisioning batch
    assert set(Line.objects.filter(pk__in=[line.pk for line in many]).values_list("plan__code", flat=True)) == {
        "mobile-europe"
    }
    assert not LineOption.objects.filter(line__in=many, option__code="voice-national-100").exists()  # R-F2
    events = AuditEvent.objects.filter(action="line.plan_changed", object_id__in=[str(line.pk) for line in many])
    assert events.count() == 40 and set(events.values_list("channel", flat=True)) == {Channel.JOB}
    changes = ScheduledChange.objects.filter(line__in=many)
    assert set(changes.values_list("status", flat=True)) == {Status.DONE}
    assert not changes.filter(executed_at=None).exists()


@pytest.mark.spec("R2")
def test_a_line_the_change_no_longer_applies_to_does_not_block_the_others(
    manager_actor: Actor, on_start, plans: dict[str, TariffPlan]
) -> None:
    lines = on_start(5)
    stopped, moved, *others = lines
    plan_later(manager_actor, lines, plans["mobile-europe"])
    Line.objects.filter(pk=stopped.pk).update(status=Line.Status.STOPPED)  # e.g. stopped by staff meanwhile
    Line.objects.filter(pk=moved.pk).update(plan=plans["mobile-europe"])  # already moved by hand

    assert run_due_changes() == {"done": 3, "failed": 2}

    def change_of(line: Line) -> ScheduledChange:
        return ScheduledChange.objects.get(line=line)

    assert change_of(stopped).status == Status.FAILED
    assert change_of(stopped).error == f"{display(stopped.msisdn)} is Stopped: its products cannot be changed."
    assert change_of(moved).status == Status.FAILED
    assert change_of(moved).error == "The selected lines already have the plan Mobile Europe."
    assert {change_of(line).status for line in others} == {Status.DONE}
    assert ProvisioningRequest.objects.filter(line__in=others).values("batch").distinct().count() == 1
    assert not ProvisioningRequest.objects.filter(line__in=[stopped, moved]).exists()
    assert run_due_changes() == {}  # failed changes are not retried on their own


@pytest.mark.spec("R2")
def test_a_plan_the_contract_no_longer_has_fails_every_change_with_the_reason(
    manager_actor: Actor, on_start, plans: dict[str, TariffPlan], catalogue
) -> None:
    lines = on_start(3)
    plan_later(manager_actor, lines, plans["mobile-europe"])
    ContractPlan.objects.filter(contract=catalogue, plan=plans["mobile-europe"]).delete()
    assert run_due_changes() == {"failed": 3}
    errors = set(ScheduledChange.objects.values_list("error", flat=True))
    assert errors == {"Your contract does not include the plan Mobile Europe."}
    assert set(Line.objects.values_list("plan__code", flat=True)) == {"mobile-start"}
    assert not ProvisioningRequest.objects.exists()


def test_activations_suspensions_and_reactivations_due_together_run_per_group(
    manager_actor: Actor, make_line: Callable[..., Line]
) -> None:
    pending = [make_line(status=Line.Status.PENDING) for _ in range(4)]
    active = [make_line() for _ in range(3)]
    suspended = [make_line(status=Line.Status.SUSPENDED) for _ in range(2)]
    later = today() + timedelta(days=2)
    line_activate(actor=manager_actor, lines=pending, on=later)
    lines_suspend(actor=manager_actor, lines=active, on=later, reason="lost phones")
    lines_reactivate(actor=manager_actor, lines=suspended, on=later)
    ScheduledChange.objects.update(due_date=today())

    assert run_due_changes() == {"done": 9}
    assert set(Line.objects.filter(pk__in=[line.pk for line in pending]).values_list("status", flat=True)) == {"active"}
    assert set(Line.objects.filter(pk__in=[line.pk for line in active]).values_list("status", flat=True)) == {
        "suspended"
    }
    assert set(Line.objects.filter(pk__in=[line.pk for line in suspended]).values_list("status", flat=True)) == {
        "active"
    }
    for operation, count in (("activate", 4), ("suspend", 3), ("reactivate", 2)):
        requests = ProvisioningRequest.objects.filter(operation=operation)
        assert requests.count() == count and requests.values("batch").distinct().count() == 1
    suspension = AuditEvent.objects.filter(action="line.suspend", channel=Channel.JOB)
    assert suspension.count() == 3 and {event.after["reason"] for event in suspension} == {"lost phones"}


def test_a_stop_due_before_a_plan_change_of_the_same_line_still_cancels_it(
    manager_actor: Actor, on_start, plans: dict[str, TariffPlan]
) -> None:
    leaving, staying = on_start(2)
    line_stop(actor=manager_actor, line=leaving, on=today() + timedelta(days=1))
    plan_later(manager_actor, [leaving, staying], plans["mobile-europe"])
    ScheduledChange.objects.update(due_date=today())

    assert run_due_changes() == {"done": 2}  # the stop and the staying line's plan change
    leaving.refresh_from_db()
    assert leaving.status == Line.Status.STOPPED and leaving.plan == plans["mobile-start"]
    assert ScheduledChange.objects.get(line=leaving, kind="plan").status == Status.CANCELLED
    assert Line.objects.get(pk=staying.pk).plan == plans["mobile-europe"]


def test_groups_keep_each_lines_changes_in_their_order() -> None:
    day = date(2026, 3, 30)
    due = [
        (1, 10, "suspend", day, {}),
        (2, 11, "suspend", day, {}),
        (3, 10, "reactivate", day, {}),
        (4, 12, "suspend", day, {}),
        (5, 10, "suspend", day, {}),  # after line 10's reactivation: a group of its own
        (6, 13, "plan", day, {"plan": "mobile-europe"}),
        (7, 14, "plan", day, {"plan": "mobile-start"}),  # other values: another group
        (8, 15, "plan", day + timedelta(days=1), {"plan": "mobile-europe"}),  # another day: another group
        (9, 16, "plan", day, {"plan": "mobile-europe"}),
    ]
    groups = group_due_changes(due)
    assert [(group.kind, group.change_ids) for group in groups] == [
        ("suspend", [1, 2, 4]),
        ("reactivate", [3]),
        ("suspend", [5]),
        ("plan", [6, 9]),
        ("plan", [7]),
        ("plan", [8]),
    ]
    sizes = [len(group.change_ids) for group in group_due_changes(due, size=2)]
    assert max(sizes) == 2 and sum(sizes) == len(due)


@pytest.mark.spec("R2")
def test_a_group_the_bulk_action_refuses_runs_one_by_one(
    manager_actor: Actor, on_start, plans: dict[str, TariffPlan], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal not sorted out before the bulk call (here: the sorting out switched off) still
    blocks only its own line: the group is run again change by change."""
    lines = on_start(3)
    plan_later(manager_actor, lines, plans["mobile-europe"])
    Line.objects.filter(pk=lines[0].pk).update(status=Line.Status.STOPPED)
    runner = due_jobs._RUNNERS[ScheduledChange.Kind.PLAN]
    monkeypatch.setitem(
        due_jobs._RUNNERS,
        ScheduledChange.Kind.PLAN,
        due_jobs._Runner(**{**runner.__dict__, "refusals": lambda lines, plan: {}}),
    )
    assert run_due_changes() == {"done": 2, "failed": 1}
    failed = ScheduledChange.objects.get(status=Status.FAILED)
    assert failed.line_id == lines[0].pk and "its products cannot be changed" in failed.error

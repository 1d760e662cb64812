"""Stopping many lines at once (F-26, DESIGN rule 4): all or none (R2), one audit row and one
domain event per line, the network asked in one batch, the same queries for 3 or 30 lines
(QUALITY P3); `line_stop` is its one-line case, and planned stops run grouped like the other
kinds of due changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.models import AuditEvent, Channel, DomainEvent
from fleetportal.core.phones import display
from fleetportal.fleet.actions import line_stop, lines_stop
from fleetportal.fleet.actions.jobs import run_due_changes
from fleetportal.fleet.models import Line, PoolNumber, ScheduledChange, SimCard
from fleetportal.fleet.tests.factories import PoolNumberFactory
from fleetportal.network.models import ProvisioningRequest

pytestmark = pytest.mark.spec("F-26")

Status = Line.Status


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def fleet(make_line: Callable[..., Line]) -> Callable[[int], list[Line]]:
    """`fleet(n)`: n lines on pool numbers, two in three ACTIVE (in the network), the rest
    PENDING (never reached it)."""
    serial = iter(range(10_000))

    def make(n: int) -> list[Line]:
        lines = []
        for k in range(n):
            pool = PoolNumberFactory.create(msisdn=f"+32499{next(serial):06d}", status=PoolNumber.Status.ASSIGNED)
            lines.append(make_line(msisdn=pool.msisdn, status=Status.PENDING if k % 3 == 2 else Status.ACTIVE))
        return lines

    return make


def statements(queries: CaptureQueriesContext, table: str) -> int:
    return sum(1 for query in queries.captured_queries if query["sql"].startswith(f'INSERT INTO "{table}"'))


@pytest.mark.spec("F-26", "P3")
def test_stopping_many_lines_costs_the_same_queries_as_a_few(
    manager_actor: Actor, fleet, django_assert_max_num_queries
) -> None:
    few, many = fleet(3), fleet(30)
    with CaptureQueriesContext(connection) as for_few:
        lines_stop(actor=manager_actor, lines=few)
    with django_assert_max_num_queries(len(for_few)) as for_many:
        lines_stop(actor=manager_actor, lines=many)
    assert statements(for_many, "core_auditevent") == statements(for_many, "core_domainevent") == 1
    assert statements(for_many, "network_provisioningrequest") == 1
    assert set(Line.objects.filter(pk__in=[line.pk for line in many]).values_list("status", flat=True)) == {
        Status.STOPPED
    }
    requests = ProvisioningRequest.objects.filter(line__in=many)
    assert requests.count() == 20 and requests.values("batch").distinct().count() == 1


@pytest.mark.spec("F-26", "R2")
def test_one_line_that_cannot_be_stopped_stops_none(manager_actor: Actor, fleet, make_line) -> None:
    lines = fleet(4)
    stopped = make_line(status=Status.STOPPED)
    planned = ScheduledChange.objects.create(line=lines[0], kind="suspend", due_date=today())
    with pytest.raises(ActionError) as refused:
        lines_stop(actor=manager_actor, lines=[*lines, stopped])
    assert refused.value.field == "lines"
    assert str(refused.value.message) == f"{display(stopped.msisdn)} is Stopped already."
    # As the single-line action says it.
    with pytest.raises(ActionError) as alone:
        line_stop(actor=manager_actor, line=stopped, on=today())
    assert str(alone.value.message) == str(refused.value.message)

    assert set(Line.objects.filter(pk__in=[line.pk for line in lines]).values_list("status", flat=True)) == {
        Status.ACTIVE,
        Status.PENDING,
    }
    assert set(SimCard.objects.filter(lines__in=lines).values_list("status", flat=True)) == {SimCard.Status.IN_USE}
    assert set(PoolNumber.objects.values_list("status", flat=True)) == {PoolNumber.Status.ASSIGNED}
    assert not ProvisioningRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="line.stopped").exists()
    assert not DomainEvent.objects.filter(name="line.stopped").exists()
    planned.refresh_from_db()
    assert planned.status == ScheduledChange.Status.SCHEDULED


@pytest.mark.spec("F-26", "R2")
def test_a_line_changed_meanwhile_stops_none(manager_actor: Actor, fleet) -> None:
    lines = fleet(3)
    seen = {line.pk: line.version for line in lines}
    Line.objects.filter(pk=lines[1].pk).update(version=seen[lines[1].pk] + 1)  # someone else's edit
    with pytest.raises(ActionError) as refused:
        lines_stop(actor=manager_actor, lines=lines, expected_versions=seen)
    assert refused.value.code == "conflict" and display(lines[1].msisdn) in str(refused.value.message)
    assert not Line.objects.filter(status=Status.STOPPED).exists()


def test_each_stopped_line_gets_its_audit_row_event_and_network_request(manager_actor: Actor, fleet) -> None:
    lines = fleet(6)
    live = [line for line in lines if line.status == Status.ACTIVE]
    never = [line for line in lines if line.status == Status.PENDING]
    lines_stop(actor=manager_actor, lines=lines)

    for line in lines:
        line.refresh_from_db()
        assert line.status == Status.STOPPED and line.stopped_at is not None and not line.transferred_to_private
        audit = AuditEvent.objects.get(action="line.stopped", object_id=str(line.pk))
        assert audit.before == {"status": Status.ACTIVE if line in live else Status.PENDING, "iccid": line.sim.iccid}
        assert audit.after == {"status": Status.STOPPED, "transfer_to_private": False}
        assert audit.channel == Channel.WEB
        event = DomainEvent.objects.get(name="line.stopped", object_id=str(line.pk))
        assert event.data == audit.after and event.customer_id == line.customer_id
    # In the network: card retired, number quarantined, the network told; else given back.
    assert {line.sim.status for line in live} == {SimCard.Status.RETIRED}
    assert {line.sim.status for line in never} == {SimCard.Status.BLANK}
    numbers = dict(PoolNumber.objects.values_list("msisdn", "status"))
    assert {numbers[line.msisdn] for line in live} == {PoolNumber.Status.QUARANTINE}
    assert {numbers[line.msisdn] for line in never} == {PoolNumber.Status.FREE}
    requests = {request.line_id: request for request in ProvisioningRequest.objects.all()}
    assert set(requests) == {line.pk for line in live}
    assert {request.operation for request in requests.values()} == {"stop"}
    assert all(requests[line.pk].payload == {"msisdn": line.msisdn, "transfer_to_private": False} for line in live)
    assert {line.network_state for line in live} == {Line.NetworkState.PENDING}


def test_handing_many_numbers_over_frees_none_and_plans_a_later_stop_per_line(manager_actor: Actor, fleet) -> None:
    now_lines, later_lines = fleet(3), fleet(3)
    lines_stop(actor=manager_actor, lines=now_lines, transfer_to_private=True)
    assert set(PoolNumber.objects.values_list("status", flat=True)) == {PoolNumber.Status.ASSIGNED}
    assert set(
        Line.objects.filter(pk__in=[line.pk for line in now_lines]).values_list("transferred_to_private", flat=True)
    ) == {True}

    later = today() + timedelta(days=14)
    lines_stop(actor=manager_actor, lines=later_lines, on=later, transfer_to_private=True)
    changes = ScheduledChange.objects.filter(line__in=later_lines)
    assert changes.count() == 3
    assert {(c.kind, c.due_date, c.status) for c in changes} == {("stop", later, ScheduledChange.Status.SCHEDULED)}
    assert {tuple(c.payload.items()) for c in changes} == {(("transfer_to_private", True),)}
    assert not Line.objects.filter(pk__in=[line.pk for line in later_lines], status=Status.STOPPED).exists()


# --- planned stops, run by the due-changes job --------------------------------------------------------


def plan_stops(actor: Actor, lines: list[Line], *, transfer: bool = False) -> None:
    lines_stop(actor=actor, lines=lines, on=today() + timedelta(days=7), transfer_to_private=transfer)
    ScheduledChange.objects.filter(line__in=lines, kind="stop").update(due_date=today())  # the day came


@pytest.mark.spec("F-26", "P3")
def test_planned_stops_run_as_one_bulk_action_per_outcome(
    manager_actor: Actor, fleet, django_assert_max_num_queries
) -> None:
    few = fleet(3)
    plan_stops(manager_actor, few)
    with CaptureQueriesContext(connection) as for_few:
        assert run_due_changes() == {"done": 3}

    ending, handing_over = fleet(30), fleet(12)
    plan_stops(manager_actor, ending)
    plan_stops(manager_actor, handing_over, transfer=True)
    with django_assert_max_num_queries(2 * len(for_few)) as for_many:  # two groups: ended, handed over
        assert run_due_changes() == {"done": 42}
    assert statements(for_many, "core_auditevent") == 2  # one per group, not per line

    def stopped(lines: list[Line]) -> set[tuple[str, bool]]:
        ids = [line.pk for line in lines]
        return set(Line.objects.filter(pk__in=ids).values_list("status", "transferred_to_private"))

    assert stopped(ending) == {(Status.STOPPED, False)} and stopped(handing_over) == {(Status.STOPPED, True)}
    for lines in (ending, handing_over):
        requests = ProvisioningRequest.objects.filter(line__in=lines, operation="stop")
        assert requests.count() == len([line for line in lines if line.status == Status.ACTIVE])
        assert requests.values("batch").distinct().count() == 1
    events = AuditEvent.objects.filter(action="line.stopped", channel=Channel.JOB)
    assert events.count() == 45
    assert set(ScheduledChange.objects.values_list("status", flat=True)) == {ScheduledChange.Status.DONE}


@pytest.mark.spec("F-26", "R2")
def test_a_planned_stop_of_a_line_stopped_meanwhile_fails_alone_with_the_actions_reason(
    manager_actor: Actor, fleet
) -> None:
    lines = fleet(4)
    plan_stops(manager_actor, lines)
    gone = lines[0]
    Line.objects.filter(pk=gone.pk).update(status=Status.STOPPED)  # stopped by staff meanwhile

    assert run_due_changes() == {"done": 3, "failed": 1}
    failed = ScheduledChange.objects.get(line=gone)
    gone.refresh_from_db()
    with pytest.raises(ActionError) as refused:
        line_stop(actor=manager_actor, line=gone, on=today())
    assert failed.status == ScheduledChange.Status.FAILED and failed.error == str(refused.value.message)
    assert not ProvisioningRequest.objects.filter(line=gone).exists()
    assert set(Line.objects.filter(pk__in=[line.pk for line in lines[1:]]).values_list("status", flat=True)) == {
        Status.STOPPED
    }

"""A network that refuses, times out or cannot be reached: the line shows "failed, retry"
and a retry sends the change again (R4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent
from fleetportal.core.tasks import sweep_outbox as sweep_provisioning
from fleetportal.fleet.actions import provisioning_retry
from fleetportal.fleet.models import Line
from fleetportal.fleet.provisioning import request_provisioning
from fleetportal.network.actions import simulator_rule_add
from fleetportal.network.delivery import TIMEOUT, due_request_ids, expire_unanswered, record_answer
from fleetportal.network.models import ProvisioningRequest, SimulatorRule
from fleetportal.network.tasks import SIMULATED_REFUSAL

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-94", "R4")]

Status = ProvisioningRequest.Status
State = Line.NetworkState


@pytest.fixture
def provision(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Request a change and run the jobs it queues, as the worker would."""

    def run(lines: list[Line], operation: str = "suspend", **payload: object) -> list[ProvisioningRequest]:
        with django_capture_on_commit_callbacks(execute=True):
            requests = request_provisioning(lines=lines, operation=operation, payload=payload)
        for request in requests:
            request.refresh_from_db()
        return requests

    return run


def state(line: Line) -> str:
    line.refresh_from_db()
    return line.network_state


def test_fail_rule_per_number_fails_the_request_and_the_line(make_lines, provision) -> None:
    refused, fine = make_lines(2)
    SimulatorRule.objects.create(msisdn=refused.msisdn, outcome=SimulatorRule.Outcome.FAIL)
    bad, good = provision([refused, fine])
    assert (bad.status, bad.error) == (Status.FAILED, SIMULATED_REFUSAL)
    assert good.status == Status.DONE
    assert (state(refused), state(fine)) == (State.FAILED, State.IN_SYNC)


def test_fail_setting_per_operation(make_lines, provision, settings) -> None:
    settings.NETWORK_SIMULATOR_FAIL = ["plan"]
    (line,) = make_lines(1)
    (suspend,) = provision([line], "suspend")
    (plan,) = provision([line], "plan", plan="pro")
    assert (suspend.status, plan.status) == (Status.DONE, Status.FAILED)
    assert state(line) == State.FAILED


def test_retry_sends_the_failed_change_again_and_audits(
    make_lines, provision, manager, actor_for, django_capture_on_commit_callbacks
) -> None:
    (line,) = make_lines(1)
    rule = SimulatorRule.objects.create(operation="plan", outcome=SimulatorRule.Outcome.FAIL)
    (failed,) = provision([line], "plan", plan="pro")
    assert state(line) == State.FAILED
    rule.delete()  # the network is repaired

    with django_capture_on_commit_callbacks(execute=True):
        retried = provisioning_retry(actor=actor_for(manager), line=line)
    retried.refresh_from_db()
    assert (retried.operation, retried.payload, retried.status) == ("plan", {"plan": "pro"}, Status.DONE)
    assert retried.idempotency_key != failed.idempotency_key
    assert state(line) == State.IN_SYNC
    event = AuditEvent.objects.get(action="network.retry")
    assert (event.object_id, event.customer_id, event.actor_id) == (str(line.pk), line.customer_id, manager.pk)
    assert event.before["request"] == failed.pk and event.after["request"] == retried.pk

    with pytest.raises(ActionError) as nothing_left:
        provisioning_retry(actor=actor_for(manager), line=line)
    assert nothing_left.value.code == "conflict"


def test_retry_picks_the_failure_not_yet_retried(make_lines, provision, manager, actor_for, settings) -> None:
    """Two changes failed: each retry sends one of them, the line stays failed until both went through."""
    settings.NETWORK_SIMULATOR_FAIL = ["plan", "blocks"]
    (line,) = make_lines(1)
    provision([line], "plan")
    provision([line], "blocks")
    first = provisioning_retry(actor=actor_for(manager), line=line)  # still failing: nothing sent yet
    second = provisioning_retry(actor=actor_for(manager), line=line)
    assert {first.operation, second.operation} == {"plan", "blocks"}


def test_only_fleet_managers_of_the_line_or_staff_may_retry(
    make_lines, provision, member, billing_manager, other_holder, staff, actor_for
) -> None:
    (line,) = make_lines(1)
    SimulatorRule.objects.create(msisdn=line.msisdn, outcome=SimulatorRule.Outcome.FAIL)
    provision([line])
    for user in (member, billing_manager, other_holder):
        with pytest.raises(PermissionDeniedError):
            provisioning_retry(actor=actor_for(user), line=line)
    assert ProvisioningRequest.objects.count() == 1
    assert not AuditEvent.objects.filter(action="network.retry").exists()
    provisioning_retry(actor=actor_for(staff), line=line)
    assert ProvisioningRequest.objects.count() == 2


def test_timeout_is_marked_failed_by_the_expiry_job(make_lines, provision, settings, worker) -> None:
    settings.NETWORK_SIMULATOR_TIMEOUT = ["suspend"]
    (line,) = make_lines(1)
    (request,) = provision([line], "suspend")
    assert request.status == Status.SENT and state(line) == State.PENDING
    assert expire_unanswered() == 0  # still within NETWORK_TIMEOUT_SECONDS

    ProvisioningRequest.objects.update(sent_at=timezone.now() - timedelta(seconds=settings.NETWORK_TIMEOUT_SECONDS))
    with worker():
        assert expire_unanswered() == 1
    request.refresh_from_db()
    assert (request.status, request.error) == (Status.FAILED, TIMEOUT)
    assert state(line) == State.FAILED
    assert expire_unanswered() == 0


def test_late_success_after_a_timeout_is_taken_a_late_refusal_is_not(make_lines, provision, worker) -> None:
    late, refused = make_lines(2)
    SimulatorRule.objects.create(operation="stop", outcome=SimulatorRule.Outcome.TIMEOUT)
    requests = provision([late, refused], "stop")
    ProvisioningRequest.objects.update(sent_at=timezone.now() - timedelta(days=1))
    with worker():
        expire_unanswered()
        assert record_answer(requests[0].pk, ok=True) == Status.DONE
        assert record_answer(requests[1].pk, ok=False, error="no") is None
    assert (state(late), state(refused)) == (State.IN_SYNC, State.FAILED)


def test_timeout_rule_from_the_back_office(make_lines, provision, staff, actor_for) -> None:
    (line,) = make_lines(1)
    simulator_rule_add(actor=actor_for(staff), msisdn=line.msisdn, operation="", outcome="timeout")
    (request,) = provision([line], "activate")
    assert request.status == Status.SENT


def test_unreachable_network_is_retried_with_backoff_then_failed(make_lines, provision, settings, worker) -> None:
    settings.NETWORK_ADAPTER = "fleetportal.network.tests.conftest.FlakyAdapter"
    settings.NETWORK_MAX_ATTEMPTS = 2
    (line,) = make_lines(1)
    before = timezone.now()
    (request,) = provision([line])
    assert (request.status, request.attempts) == (Status.PENDING, 1)
    assert "connection refused" in request.error
    assert request.next_attempt_at >= before + timedelta(seconds=30)
    assert due_request_ids() == [] and state(line) == State.PENDING

    ProvisioningRequest.objects.update(next_attempt_at=timezone.now())
    with worker():
        sweep_provisioning()
    request.refresh_from_db()
    assert (request.status, request.attempts) == (Status.FAILED, 2)
    assert state(line) == State.FAILED


def test_refusal_by_the_adapter_fails_at_once(make_lines, provision, settings) -> None:
    settings.NETWORK_ADAPTER = "fleetportal.network.tests.conftest.RefusingAdapter"
    (line,) = make_lines(1)
    (request,) = provision([line])
    assert (request.status, request.attempts) == (Status.FAILED, 1)
    assert "unknown subscriber" in request.error and state(line) == State.FAILED


@pytest.mark.parametrize(
    ("msisdn", "operation", "outcome", "field"),
    [("", "", "fail", "msisdn"), ("", "teleport", "fail", "operation"), ("", "plan", "explode", "outcome")],
)
def test_simulator_rule_is_checked(staff, actor_for, msisdn, operation, outcome, field) -> None:
    with pytest.raises(ActionError) as error:
        simulator_rule_add(actor=actor_for(staff), msisdn=msisdn, operation=operation, outcome=outcome)
    assert error.value.field == field
    assert not SimulatorRule.objects.exists()


def test_only_staff_set_simulator_rules(holder, actor_for) -> None:
    with pytest.raises(PermissionDeniedError):
        simulator_rule_add(actor=actor_for(holder), msisdn="", operation="plan", outcome="fail")

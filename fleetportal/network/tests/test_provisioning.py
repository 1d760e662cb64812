"""Requests written with the business change, sent after commit, answered, swept (F-94, R1, R4)."""

from __future__ import annotations

from datetime import timedelta
from math import ceil

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fleetportal.core import events
from fleetportal.core.tasks import sweep_outbox as sweep_provisioning
from fleetportal.fleet.models import Line
from fleetportal.fleet.provisioning import request_provisioning
from fleetportal.network.delivery import due_request_ids
from fleetportal.network.events import PROVISIONING_DONE
from fleetportal.network.models import ProvisioningRequest
from fleetportal.network.tasks import simulator_answer

pytestmark = [pytest.mark.django_db]

Status = ProvisioningRequest.Status
State = Line.NetworkState


@pytest.mark.spec("F-94", "R1")
def test_request_is_written_in_the_transaction_and_a_rollback_sends_nothing(
    make_lines, sent_keys, django_capture_on_commit_callbacks
) -> None:
    lines = make_lines(2)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        request_provisioning(lines=lines, operation="suspend")
        assert ProvisioningRequest.objects.filter(line__in=lines).count() == 2
        assert set(Line.objects.values_list("network_state", flat=True)) == {State.PENDING}
        raise RuntimeError("the business change failed")
    assert callbacks == []
    assert sent_keys == []
    assert not ProvisioningRequest.objects.exists()
    assert set(Line.objects.values_list("network_state", flat=True)) == {State.IN_SYNC}


@pytest.mark.spec("F-94", "R4")
def test_request_is_sent_then_answered_and_the_line_in_sync(
    make_lines, settings, django_capture_on_commit_callbacks
) -> None:
    settings.NETWORK_SIMULATOR_DELAY_SECONDS = 2  # the answer comes later, from another job
    (line,) = make_lines(1)
    with django_capture_on_commit_callbacks(execute=True):
        (request,) = request_provisioning(lines=[line], operation="plan", payload={"plan": "pro"})
    assert line.network_state == State.PENDING  # the caller's object is kept up to date
    request.refresh_from_db()
    assert (request.status, request.attempts, request.payload) == (Status.SENT, 1, {"plan": "pro"})
    assert request.sent_at is not None
    line.refresh_from_db()
    assert line.network_state == State.PENDING

    with django_capture_on_commit_callbacks(execute=True):  # the worker runs the consumers
        simulator_answer(request.pk, True)
    request.refresh_from_db()
    line.refresh_from_db()
    assert request.status == Status.DONE and request.answered_at is not None
    assert line.network_state == State.IN_SYNC
    assert line.version == 1  # a network round trip is not a business change (R2 stays quiet)


@pytest.mark.spec("F-94", "R4")
def test_line_stays_pending_while_another_request_waits(
    make_lines, settings, django_capture_on_commit_callbacks
) -> None:
    settings.NETWORK_SIMULATOR_DELAY_SECONDS = 2
    (line,) = make_lines(1)
    with django_capture_on_commit_callbacks(execute=True):
        (first,) = request_provisioning(lines=[line], operation="suspend")
        (second,) = request_provisioning(lines=[line], operation="blocks", payload={"roaming": False})
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs the consumers
        simulator_answer(first.pk, True)
    line.refresh_from_db()
    assert line.network_state == State.PENDING
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs the consumers
        simulator_answer(second.pk, True)
    line.refresh_from_db()
    assert line.network_state == State.IN_SYNC


@pytest.mark.spec("F-94")
def test_payload_for_gives_each_line_its_own_payload(make_lines, django_capture_on_commit_callbacks) -> None:
    lines = make_lines(3)
    with django_capture_on_commit_callbacks(execute=True):
        request_provisioning(lines=lines, operation="swap", payload={"x": 1}, payload_for=lambda li: {"to": li.msisdn})
    requests = ProvisioningRequest.objects.order_by("line_id")
    assert [r.payload for r in requests] == [{"to": li.msisdn} for li in sorted(lines, key=lambda li: li.pk)]
    assert {r.status for r in requests} == {Status.DONE}
    assert set(Line.objects.values_list("network_state", flat=True)) == {State.IN_SYNC}


@pytest.mark.spec("F-94")
def test_unknown_operation_is_a_programming_error(make_lines) -> None:
    with pytest.raises(ValueError, match="teleport"):
        request_provisioning(lines=make_lines(1), operation="teleport")
    assert not ProvisioningRequest.objects.exists()


@pytest.mark.spec("F-94", "R1", "P3")
def test_bulk_of_2000_lines_costs_a_constant_number_of_queries(
    make_lines, django_assert_max_num_queries, django_capture_on_commit_callbacks
) -> None:
    lines = make_lines(2000)
    objs = [ProvisioningRequest(line=lines[0], next_attempt_at=timezone.now())]
    fields = [f for f in ProvisioningRequest._meta.concrete_fields if not f.primary_key]
    # The only part that grows is the INSERT, which the backend splits at its parameter limit
    # (SQLite: 999 parameters per statement in Django 5.2; PostgreSQL: one statement).
    insert_batches = ceil(len(lines) / connection.ops.bulk_batch_size(fields, objs * len(lines)))
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        django_assert_max_num_queries(3 + insert_batches) as captured,
    ):
        requests = request_provisioning(lines=lines, operation="plan", payload={"plan": "pro"})
    others = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("INSERT")]
    assert len(others) <= 3, others  # savepoint, one UPDATE of the lines, release
    assert len(callbacks) == 1  # one delivery job for the whole batch
    assert len(requests) == 2000 and all(r.pk for r in requests)
    assert Line.objects.filter(network_state=State.PENDING).count() == 2000


@pytest.mark.spec("R1")
def test_idempotency_keys_are_unique(make_lines) -> None:
    requests = request_provisioning(lines=make_lines(50), operation="activate")
    keys = {r.idempotency_key for r in requests}
    assert len(keys) == 50 and all(len(k) == 32 for k in keys)
    first = requests[0]
    duplicate = ProvisioningRequest(
        line=first.line, operation="activate", idempotency_key=first.idempotency_key, next_attempt_at=timezone.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


@pytest.mark.spec("R1")
def test_request_left_pending_by_a_killed_worker_is_sent_once_by_the_sweep(
    make_lines, settings, sent_keys, django_capture_on_commit_callbacks
) -> None:
    (line,) = make_lines(1)
    settings.NETWORK_ADAPTER = "fleetportal.network.tests.conftest.CrashingAdapter"
    with django_capture_on_commit_callbacks(execute=True):  # the worker is killed mid-send
        (request,) = request_provisioning(lines=[line], operation="suspend")
    request.refresh_from_db()
    assert (request.status, request.attempts) == (Status.PENDING, 1)
    assert due_request_ids() == []  # leased by the killed worker: no one else takes it yet
    ProvisioningRequest.objects.filter(pk=request.pk).update(next_attempt_at=timezone.now())  # the lease ran out

    settings.NETWORK_ADAPTER = "fleetportal.network.tests.conftest.RecordingAdapter"
    with django_capture_on_commit_callbacks(execute=True):
        sweep_provisioning()
    with django_capture_on_commit_callbacks(execute=True):
        sweep_provisioning()
    request.refresh_from_db()
    line.refresh_from_db()
    assert sent_keys == [request.idempotency_key]
    assert request.status == Status.DONE and line.network_state == State.IN_SYNC


@pytest.mark.spec("R1")
def test_sweep_leaves_requests_that_are_not_due(make_lines, sent_keys) -> None:
    (request,) = request_provisioning(lines=make_lines(1), operation="suspend")  # job lost: never run
    ProvisioningRequest.objects.filter(pk=request.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    assert due_request_ids() == []
    sweep_provisioning()
    assert sent_keys == []


@pytest.mark.spec("F-94")
def test_done_events_reach_their_consumers_once_on_success_only(
    make_lines, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr(events, "_consumers", {})
    seen: list[tuple[str, int]] = []
    events.consumer(PROVISIONING_DONE, name="test.seen")(
        lambda batch: seen.extend((e.data["operation"], e.data["line_id"]) for e in batch)
    )
    settings.NETWORK_SIMULATOR_FAIL = ["+32470999999"]
    ok, refused = make_lines(2)
    Line.objects.filter(pk=refused.pk).update(msisdn="+32470999999")
    refused.msisdn = "+32470999999"
    with django_capture_on_commit_callbacks(execute=True):
        request_provisioning(lines=[ok, refused], operation="port_in")
        request_provisioning(lines=[ok], operation="suspend")
    assert sorted(seen) == [("port_in", ok.pk), ("suspend", ok.pk)]


@pytest.mark.spec("F-94")
def test_port_in_is_answered_after_the_donor_delay(make_lines, settings, django_capture_on_commit_callbacks) -> None:
    settings.NETWORK_SIMULATOR_PORT_IN_SECONDS = 10
    (line,) = make_lines(1)
    with django_capture_on_commit_callbacks(execute=True):
        (port_in,) = request_provisioning(lines=[line], operation="port_in")
        (plan,) = request_provisioning(lines=[line], operation="plan")
    port_in.refresh_from_db()
    plan.refresh_from_db()
    assert (port_in.status, plan.status) == (Status.SENT, Status.DONE)
    line.refresh_from_db()
    assert line.network_state == State.PENDING

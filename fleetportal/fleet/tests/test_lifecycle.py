"""SIM swap (F-24), suspend/reactivate of many lines (F-25), stopping a number or handing it
over to the employee (F-26). All or nothing; a broken rule names the field and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent
from fleetportal.fleet.actions import line_activate, line_stop, lines_reactivate, lines_suspend, sim_swap
from fleetportal.fleet.models import Line, PoolNumber, ScheduledChange, SimCard
from fleetportal.fleet.tests.factories import PoolNumberFactory, SimCardFactory, make_iccid
from fleetportal.network.models import ProvisioningRequest
from fleetportal.notifications.models import OutboxMessage

Status = Line.Status


def today():
    return timezone.localdate()


# --- SIM swap (F-24) ------------------------------------------------------------------------------


@pytest.mark.spec("F-24")
def test_a_swap_retires_the_old_card_and_tells_the_network(manager_actor: Actor, make_line, blank_sim) -> None:
    line = make_line()
    old, new = line.sim, blank_sim()
    sim_swap(actor=manager_actor, line=line, new_iccid=" ".join([new.iccid[:4], new.iccid[4:]]))
    line.refresh_from_db()
    old.refresh_from_db()
    new.refresh_from_db()
    assert line.sim == new and line.version == 2
    assert (old.status, new.status) == (SimCard.Status.RETIRED, SimCard.Status.IN_USE)
    request = ProvisioningRequest.objects.get(line=line)
    assert request.operation == "swap" and request.payload["old_iccid"] == old.iccid
    assert request.payload["iccid"] == new.iccid
    event = AuditEvent.objects.get(action="line.sim_swapped")
    assert (event.before["iccid"], event.after["iccid"]) == (old.iccid, new.iccid)


@pytest.mark.spec("F-24", "F-23")
def test_a_swap_to_an_esim_sends_its_activation_mail(manager_actor: Actor, make_line, customer) -> None:
    line = make_line(email="an@example.com")
    esim = SimCardFactory.create(customer=None, esim=True)
    sim_swap(actor=manager_actor, line=line, new_iccid=esim.iccid)
    assert esim.activation_code in OutboxMessage.objects.get(recipient="an@example.com").body


@pytest.mark.spec("F-24", "R3")
def test_a_bad_or_busy_card_is_refused_and_nothing_changes(manager_actor: Actor, make_line, other_customer) -> None:
    line = make_line()
    busy = make_line().sim
    cases = [make_iccid(5)[:-1] + "x", busy.iccid, SimCardFactory.create(customer=other_customer).iccid]
    for iccid in cases:
        with pytest.raises(ActionError) as refused:
            sim_swap(actor=manager_actor, line=line, new_iccid=iccid)
        assert refused.value.field == "new_iccid"
    line.refresh_from_db()
    assert line.sim.status == SimCard.Status.IN_USE and line.version == 1
    assert not ProvisioningRequest.objects.exists()


@pytest.mark.spec("F-24", "R2")
def test_a_swap_built_on_an_old_version_is_refused(manager_actor: Actor, make_line, blank_sim) -> None:
    line = make_line()
    Line.objects.filter(pk=line.pk).update(version=2)  # someone else changed it meanwhile
    with pytest.raises(ActionError) as refused:
        sim_swap(actor=manager_actor, line=line, new_iccid=blank_sim().iccid, version=1)
    assert refused.value.code == "conflict" and "changed meanwhile" in str(refused.value.message)
    assert not SimCard.objects.filter(status=SimCard.Status.IN_USE).exclude(pk=line.sim_id).exists()


@pytest.mark.spec("F-24", "S1")
def test_another_customer_cannot_swap(other_actor: Actor, make_line, blank_sim) -> None:
    line = make_line()
    with pytest.raises(PermissionDeniedError):
        sim_swap(actor=other_actor, line=line, new_iccid=SimCardFactory.create(customer=None).iccid)


# --- suspend / reactivate (F-25) ------------------------------------------------------------------


@pytest.mark.spec("F-25")
def test_suspend_and_reactivate_many_lines(manager_actor: Actor, make_line) -> None:
    lines = [make_line() for _ in range(3)]
    lines_suspend(actor=manager_actor, lines=lines, reason="lost phones")
    assert set(Line.objects.values_list("status", flat=True)) == {Status.SUSPENDED}
    assert ProvisioningRequest.objects.filter(operation="suspend").count() == 3
    event = AuditEvent.objects.filter(action="line.suspend").order_by("pk")[0]
    assert event.before == {"status": "active"} and event.after == {"status": "suspended", "reason": "lost phones"}

    lines_reactivate(actor=manager_actor, lines=list(Line.objects.all()))
    assert set(Line.objects.values_list("status", flat=True)) == {Status.ACTIVE}
    assert ProvisioningRequest.objects.filter(operation="reactivate").count() == 3


@pytest.mark.spec("F-25", "R2")
def test_one_line_in_the_wrong_status_refuses_the_whole_selection(manager_actor: Actor, make_line) -> None:
    active = make_line()
    pending = make_line(status=Status.PENDING, msisdn="+32470777777")
    with pytest.raises(ActionError) as refused:
        lines_suspend(actor=manager_actor, lines=[active, pending])
    assert "+32 470 77 77 77" in str(refused.value.message)
    active.refresh_from_db()
    assert active.status == Status.ACTIVE and not ProvisioningRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="line.suspend").exists()


@pytest.mark.spec("F-25", "R2")
def test_a_stale_selection_is_refused(manager_actor: Actor, make_line) -> None:
    lines = [make_line(), make_line()]
    versions = {line.pk: line.version for line in lines}
    Line.objects.filter(pk=lines[1].pk).update(description="edited", version=5)
    with pytest.raises(ActionError) as refused:
        lines_suspend(actor=manager_actor, lines=lines, expected_versions=versions)
    assert refused.value.code == "conflict"
    assert not Line.objects.filter(status=Status.SUSPENDED).exists()


@pytest.mark.spec("F-25")
def test_a_suspension_planned_for_later(manager_actor: Actor, make_line) -> None:
    line = make_line()
    lines_suspend(actor=manager_actor, lines=[line], on=today() + timedelta(days=7))
    line.refresh_from_db()
    assert line.status == Status.ACTIVE
    assert ScheduledChange.objects.get(line=line).kind == "suspend"


# --- stop / hand over (F-26) ----------------------------------------------------------------------


@pytest.mark.spec("F-26")
def test_stopping_today_retires_the_card_and_quarantines_the_number(manager_actor: Actor, make_line) -> None:
    pool = PoolNumberFactory.create(status=PoolNumber.Status.ASSIGNED)
    line = make_line(msisdn=pool.msisdn)
    later = today() + timedelta(days=9)
    lines_suspend(actor=manager_actor, lines=[line], on=later)
    line_stop(actor=manager_actor, line=line, on=today())
    line.refresh_from_db()
    pool.refresh_from_db()
    assert line.status == Status.STOPPED and line.stopped_at is not None and not line.transferred_to_private
    assert line.sim.status == SimCard.Status.RETIRED
    assert pool.status == PoolNumber.Status.QUARANTINE and pool.released_at is not None
    assert ProvisioningRequest.objects.get(line=line).operation == "stop"
    # What was planned for the line goes with it.
    assert ScheduledChange.objects.get(line=line).status == "cancelled"


@pytest.mark.spec("F-26")
def test_handing_the_number_over_frees_nothing(manager_actor: Actor, make_line) -> None:
    pool = PoolNumberFactory.create(status=PoolNumber.Status.ASSIGNED)
    line = make_line(msisdn=pool.msisdn)
    line_stop(actor=manager_actor, line=line, on=today(), transfer_to_private=True)
    line.refresh_from_db()
    pool.refresh_from_db()
    assert line.status == Status.STOPPED and line.transferred_to_private
    assert pool.status == PoolNumber.Status.ASSIGNED
    request = ProvisioningRequest.objects.get(line=line)
    assert request.payload["transfer_to_private"] is True
    assert AuditEvent.objects.get(action="line.stopped").after["transfer_to_private"] is True


@pytest.mark.spec("F-26")
def test_stopping_a_line_that_never_went_live_gives_card_and_number_back(manager_actor: Actor, make_line) -> None:
    pool = PoolNumberFactory.create(status=PoolNumber.Status.ASSIGNED)
    line = make_line(msisdn=pool.msisdn, status=Status.PENDING)
    line_stop(actor=manager_actor, line=line, on=today())
    line.sim.refresh_from_db()
    pool.refresh_from_db()
    assert line.sim.status == SimCard.Status.BLANK and pool.status == PoolNumber.Status.FREE
    assert not ProvisioningRequest.objects.exists()


@pytest.mark.spec("F-26", "R3")
def test_a_stop_on_a_later_date_is_planned_and_a_past_date_refused(manager_actor: Actor, make_line) -> None:
    line = make_line()
    with pytest.raises(ActionError) as refused:
        line_stop(actor=manager_actor, line=line, on=today() - timedelta(days=1))
    assert refused.value.field == "date"
    line_stop(actor=manager_actor, line=line, on=today() + timedelta(days=30), transfer_to_private=True)
    line.refresh_from_db()
    assert line.status == Status.ACTIVE
    change = ScheduledChange.objects.get(line=line)
    assert change.kind == "stop" and change.payload == {"transfer_to_private": True}


@pytest.mark.spec("F-26")
def test_a_stopped_line_cannot_be_stopped_or_changed_again(manager_actor: Actor, make_line, blank_sim) -> None:
    line = make_line(status=Status.STOPPED)
    with pytest.raises(ActionError):
        line_stop(actor=manager_actor, line=line, on=today())
    with pytest.raises(ActionError):
        sim_swap(actor=manager_actor, line=line, new_iccid=blank_sim().iccid)
    with pytest.raises(ActionError):
        line_activate(actor=manager_actor, lines=[line], on=today())

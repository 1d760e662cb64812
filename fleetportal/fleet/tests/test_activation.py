"""Activation on a date (F-22), the port-in completed by the network, the eSIM activation
e-mail (F-23), and the changes planned for a date: cancellable, run by the periodic job."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, Channel
from fleetportal.fleet.actions import line_activate, lines_suspend, schedule_cancel
from fleetportal.fleet.actions.jobs import run_due_changes
from fleetportal.fleet.esim import qr_png
from fleetportal.fleet.models import Line, ScheduledChange, SimCard
from fleetportal.fleet.tasks import run_due_changes as periodic_task
from fleetportal.fleet.tests.factories import SimCardFactory
from fleetportal.network.models import ProvisioningRequest
from fleetportal.notifications.models import OutboxMessage

pytestmark = pytest.mark.spec("F-22")

Status = Line.Status


def today():
    return timezone.localdate()


@pytest.fixture
def pending(make_line: Callable[..., Line]) -> Callable[..., Line]:
    def make(**kwargs) -> Line:
        kwargs.setdefault("status", Status.PENDING)
        return make_line(**kwargs)

    return make


def test_activation_today_provisions_at_once(manager_actor: Actor, pending) -> None:
    lines = [pending(), pending()]
    result = line_activate(actor=manager_actor, lines=lines, on=today())
    assert result.scheduled is False and result.on == today()
    for line in lines:
        line.refresh_from_db()
        assert line.status == Status.ACTIVE and line.activated_at is not None
        assert line.network_state == Line.NetworkState.PENDING
        assert line.version == 2
    requests = ProvisioningRequest.objects.filter(line__in=lines)
    assert {r.operation for r in requests} == {"activate"} and requests.count() == 2
    assert requests.order_by("pk")[0].payload["iccid"]
    assert AuditEvent.objects.filter(action="line.activated").count() == 2


def test_activation_on_a_later_date_is_planned_and_cancellable(manager_actor: Actor, pending) -> None:
    line = pending()
    on = today() + timedelta(days=3)
    result = line_activate(actor=manager_actor, lines=[line], on=on)
    assert result.scheduled and result.on == on
    (change,) = result.changes
    assert (change.kind, change.due_date, change.status) == ("activate", on, "scheduled")
    line.refresh_from_db()
    assert line.status == Status.PENDING and not ProvisioningRequest.objects.exists()
    # One planned activation at a time.
    with pytest.raises(ActionError) as refused:
        line_activate(actor=manager_actor, lines=[line], on=on + timedelta(days=1))
    assert refused.value.field == "date"

    schedule_cancel(actor=manager_actor, change=change)
    change.refresh_from_db()
    assert change.status == ScheduledChange.Status.CANCELLED
    with pytest.raises(ActionError) as again:
        schedule_cancel(actor=manager_actor, change=change)
    assert again.value.code == "conflict"
    assert run_due_changes() == {}
    assert AuditEvent.objects.filter(action="line.change_cancelled", object_id=str(line.pk)).exists()


@pytest.mark.spec("R3")
def test_a_date_in_the_past_is_refused(manager_actor: Actor, pending) -> None:
    line = pending()
    with pytest.raises(ActionError) as refused:
        line_activate(actor=manager_actor, lines=[line], on=today() - timedelta(days=1))
    assert refused.value.field == "date"
    line.refresh_from_db()
    assert line.status == Status.PENDING and not ScheduledChange.objects.exists()


@pytest.mark.spec("R2", "R3")
def test_one_line_not_pending_refuses_the_whole_activation(manager_actor: Actor, pending, make_line) -> None:
    waiting, active = pending(), make_line(msisdn="+32470555555")
    with pytest.raises(ActionError) as refused:
        line_activate(actor=manager_actor, lines=[waiting, active], on=today())
    assert "+32 470 55 55 55" in str(refused.value.message) and refused.value.field == "lines"
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING and not ProvisioningRequest.objects.exists()


@pytest.mark.spec("S1", "S2")
def test_only_the_customers_fleet_managers_activate(other_actor: Actor, member_actor: Actor, pending) -> None:
    line = pending()
    for actor in (other_actor, member_actor):
        with pytest.raises(PermissionDeniedError):
            line_activate(actor=actor, lines=[line], on=today())
    line.refresh_from_db()
    assert line.status == Status.PENDING


def test_a_port_in_goes_active_when_the_donor_releases_the_number(
    manager_actor: Actor, pending, django_capture_on_commit_callbacks
) -> None:
    line = pending(donor_operator="Proximus", donor_account="123")
    with django_capture_on_commit_callbacks(execute=False):
        line_activate(actor=manager_actor, lines=[line], on=today())
    line.refresh_from_db()
    assert line.status == Status.PORTING
    request = ProvisioningRequest.objects.get(line=line)
    assert request.operation == "port_in" and request.payload["donor_operator"] == "Proximus"

    # The simulator plays the donor side: the answer arrives and the fleet's consumer of
    # "provisioning.done" activates the line.
    with django_capture_on_commit_callbacks(execute=True):
        from fleetportal.core.tasks import sweep_outbox

        sweep_outbox.call_local()
    line.refresh_from_db()
    assert line.status == Status.ACTIVE and line.activated_at is not None
    assert line.network_state == Line.NetworkState.IN_SYNC
    event = AuditEvent.objects.get(action="line.port_in_completed")
    assert event.channel == Channel.SYSTEM and event.customer_id == line.customer_id


@pytest.mark.spec("F-23")
def test_an_esim_user_gets_the_activation_code_pin_and_puk(manager_actor: Actor, pending, customer) -> None:
    esim = SimCardFactory.create(customer=customer, esim=True, status=SimCard.Status.IN_USE)
    line = pending(sim=esim, email="jan@example.com", language="fr")
    line_activate(actor=manager_actor, lines=[line], on=today())
    mail = OutboxMessage.objects.get(recipient="jan@example.com")
    assert esim.activation_code in mail.body
    assert esim.pin in mail.body and esim.puk in mail.body
    assert "Bonjour" in mail.body  # in the user's language
    assert line.msisdn in mail.subject
    # No e-mail for a physical card (PIN/PUK are on the card) and none in the audit trail.
    assert OutboxMessage.objects.count() == 1
    assert esim.puk not in str(AuditEvent.objects.values_list("before", "after"))


@pytest.mark.spec("F-23", "R1")
def test_the_esim_mail_carries_the_qr_code_as_a_png(
    manager_actor: Actor, pending, customer, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    esim = SimCardFactory.create(customer=customer, esim=True, status=SimCard.Status.IN_USE)
    line = pending(sim=esim, email="jan@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        line_activate(actor=manager_actor, lines=[line], on=today())
    sent = [m for m in mailoutbox if m.to == ["jan@example.com"]]
    assert len(sent) == 1
    ((filename, content, content_type),) = sent[0].attachments
    assert filename.endswith(".png") and content_type == "image/png"
    assert content == qr_png(esim.activation_code)


@pytest.mark.spec("F-23")
def test_without_a_user_address_the_acting_manager_gets_the_esim_mail(manager_actor: Actor, pending, customer) -> None:
    esim = SimCardFactory.create(customer=customer, esim=True, status=SimCard.Status.IN_USE)
    line_activate(actor=manager_actor, lines=[pending(sim=esim, email="")], on=today())
    assert manager_actor.user is not None
    assert OutboxMessage.objects.get().recipient == manager_actor.user.email


@pytest.mark.spec("F-23")
def test_the_qr_code_is_a_png_of_the_activation_code() -> None:
    png = qr_png("LPA:1$smdp.operator.example$ABC123")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size[0] == image.size[1] >= 200
    assert qr_png("LPA:1$smdp.operator.example$OTHER") != png


def test_the_job_runs_what_is_due_through_the_same_actions(manager_actor: Actor, pending, make_line) -> None:
    due = pending()
    later = pending()
    line_activate(actor=manager_actor, lines=[due], on=today() + timedelta(days=1))
    line_activate(actor=manager_actor, lines=[later], on=today() + timedelta(days=5))
    suspended = make_line()
    lines_suspend(actor=manager_actor, lines=[suspended], on=today() + timedelta(days=1))
    ScheduledChange.objects.filter(line__in=[due, suspended]).update(due_date=today())

    periodic_task.call_local()

    due.refresh_from_db()
    later.refresh_from_db()
    suspended.refresh_from_db()
    assert due.status == Status.ACTIVE and later.status == Status.PENDING
    assert suspended.status == Status.SUSPENDED
    assert set(ScheduledChange.objects.filter(line__in=[due, suspended]).values_list("status", flat=True)) == {"done"}
    assert ScheduledChange.objects.get(line=later).status == "scheduled"
    job_events = AuditEvent.objects.filter(channel=Channel.JOB)
    assert set(job_events.values_list("action", flat=True)) == {"line.activated", "line.suspend"}
    assert ProvisioningRequest.objects.filter(line=due, operation="activate").exists()


def test_a_due_change_that_no_longer_applies_is_marked_failed(manager_actor: Actor, pending) -> None:
    line = pending()
    (change,) = line_activate(actor=manager_actor, lines=[line], on=today() + timedelta(days=2)).changes
    Line.objects.filter(pk=line.pk).update(status=Status.STOPPED)  # e.g. stopped by staff meanwhile
    ScheduledChange.objects.filter(pk=change.pk).update(due_date=today())
    assert run_due_changes() == {"failed": 1}
    change.refresh_from_db()
    assert change.status == "failed" and "only a pending SIM" in change.error
    assert run_due_changes() == {}  # a failed change is not retried on its own

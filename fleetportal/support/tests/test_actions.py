"""Tickets through their actions (F-70): the form's rules, attachments, statuses and the
reopen window, notes kept from the customer, e-mails and the one-click requests."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fleetportal.accounts.models import User
from fleetportal.conftest import make_actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, DomainEvent
from fleetportal.fleet.actions.imports import import_job_run
from fleetportal.fleet.models import ImportJob, Line, SimCard
from fleetportal.fleet.tests.csv_rows import good_rows, make_csv
from fleetportal.fleet.tests.factories import PoolNumberFactory, SimCardFactory
from fleetportal.network.models import ProvisioningRequest
from fleetportal.notifications.models import OutboxMessage
from fleetportal.support import actions, actions_apply, selectors
from fleetportal.support.attachments import MAX_BYTES
from fleetportal.support.models import Attachment, Entry, Ticket

from .conftest import Files

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-70")]

OpenTicket = Callable[..., Ticket]
SIM = Ticket.Subject.SIM_OPTIONS


def stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- the form's rules -----------------------------------------------------------------------------


def test_a_ticket_names_the_customer_s_numbers_and_stores_its_files_under_random_names(
    manager: User, lines: list[Line], files: Files, media: Path, open_ticket: OpenTicket
) -> None:
    on = timezone.localdate() + timedelta(days=3)
    ticket = open_ticket(
        manager,
        files=[files.pdf(), files.png()],
        subject=SIM,
        detail=Ticket.Detail.STOP_PAUSE,
        numbers=[lines[1].msisdn, "0" + lines[2].msisdn[3:]],  # E.164 and as typed nationally
        action_date=on,
    )
    assert ticket.status == Ticket.Status.NEW
    assert set(ticket.lines.all()) == {lines[1], lines[2]}
    assert ticket.action_date == on
    names = sorted(a.name for a in ticket.attachments.all())
    assert names == ["invoice.pdf", "screen.png"]
    paths = stored(media)
    assert len(paths) == 2
    assert not any("invoice" in p.name or "screen" in p.name for p in paths)
    assert {a.content_type for a in ticket.attachments.all()} == {"application/pdf", "image/png"}
    assert DomainEvent.objects.filter(name="ticket.created", object_id=str(ticket.pk)).exists()
    assert AuditEvent.objects.filter(action="ticket.created", object_id=str(ticket.pk)).exists()


def test_a_number_not_of_the_customer_is_refused_on_numbers(
    manager: User, lines: list[Line], other_line: Line, open_ticket: OpenTicket
) -> None:
    with pytest.raises(ActionError) as refused:
        open_ticket(manager, subject=SIM, detail=Ticket.Detail.REACTIVATE, numbers=[lines[0].msisdn, other_line.msisdn])
    assert refused.value.field == "numbers"
    assert other_line.msisdn in str(refused.value.message)
    assert not Ticket.objects.exists()


def test_a_member_names_only_their_own_lines(member: User, lines: list[Line], open_ticket: OpenTicket) -> None:
    with pytest.raises(ActionError) as refused:
        open_ticket(member, subject=SIM, detail=Ticket.Detail.REACTIVATE, numbers=[lines[1].msisdn])
    assert refused.value.field == "numbers"
    assert open_ticket(member, subject=SIM, detail=Ticket.Detail.REACTIVATE, numbers=[lines[0].msisdn]).pk


def test_an_action_date_in_the_past_is_refused_on_its_field(
    manager: User, lines: list[Line], open_ticket: OpenTicket
) -> None:
    with pytest.raises(ActionError) as refused:
        open_ticket(
            manager,
            subject=SIM,
            detail=Ticket.Detail.REACTIVATE,
            numbers=[lines[0].msisdn],
            action_date=timezone.localdate() - timedelta(days=1),
        )
    assert refused.value.field == "action_date"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "nonsense"}, "subject"),
        ({"subject": SIM, "detail": ""}, "detail"),
        ({"subject": SIM, "detail": Ticket.Detail.STOP_PAUSE, "numbers": []}, "numbers"),
        ({"message": "   "}, "message"),
        ({"contact_email": "not-an-address"}, "contact_email"),
        ({"contact_phone": "12"}, "contact_phone"),
        ({"subject": SIM, "detail": Ticket.Detail.ADD_CSV}, "attachments"),
    ],
)
def test_each_rule_of_the_form_names_its_field(
    manager: User, overrides: dict, field: str, open_ticket: OpenTicket
) -> None:
    with pytest.raises(ActionError) as refused:
        open_ticket(manager, **overrides)
    assert refused.value.field == field
    assert not Ticket.objects.exists()


# --- attachments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda f: [f.pdf(), f.png(), f.csv(), f.xlsx(), f.pdf("fifth.pdf")], id="a 5th file"),
        pytest.param(lambda f: [f.pdf(), f.sized(MAX_BYTES + 1)], id="over 10 MB"),
        pytest.param(lambda f: [f.empty()], id="0 bytes"),
        pytest.param(lambda f: [f.exe_as_pdf()], id="a Windows executable named .pdf"),
        pytest.param(lambda f: [f.exe_as_pdf(b"\x7fELF\x02\x01")], id="an ELF executable named .pdf"),
        pytest.param(lambda f: [f.csv("data.csv", "a,b\x00c")], id="text with NUL bytes"),
    ],
)
def test_a_bad_attachment_is_refused_on_attachments_and_nothing_is_stored(
    manager: User, files: Files, media: Path, bad: Callable[[Files], list], open_ticket: OpenTicket
) -> None:
    with pytest.raises(ActionError) as refused:
        open_ticket(manager, files=bad(files))
    assert refused.value.field == "attachments"
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()
    assert stored(media) == []


def test_four_files_of_each_allowed_kind_are_taken(manager: User, files: Files, open_ticket: OpenTicket) -> None:
    ticket = open_ticket(manager, files=[files.pdf(), files.xlsx(), files.csv(), files.sized(MAX_BYTES, "log.txt")])
    assert sorted(a.content_type for a in ticket.attachments.all()) == [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "text/csv",
        "text/plain",
    ]


# --- statuses, replies, notes ---------------------------------------------------------------------


def test_statuses_and_the_reopen_window(manager: User, staff: User, open_ticket: OpenTicket) -> None:
    customer, agent = make_actor(manager), make_actor(staff)
    ticket = open_ticket(manager)
    with pytest.raises(ActionError) as refused:
        actions.ticket_set_status(actor=customer, ticket=ticket, status=Ticket.Status.RESOLVED)
    assert refused.value.field == "status"
    for status in (Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING, Ticket.Status.RESOLVED):
        ticket = actions.ticket_set_status(actor=agent, ticket=ticket, status=status)
    assert ticket.resolved_at is not None
    ticket = actions.ticket_set_status(actor=customer, ticket=ticket, status=Ticket.Status.IN_PROGRESS)
    assert ticket.status == Ticket.Status.NEW  # back to the queue: no one has it
    ticket = actions.ticket_set_status(actor=customer, ticket=ticket, status=Ticket.Status.CLOSED)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - timedelta(days=15))
    ticket.refresh_from_db()
    with pytest.raises(ActionError) as late:
        actions.ticket_set_status(actor=customer, ticket=ticket, status=Ticket.Status.IN_PROGRESS)
    assert late.value.field == "status"
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CLOSED
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - timedelta(days=13))
    ticket.refresh_from_db()
    assert actions.ticket_set_status(actor=customer, ticket=ticket, status=Ticket.Status.NEW).status == "new"


def test_a_customer_s_reply_to_a_closed_ticket_is_refused(manager: User, open_ticket: OpenTicket) -> None:
    ticket = open_ticket(manager)
    actions.ticket_set_status(actor=make_actor(manager), ticket=ticket, status=Ticket.Status.CLOSED)
    with pytest.raises(ActionError) as refused:
        actions.ticket_reply(actor=make_actor(manager), ticket=ticket, body="Still broken")
    assert refused.value.field == "body"


def test_replies_mail_the_other_side_in_their_language_and_notes_stay_staff_s(
    manager: User, staff: User, open_ticket: OpenTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager.language = "fr"
    manager.save()
    staff.language = "hu"
    staff.save()
    languages: dict[str, set[str]] = {}
    send = actions.send_email

    def spy(**kwargs: object) -> object:
        languages.setdefault(str(kwargs["to"]), set()).add(str(kwargs["language"]))
        return send(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(actions, "send_email", spy)
    ticket = open_ticket(manager)
    agent = make_actor(staff)
    actions.ticket_assign(actor=agent, ticket=ticket, assignee=staff)
    actions.ticket_note(actor=agent, ticket=ticket, body="SECRET: customer is on the watch list")
    actions.ticket_reply(actor=agent, ticket=ticket, body="We are looking into it.")
    actions.ticket_set_status(actor=agent, ticket=ticket, status=Ticket.Status.WAITING)
    actions.ticket_reply(actor=make_actor(manager), ticket=ticket, body="Thanks, here is more.")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.IN_PROGRESS  # the customer answered

    to_customer = OutboxMessage.objects.filter(recipient="manager@acme.example")
    assert to_customer.count() == 2
    assert languages == {"support@operator.example": {"en"}, "manager@acme.example": {"fr"}, staff.email: {"hu"}}
    assert "We are looking into it." in to_customer.order_by("id").first().body  # type: ignore[union-attr]
    assert OutboxMessage.objects.filter(recipient=staff.email, body__contains="here is more").exists()
    assert not OutboxMessage.objects.filter(body__contains="SECRET").exists()
    assert not DomainEvent.objects.filter(data__icontains="SECRET").exists()
    assert not AuditEvent.objects.filter(customer=ticket.customer, action="ticket.noted").exists()
    seen = [e.body for e in selectors.entries_of(make_actor(manager), ticket)]
    assert "We are looking into it." in seen
    assert not any("SECRET" in body for body in seen)
    assert any("SECRET" in e.body for e in selectors.entries_of(agent, ticket))


def test_a_new_ticket_without_assignee_goes_to_the_support_address(manager: User, open_ticket: OpenTicket) -> None:
    open_ticket(manager, message="Where is my invoice?")
    assert OutboxMessage.objects.filter(recipient="support@operator.example", body__contains="my invoice").exists()


def test_notes_and_assignment_are_staff_s(manager: User, staff: User, open_ticket: OpenTicket) -> None:
    ticket = open_ticket(manager)
    with pytest.raises(PermissionDeniedError):
        actions.ticket_note(actor=make_actor(manager), ticket=ticket, body="hi")
    with pytest.raises(PermissionDeniedError):
        actions.ticket_assign(actor=make_actor(manager), ticket=ticket, assignee=staff)
    with pytest.raises(ActionError) as refused:
        actions.ticket_assign(actor=make_actor(staff), ticket=ticket, assignee=manager)
    assert refused.value.field == "assigned_to"


# --- who sees what --------------------------------------------------------------------------------


def test_role_matrix(
    holder: User,
    manager: User,
    billing_manager: User,
    member: User,
    other_holder: User,
    staff: User,
    open_ticket: OpenTicket,
) -> None:
    mine = open_ticket(member)
    managers = open_ticket(manager)
    others = open_ticket(other_holder, contact_email="admin@globex.example")

    def seen(user: User) -> set[int]:
        return set(selectors.tickets_for(make_actor(user)).values_list("pk", flat=True))

    assert seen(holder) == seen(manager) == {mine.pk, managers.pk}  # managers: every ticket of theirs
    assert seen(member) == {mine.pk}  # a member: their own only
    assert seen(billing_manager) == set()  # a manager without the support right: their own only
    assert seen(other_holder) == {others.pk}
    assert seen(staff) == {mine.pk, managers.pk, others.pk}
    with pytest.raises(PermissionDeniedError):
        actions.ticket_reply(actor=make_actor(member), ticket=managers, body="hi")
    with pytest.raises(PermissionDeniedError):
        actions.ticket_set_status(actor=make_actor(other_holder), ticket=mine, status=Ticket.Status.CLOSED)


# --- one-click requests ---------------------------------------------------------------------------


def _sim_ticket(open_ticket: OpenTicket, manager: User, detail: str, lines: list[Line], **kw: object) -> Ticket:
    return open_ticket(manager, subject=SIM, detail=detail, numbers=[line.msisdn for line in lines], **kw)


def test_staff_pause_goes_through_the_fleet_action_and_the_ticket_records_it(
    manager: User, staff: User, lines: list[Line], open_ticket: OpenTicket
) -> None:
    ticket = _sim_ticket(open_ticket, manager, Ticket.Detail.STOP_PAUSE, lines[:2])
    assert actions_apply.operations_for(ticket) == ("suspend", "stop")
    done, outcome = actions_apply.ticket_apply(actor=make_actor(staff), ticket=ticket, operation="suspend")
    assert done
    assert {line.status for line in Line.objects.filter(pk__in=[lines[0].pk, lines[1].pk])} == {Line.Status.SUSPENDED}
    assert Line.objects.get(pk=lines[2].pk).status == Line.Status.ACTIVE
    # the fleet's own audit of each line, by the staff member
    audited = AuditEvent.objects.filter(action="line.suspend", actor=staff)
    assert set(audited.values_list("object_id", flat=True)) == {str(lines[0].pk), str(lines[1].pk)}
    assert ProvisioningRequest.objects.filter(line__in=lines[:2]).count() == 2
    event = Entry.objects.get(ticket=ticket, kind=Entry.Kind.EVENT)
    assert lines[0].msisdn[3:6] in event.body.replace(" ", "") and outcome == event.body
    assert AuditEvent.objects.filter(action="ticket.action_applied", object_id=str(ticket.pk)).exists()


def test_a_fleet_refusal_is_shown_on_the_ticket_and_nothing_changes(
    manager: User, staff: User, lines: list[Line], open_ticket: OpenTicket
) -> None:
    ticket = _sim_ticket(open_ticket, manager, Ticket.Detail.REACTIVATE, lines[:2])  # both active
    done, outcome = actions_apply.ticket_apply(actor=make_actor(staff), ticket=ticket, operation="reactivate")
    assert not done
    assert "only a suspended line can be reactivated" in outcome
    assert Entry.objects.get(ticket=ticket, kind=Entry.Kind.EVENT).body == outcome
    assert not AuditEvent.objects.filter(action="line.reactivate").exists()
    assert AuditEvent.objects.filter(action="ticket.action_refused", object_id=str(ticket.pk)).exists()


def test_a_later_date_plans_the_change_and_delete_takes_only_lines_not_activated(
    manager: User, staff: User, lines: list[Line], pending: Line, open_ticket: OpenTicket
) -> None:
    agent = make_actor(staff)
    later = _sim_ticket(
        open_ticket, manager, Ticket.Detail.STOP_PAUSE, lines[:1], action_date=timezone.localdate() + timedelta(days=5)
    )
    done, outcome = actions_apply.ticket_apply(actor=agent, ticket=later, operation="stop")
    assert done and "planned" in outcome
    assert Line.objects.get(pk=lines[0].pk).status == Line.Status.ACTIVE
    refused = _sim_ticket(open_ticket, manager, Ticket.Detail.DELETE_INACTIVE, [lines[1], pending])
    done, outcome = actions_apply.ticket_apply(actor=agent, ticket=refused, operation="delete")
    assert not done and "activated" in outcome
    assert Line.objects.get(pk=pending.pk).status == Line.Status.PENDING
    ticket = _sim_ticket(open_ticket, manager, Ticket.Detail.DELETE_INACTIVE, [pending])
    done, _ = actions_apply.ticket_apply(actor=agent, ticket=ticket, operation="delete")
    assert done and Line.objects.get(pk=pending.pk).status == Line.Status.STOPPED


def test_only_staff_apply_and_only_what_the_ticket_asks(
    manager: User, staff: User, lines: list[Line], open_ticket: OpenTicket
) -> None:
    ticket = _sim_ticket(open_ticket, manager, Ticket.Detail.REACTIVATE, lines[:1])
    with pytest.raises(PermissionDeniedError):
        actions_apply.ticket_apply(actor=make_actor(manager), ticket=ticket, operation="reactivate")
    with pytest.raises(ActionError) as refused:
        actions_apply.ticket_apply(actor=make_actor(staff), ticket=ticket, operation="stop")
    assert refused.value.field == "operation"


# --- add employees via CSV: the fleet's import -----------------------------------------------------


@pytest.fixture
def stock(customer: object, catalogue: object) -> tuple[SimCard, SimCard]:
    PoolNumberFactory.create(msisdn="+32499000001")
    PoolNumberFactory.create(msisdn="+32499000002")
    return (SimCardFactory.create(customer=customer), SimCardFactory.create(customer=customer, esim=True))


def test_a_csv_ticket_is_checked_then_imported_by_the_fleet_s_import(
    manager: User,
    staff: User,
    stock: tuple[SimCard, SimCard],
    open_ticket: OpenTicket,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[object]],
) -> None:
    upload = SimpleUploadedFile("employees.csv", make_csv(good_rows(stock)), content_type="text/csv")
    ticket = open_ticket(manager, subject=SIM, detail=Ticket.Detail.ADD_CSV, message="Two new people", files=[upload])
    agent = make_actor(staff)
    assert actions_apply.operations_for(ticket) == ("check_csv",)
    started: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        done, outcome = actions_apply.ticket_apply(
            actor=agent, ticket=ticket, operation="check_csv", start=started.append
        )
    assert done and "2 rows" in outcome
    ticket.refresh_from_db()
    job = ticket.import_job
    assert job is not None and started == [job.pk] and job.created_by == manager
    import_job_run(job_id=job.pk, apply=False)  # the worker's dry run
    ticket.refresh_from_db()
    assert actions_apply.operations_for(ticket) == ("import_csv",)
    with django_capture_on_commit_callbacks(execute=True):
        done, _ = actions_apply.ticket_apply(actor=agent, ticket=ticket, operation="import_csv", start=started.append)
    assert done
    import_job_run(job_id=job.pk, apply=True)  # the worker's import
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportJob.Status.DONE, 2)
    assert AuditEvent.objects.filter(action="lines.imported", object_id=str(job.pk)).exists()
    assert Line.objects.filter(last_name__in=["Peeters", "Maes"]).count() == 2
    assert Entry.objects.filter(ticket=ticket, kind=Entry.Kind.EVENT).count() == 2


def test_a_csv_ticket_of_someone_who_may_not_manage_sim_cards_is_refused_on_the_ticket(
    member: User, staff: User, stock: tuple[SimCard, SimCard], open_ticket: OpenTicket
) -> None:
    upload = SimpleUploadedFile("employees.csv", make_csv(good_rows(stock)), content_type="text/csv")
    ticket = open_ticket(member, subject=SIM, detail=Ticket.Detail.ADD_CSV, message="New people", files=[upload])
    done, outcome = actions_apply.ticket_apply(
        actor=make_actor(staff), ticket=ticket, operation="check_csv", start=lambda job_id: None
    )
    assert not done and "may not manage" in outcome
    assert not ImportJob.objects.exists()
    assert Entry.objects.get(ticket=ticket, kind=Entry.Kind.EVENT).body == outcome

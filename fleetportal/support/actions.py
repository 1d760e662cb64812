"""Every change to a ticket (F-70), for pages and the API alike: open one, reply, add an
internal note, change its status, assign it, and apply what it asks for (`actions_apply`).

Each action is keyword-only with the acting `Actor` first, checks rights through the ticket's
scope, validates (an `ActionError` naming the field; nothing stored then, not even a file),
writes in one transaction, audits, records `ticket.created` / `ticket.updated` and queues its
e-mails in the outbox, in the recipient's language. An internal note is staff's only: no event,
no e-mail, and its audit row belongs to no customer, so nothing of it reaches the customer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fleetportal.accounts.models import User
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.phones import InvalidNumber, parse_mobile
from fleetportal.core.scope import scope
from fleetportal.fleet.models import Line
from fleetportal.notifications.outbox import send_email

from .attachments import Upload, UploadedFileLike, check_uploads
from .events import TICKET_CREATED, TICKET_UPDATED
from .models import Attachment, Entry, Ticket
from .policy import may_open

Status = Ticket.Status
Detail = Ticket.Detail
REOPEN_DAYS = 14
# The "more details" items that name phone numbers (and a date) the request is about.
LINE_DETAILS = (Detail.REACTIVATE, Detail.STOP_PAUSE, Detail.DELETE_INACTIVE)
OPEN = (Status.NEW, Status.IN_PROGRESS, Status.WAITING)
MAX_TEXT = 5000


@dataclass(frozen=True)
class TicketInput:
    """What the seeds' form asks; `numbers` as typed or picked (E.164 or national)."""

    subject: str
    detail: str = ""
    numbers: Sequence[str] = ()
    action_date: date | None = None
    message: str = ""
    contact_email: str = ""
    contact_phone: str = ""


def _text(value: str, field: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ActionError(_("Enter your message."), field=field)
    if len(value) > MAX_TEXT:
        raise ActionError(_("Keep your message under %(max)d characters.") % {"max": MAX_TEXT}, field=field)
    return value


def _lines(actor: Actor, numbers: Sequence[str]) -> list[Line]:
    """The customer's lines the numbers name, among the actor's own: a number that is not one
    of them is refused on `numbers`, whether it exists elsewhere or not."""
    if not numbers:
        raise ActionError(_("Choose at least one phone number."), field="numbers")
    wanted = []
    for number in dict.fromkeys(n.strip() for n in numbers if n.strip()):
        try:
            wanted.append(parse_mobile(number))
        except InvalidNumber:
            raise ActionError(
                _("%(number)s is not a phone number.") % {"number": number[:30]}, field="numbers"
            ) from None
    found = {
        line.msisdn: line
        for line in scope(actor, Line)
        .filter(customer=actor.tenant, msisdn__in=wanted)
        .exclude(status=Line.Status.STOPPED)
    }
    for number in wanted:
        if number not in found:
            raise ActionError(_("%(number)s is not one of your phone numbers.") % {"number": number}, field="numbers")
    return [found[number] for number in wanted]


def _validated(actor: Actor, data: TicketInput, uploads: list[Upload]) -> tuple[list[Line], dict[str, Any]]:
    if data.subject not in Ticket.Subject.values:
        raise ActionError(_("Choose the subject of your ticket."), field="subject")
    detail = data.detail if data.subject == Ticket.Subject.SIM_OPTIONS else ""
    if data.subject == Ticket.Subject.SIM_OPTIONS and detail not in Detail.values:
        raise ActionError(_("Choose one of the items in “More details”."), field="detail")
    lines = _lines(actor, data.numbers) if detail in LINE_DETAILS else []
    action_date = data.action_date if detail in LINE_DETAILS else None
    if action_date is not None and action_date < timezone.localdate():
        raise ActionError(_("The date for this action cannot be in the past."), field="action_date")
    if detail == Detail.ADD_CSV and not any(u.name.lower().endswith(".csv") for u in uploads):
        raise ActionError(_("Attach the CSV file with the employees."), field="attachments")
    message = _text(data.message, "message", required=detail not in LINE_DETAILS)
    email = (data.contact_email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ActionError(_("Enter the e-mail address we may answer you at."), field="contact_email") from None
    phone = ""
    if (data.contact_phone or "").strip():
        try:
            phone = parse_mobile(data.contact_phone)
        except InvalidNumber as exc:
            raise ActionError(exc.message, field="contact_phone") from None
    values = {
        "subject": data.subject,
        "detail": detail,
        "action_date": action_date,
        "message": message,
        "contact_email": email[:254],
        "contact_phone": phone,
    }
    return lines, values


def _store(ticket: Ticket, entry: Entry | None, uploads: list[Upload]) -> None:
    """Store checked files, the last step of an action, once every rule has passed (the storage
    is not transactional: a file stored before a refusal would stay behind)."""
    for upload in uploads:
        attachment = Attachment(
            ticket=ticket, entry=entry, name=upload.name, content_type=upload.content_type, size=len(upload.content)
        )
        attachment.file.save("upload", ContentFile(upload.content), save=False)
        attachment.save()


def _language_of(actor: Actor) -> str:
    if actor.user is not None and actor.user.language:
        return actor.user.language
    return actor.tenant.language


def _link(ticket: Ticket, *, staff: bool) -> str:
    return settings.PORTAL_BASE_URL + reverse("support:staff_detail" if staff else "support:detail", args=[ticket.pk])


def _mail_customer(ticket: Ticket, template: str, **context: object) -> None:
    send_email(
        to=ticket.contact_email,
        template=f"support/email/{template}",
        context={"ticket": ticket, "link": _link(ticket, staff=False), **context},
        language=ticket.language,
        customer=ticket.customer,
    )


def _mail_staff(ticket: Ticket, body: str) -> None:
    assignee = ticket.assigned_to
    send_email(
        to=assignee.email if assignee is not None else settings.SUPPORT_EMAIL,
        template="support/email/customer_reply",
        context={"ticket": ticket, "body": body, "link": _link(ticket, staff=True), "customer": ticket.customer},
        language=(assignee.language if assignee is not None else "") or settings.LANGUAGE_CODE,
        customer=ticket.customer,
    )


def _require_visible(actor: Actor, ticket: Ticket) -> None:
    if not scope(actor, Ticket).filter(pk=ticket.pk).exists():
        raise PermissionDeniedError(_("You may not see this ticket."))


def require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise PermissionDeniedError(_("Only the operator's staff may do this."))


def record_updated(ticket: Ticket, change: str) -> None:
    TICKET_UPDATED.record(
        customer=ticket.customer, obj=ticket, data={"ticket": ticket.pk, "change": change, "status": ticket.status}
    )


def add_event(actor: Actor, ticket: Ticket, body: str) -> Entry:
    """A line the portal writes in the conversation (a status change, what was applied)."""
    return Entry.objects.create(
        ticket=ticket,
        kind=Entry.Kind.EVENT,
        author=actor.user,
        author_label=actor.label,
        by_staff=actor.is_staff,
        body=body,
    )


@transaction.atomic
def ticket_create(*, actor: Actor, data: TicketInput, files: Sequence[UploadedFileLike] = ()) -> Ticket:
    """Open a ticket (F-70) for the actor's customer."""
    if not may_open(actor):
        raise PermissionDeniedError(_("You may not open tickets."))
    uploads = check_uploads(files)
    lines, values = _validated(actor, data, uploads)
    ticket = Ticket.objects.create(customer=actor.tenant, opened_by=actor.user, language=_language_of(actor), **values)
    ticket.lines.set(lines)
    record(
        actor=actor,
        action="ticket.created",
        customer=ticket.customer,
        obj=ticket,
        after={
            "subject": ticket.subject,
            "detail": ticket.detail,
            "numbers": [line.msisdn for line in lines],
            "action_date": ticket.action_date.isoformat() if ticket.action_date else None,
            "attachments": [u.name for u in uploads],
        },
    )
    TICKET_CREATED.record(
        customer=ticket.customer,
        obj=ticket,
        data={"ticket": ticket.pk, "subject": ticket.subject, "detail": ticket.detail, "status": ticket.status},
    )
    _mail_staff(ticket, ticket.message)
    _store(ticket, None, uploads)
    return ticket


def locked_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("customer", "assigned_to").get(pk=ticket.pk)


@transaction.atomic
def ticket_reply(*, actor: Actor, ticket: Ticket, body: str, files: Sequence[UploadedFileLike] = ()) -> Entry:
    """A reply in the conversation: staff's goes to the customer's contact address, the
    customer's to the assigned staff member (or the support address). A customer's reply to a
    ticket waiting for them puts it back in progress; a closed or resolved ticket is reopened
    first."""
    _require_visible(actor, ticket)
    ticket = locked_ticket(ticket)
    text = _text(body, "body")
    uploads = check_uploads(files)
    if not actor.is_staff and ticket.status not in OPEN:
        raise ActionError(
            _("This ticket is %(status)s: reopen it to reply.") % {"status": ticket.get_status_display()},
            field="body",
            code="conflict",
        )
    entry = Entry.objects.create(
        ticket=ticket,
        kind=Entry.Kind.REPLY,
        author=actor.user,
        author_label=actor.label,
        by_staff=actor.is_staff,
        body=text,
    )
    before = ticket.status
    if (actor.is_staff and ticket.status == Status.NEW) or (not actor.is_staff and ticket.status == Status.WAITING):
        ticket.status = Status.IN_PROGRESS
    ticket.save(update_fields=["status", "updated_at"])
    record(
        actor=actor,
        action="ticket.replied",
        customer=ticket.customer,
        obj=ticket,
        before={"status": before},
        after={"status": ticket.status, "attachments": [u.name for u in uploads]},
    )
    record_updated(ticket, "reply")
    if actor.is_staff:
        _mail_customer(ticket, "staff_reply", body=text)
    else:
        _mail_staff(ticket, text)
    _store(ticket, entry, uploads)
    return entry


@transaction.atomic
def ticket_note(*, actor: Actor, ticket: Ticket, body: str) -> Entry:
    """An internal note, staff's only: no event, no e-mail, an audit row of no customer."""
    require_staff(actor)
    ticket = locked_ticket(ticket)
    entry = Entry.objects.create(
        ticket=ticket,
        kind=Entry.Kind.NOTE,
        author=actor.user,
        author_label=actor.label,
        by_staff=True,
        body=_text(body, "body"),
    )
    record(actor=actor, action="ticket.noted", customer=None, obj=ticket, after={"entry": entry.pk})
    return entry


def may_reopen(ticket: Ticket) -> bool:
    """A resolved or closed ticket, within 14 days of its resolution."""
    if ticket.status not in (Status.RESOLVED, Status.CLOSED) or ticket.resolved_at is None:
        return False
    return timezone.now() <= ticket.resolved_at + timedelta(days=REOPEN_DAYS)


def _customer_may_set(ticket: Ticket, status: str) -> None:
    if status == Status.CLOSED and ticket.status != Status.CLOSED:
        return
    if status in (Status.NEW, Status.IN_PROGRESS) and ticket.status in (Status.RESOLVED, Status.CLOSED):
        if may_reopen(ticket):
            return
        raise ActionError(
            _("This ticket was resolved more than %(days)d days ago: open a new ticket.") % {"days": REOPEN_DAYS},
            field="status",
        )
    raise ActionError(_("You can close this ticket, or reopen it once it is resolved."), field="status")


@transaction.atomic
def ticket_set_status(*, actor: Actor, ticket: Ticket, status: str) -> Ticket:
    """Staff move a ticket to any status; the customer closes it, or reopens a resolved or
    closed one within 14 days of its resolution (it goes back to the one who had it)."""
    _require_visible(actor, ticket)
    ticket = locked_ticket(ticket)
    if status not in Status.values:
        raise ActionError(_("Choose a status."), field="status")
    if status == ticket.status:
        raise ActionError(
            _("The ticket is %(status)s already.") % {"status": ticket.get_status_display()}, field="status"
        )
    if not actor.is_staff:
        _customer_may_set(ticket, status)
        if status != Status.CLOSED:  # reopened
            status = Status.IN_PROGRESS if ticket.assigned_to_id else Status.NEW
    before = ticket.status
    ticket.status = status
    if status in (Status.RESOLVED, Status.CLOSED):
        ticket.resolved_at = ticket.resolved_at or timezone.now()
    else:
        ticket.resolved_at = None
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    label = ticket.get_status_display()
    add_event(actor, ticket, _("Status: %(before)s → %(after)s") % {"before": Status(before).label, "after": label})
    record(
        actor=actor,
        action="ticket.status_changed",
        customer=ticket.customer,
        obj=ticket,
        before={"status": before},
        after={"status": status},
    )
    record_updated(ticket, "status")
    if actor.is_staff:
        _mail_customer(ticket, "status_changed", status=label)
    return ticket


@transaction.atomic
def ticket_assign(*, actor: Actor, ticket: Ticket, assignee: User | None) -> Ticket:
    """Give the ticket to a staff member (or to no one); a new ticket is then in progress."""
    require_staff(actor)
    ticket = locked_ticket(ticket)
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise ActionError(_("Choose a member of the operator's staff."), field="assigned_to")
    before = ticket.assigned_to.email if ticket.assigned_to else None
    ticket.assigned_to = assignee
    if assignee is not None and ticket.status == Status.NEW:
        ticket.status = Status.IN_PROGRESS
    ticket.save(update_fields=["assigned_to", "status", "updated_at"])
    record(
        actor=actor,
        action="ticket.assigned",
        customer=None,
        obj=ticket,
        before={"assigned_to": before},
        after={"assigned_to": assignee.email if assignee else None},
    )
    record_updated(ticket, "assigned")
    return ticket

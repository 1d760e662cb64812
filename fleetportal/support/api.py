"""The tickets API (F-70): open a ticket (JSON, or multipart with up to 4 attachments), list and
read tickets, reply, change the status, download an attachment; and staff's queue and
assignment. The same actions, rights and errors as the pages: a refused field answers 422
`{"detail", "field", "code"}` naming it; another customer's ticket is a 404.

Who: any login of a customer through its session (a member their own tickets, a manager with
the support right all of the customer's), an API key with the `support` scope to open, answer
and close tickets, with `read` (or `support`) to read them; staff (session)
everything, and the `/staff/...` endpoints (a session or a staff API key). Internal notes never
appear here but for staff."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fleetportal.accounts.api_auth import PortalSessionAuth
from fleetportal.accounts.staff_keys import StaffKeyAuth
from fleetportal.core.actor import Actor
from fleetportal.core.api import ERROR_RESPONSES, Page, PageQuery, api_actor, refused_fields_as_invalid
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.http import PortalRequest
from fleetportal.core.scope import READ

from . import actions, selectors
from .models import Attachment, Ticket
from .policy import SUPPORT
from .views import download

router = Router(tags=["tickets"])
# Staff's endpoints take the back office's staff API keys too (`fps_…`), as its own API does.
STAFF_AUTH = [StaffKeyAuth(), PortalSessionAuth()]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _actor(request: PortalRequest, *, staff: bool = False, write: bool = False) -> Actor:
    """The caller: staff, or (unless `staff`) a login or key of a customer (403 otherwise); a
    key needs the `support` scope to change a ticket (`write`), that or `read` to read one."""
    actor = request.actor
    if actor.is_staff:
        return actor
    if not staff and actor.api_key is not None:
        return api_actor(request, *((SUPPORT,) if write else (SUPPORT, READ)))
    if not staff and actor.customer is not None and actor.number is None:
        return actor
    raise PermissionDeniedError(_("Your login may not do this through the API."))


class TicketIn(Schema):
    subject: Ticket.Subject
    detail: str = Field("", max_length=20, description="For subject `sim_options`: one of the Detail values")
    numbers: list[Annotated[str, Field(max_length=30)]] = Field(default_factory=list, max_length=500)
    action_date: dt.date | None = None
    message: str = Field("", max_length=actions.MAX_TEXT)
    contact_email: str = Field(max_length=254)
    contact_phone: str = Field("", max_length=20)

    def ticket_input(self) -> actions.TicketInput:
        return actions.TicketInput(
            subject=self.subject,
            detail=self.detail,
            numbers=self.numbers,
            action_date=self.action_date,
            message=self.message,
            contact_email=self.contact_email,
            contact_phone=self.contact_phone,
        )


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str

    @staticmethod
    def of(attachment: Attachment) -> AttachmentOut:
        return AttachmentOut(
            id=attachment.pk,
            name=attachment.name,
            content_type=attachment.content_type,
            size=attachment.size,
            url=f"/api/v1/tickets/attachments/{attachment.pk}",
        )


class EntryOut(Schema):
    id: int
    kind: str  # reply, event (and, for staff only, note)
    author: str  # "helpdesk" for staff's entries, seen by a customer
    by_staff: bool
    body: str
    attachments: list[AttachmentOut]
    created_at: dt.datetime


class TicketOut(Schema):
    id: int
    subject: str
    detail: str
    numbers: list[str]
    action_date: dt.date | None
    message: str
    contact_email: str
    contact_phone: str
    status: str
    assigned_to: str | None
    attachments: list[AttachmentOut]
    created_at: dt.datetime
    resolved_at: dt.datetime | None

    @staticmethod
    def of(ticket: Ticket) -> TicketOut:
        return TicketOut(
            id=ticket.pk,
            subject=ticket.subject,
            detail=ticket.detail,
            numbers=[line.msisdn for line in ticket.lines.order_by("msisdn")],
            action_date=ticket.action_date,
            message=ticket.message,
            contact_email=ticket.contact_email,
            contact_phone=ticket.contact_phone,
            status=ticket.status,
            assigned_to=ticket.assigned_to.email if ticket.assigned_to else None,
            attachments=[AttachmentOut.of(a) for a in ticket.attachments.filter(entry=None)],
            created_at=ticket.created_at,
            resolved_at=ticket.resolved_at,
        )


class TicketDetailOut(TicketOut):
    entries: list[EntryOut]


class TicketPage(Page[TicketOut]):
    pass


class TicketQuery(PageQuery):
    status: Ticket.Status | None = None
    q: str = Field("", max_length=100)
    since: dt.date | None = None
    until: dt.date | None = None


class QueueQuery(TicketQuery):
    customer: Id | None = None
    assigned: str = Field("", max_length=12, description='"me", "none" or a staff user\'s id')
    older_than_hours: int | None = Field(None, ge=1, le=100_000)


class ReplyIn(Schema):
    body: str = Field(max_length=actions.MAX_TEXT)


class StatusIn(Schema):
    status: Ticket.Status


class AssignIn(Schema):
    assigned_to: Id | None = Field(None, description="A staff user's id, or null for no one")


def _detail(actor: Actor, ticket_id: int) -> TicketDetailOut:
    ticket = selectors.ticket_for(actor, ticket_id)
    entries = [
        EntryOut(
            id=e.pk,
            kind=e.kind,
            author=e.author_label if actor.is_staff or not e.by_staff else "helpdesk",
            by_staff=e.by_staff,
            body=e.body,
            attachments=[AttachmentOut.of(a) for a in e.attachments.all()],
            created_at=e.created_at,
        )
        for e in selectors.entries_of(actor, ticket)
    ]
    return TicketDetailOut(**TicketOut.of(ticket).dict(), entries=entries)


def _criteria(query: TicketQuery, **staff: object) -> selectors.TicketFilter:
    return selectors.TicketFilter(
        status=query.status or "",
        text=query.q,
        since=query.since,
        until=query.until,
        **staff,  # type: ignore[arg-type]
    )


@router.get("/tickets", response={200: TicketPage, **ERROR_RESPONSES}, operation_id="tickets_list", summary="List")
def tickets_list(request: PortalRequest, query: Query[TicketQuery]) -> TicketPage:
    """The tickets you may see, newest first, filtered by status, text and opening date."""
    actor = _actor(request)
    return TicketPage.of(selectors.tickets_for(actor, _criteria(query)), query, TicketOut.of)


@router.post("/tickets", response={201: TicketDetailOut, **ERROR_RESPONSES}, operation_id="ticket_create")
def ticket_create(request: PortalRequest, payload: TicketIn) -> Status[TicketDetailOut]:
    """Open a ticket (JSON, no attachments; use `/tickets/multipart` to attach files)."""
    actor = _actor(request, write=True)
    with refused_fields_as_invalid():
        ticket = actions.ticket_create(actor=actor, data=payload.ticket_input())
    return Status(201, _detail(actor, ticket.pk))


@router.post(
    "/tickets/multipart", response={201: TicketDetailOut, **ERROR_RESPONSES}, operation_id="ticket_create_multipart"
)
def ticket_create_multipart(
    request: PortalRequest,
    payload: Form[TicketIn],
    attachments: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[TicketDetailOut]:
    """Open a ticket with up to 4 files (multipart field `attachments`, repeated): PDF, PNG,
    JPEG, CSV, XLSX or TXT, 1 byte to 10 MB each, told by their content."""
    actor = _actor(request, write=True)
    with refused_fields_as_invalid():
        ticket = actions.ticket_create(actor=actor, data=payload.ticket_input(), files=attachments or [])
    return Status(201, _detail(actor, ticket.pk))


@router.get("/tickets/{int:ticket_id}", response={200: TicketDetailOut, **ERROR_RESPONSES}, operation_id="ticket_get")
def ticket_get(request: PortalRequest, ticket_id: int) -> TicketDetailOut:
    """A ticket with its conversation."""
    return _detail(_actor(request), ticket_id)


@router.post(
    "/tickets/{int:ticket_id}/replies", response={201: TicketDetailOut, **ERROR_RESPONSES}, operation_id="ticket_reply"
)
def ticket_reply(
    request: PortalRequest,
    ticket_id: int,
    payload: Form[ReplyIn],
    attachments: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[TicketDetailOut]:
    """A reply (multipart: `body` and up to 4 `attachments`)."""
    actor = _actor(request, write=True)
    ticket = selectors.ticket_for(actor, ticket_id)
    with refused_fields_as_invalid():
        actions.ticket_reply(actor=actor, ticket=ticket, body=payload.body, files=attachments or [])
    return Status(201, _detail(actor, ticket_id))


@router.post(
    "/tickets/{int:ticket_id}/status", response={200: TicketDetailOut, **ERROR_RESPONSES}, operation_id="ticket_status"
)
def ticket_status(request: PortalRequest, ticket_id: int, payload: StatusIn) -> TicketDetailOut:
    """Customers: `closed`, or `new`/`in_progress` to reopen a resolved or closed ticket within
    14 days of its resolution. Staff: any status."""
    actor = _actor(request, write=True)
    ticket = selectors.ticket_for(actor, ticket_id)
    with refused_fields_as_invalid():
        actions.ticket_set_status(actor=actor, ticket=ticket, status=payload.status)
    return _detail(actor, ticket_id)


@router.get(
    "/tickets/attachments/{int:attachment_id}",
    response={200: None, **ERROR_RESPONSES},
    operation_id="ticket_attachment",
    summary="Download an attachment",
)
def ticket_attachment(request: PortalRequest, attachment_id: int) -> FileResponse:
    """The file itself, as a download (`Content-Disposition: attachment`, `nosniff`)."""
    return download(selectors.attachment_for(_actor(request), attachment_id))


@router.get(
    "/staff/tickets",
    response={200: TicketPage, **ERROR_RESPONSES},
    operation_id="staff_ticket_queue",
    auth=STAFF_AUTH,
)
def staff_queue(request: PortalRequest, query: Query[QueueQuery]) -> TicketPage:
    """Staff's queue: open tickets oldest first (all statuses with `status`)."""
    actor = _actor(request, staff=True)
    criteria = _criteria(
        query, customer=query.customer, assigned=query.assigned, older_than_hours=query.older_than_hours
    )
    return TicketPage.of(selectors.queue_for(actor, criteria), query, TicketOut.of)


@router.post(
    "/staff/tickets/{int:ticket_id}/assign",
    response={200: TicketDetailOut, **ERROR_RESPONSES},
    operation_id="staff_ticket_assign",
    auth=STAFF_AUTH,
)
def staff_assign(request: PortalRequest, ticket_id: int, payload: AssignIn) -> TicketDetailOut:
    actor = _actor(request, staff=True)
    ticket = selectors.ticket_for(actor, ticket_id)
    assignee = selectors.staff_members().filter(pk=payload.assigned_to).first() if payload.assigned_to else None
    if payload.assigned_to and assignee is None:
        with refused_fields_as_invalid():
            raise ActionError(_("Choose a member of the operator's staff."), field="assigned_to")
    with refused_fields_as_invalid():
        actions.ticket_assign(actor=actor, ticket=ticket, assignee=assignee)
    return _detail(actor, ticket_id)

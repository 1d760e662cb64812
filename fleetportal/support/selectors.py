"""Reading tickets (F-70): every read starts from the ticket's scope (`policy`), so a ticket
the actor may not see is a 404; internal notes only for staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fleetportal.accounts.models import User
from fleetportal.core.actor import Actor
from fleetportal.core.ids import row_id
from fleetportal.core.models import Customer
from fleetportal.core.scope import scope
from fleetportal.fleet import selectors as fleet_selectors
from fleetportal.fleet.models import Line

from .models import Attachment, Entry, Ticket

LINE_CHOICES = 20  # the search box's suggestions


@dataclass(frozen=True)
class TicketFilter:
    status: str = ""
    text: str = ""
    since: date | None = None
    until: date | None = None
    customer: int | None = None  # staff
    assigned: str = ""  # staff: "", "me", "none" or a user id
    older_than_hours: int | None = None  # staff: the SLA age


def tickets_for(actor: Actor, criteria: TicketFilter | None = None) -> QuerySet[Ticket]:
    """The tickets the actor may see, filtered, newest first."""
    c = criteria or TicketFilter()
    tickets = scope(actor, Ticket).select_related("customer", "assigned_to", "opened_by")
    if c.status in Ticket.Status.values:
        tickets = tickets.filter(status=c.status)
    text = " ".join(c.text.split())
    if text:
        found = Q(message__icontains=text) | Q(contact_email__icontains=text) | Q(lines__msisdn__contains=text)
        if (named := row_id(text)) is not None:
            found |= Q(pk=named)
        tickets = tickets.filter(pk__in=scope(actor, Ticket).filter(found).values("pk"))
    if c.since is not None:
        tickets = tickets.filter(created_at__date__gte=c.since)
    if c.until is not None:
        tickets = tickets.filter(created_at__date__lte=c.until)
    if c.customer:
        tickets = tickets.filter(customer_id=c.customer)
    if c.assigned == "me" and actor.user is not None:
        tickets = tickets.filter(assigned_to=actor.user)
    elif c.assigned == "none":
        tickets = tickets.filter(assigned_to=None)
    elif (assignee := row_id(c.assigned)) is not None:
        tickets = tickets.filter(assigned_to_id=assignee)
    if c.older_than_hours:
        tickets = tickets.filter(created_at__lte=timezone.now() - timedelta(hours=c.older_than_hours))
    return tickets.order_by("-created_at", "-id")


def queue_for(actor: Actor, criteria: TicketFilter) -> QuerySet[Ticket]:
    """Staff's queue: open tickets oldest first unless a status is asked for."""
    tickets = tickets_for(actor, criteria)
    if not criteria.status:
        tickets = tickets.exclude(status__in=(Ticket.Status.RESOLVED, Ticket.Status.CLOSED))
    return tickets.order_by("created_at", "id")


def ticket_for(actor: Actor, ticket_id: Any) -> Ticket:
    try:
        ticket = tickets_for(actor).filter(pk=int(ticket_id)).first()
    except (TypeError, ValueError, OverflowError):
        ticket = None
    if ticket is None:
        raise Http404
    return ticket


def entries_of(actor: Actor, ticket: Ticket) -> QuerySet[Entry]:
    """The conversation; internal notes for staff only."""
    entries = scope(actor, Entry).filter(ticket=ticket).prefetch_related("attachments")
    return entries if actor.is_staff else entries.exclude(kind=Entry.Kind.NOTE)


def attachment_for(actor: Actor, attachment_id: Any) -> Attachment:
    try:
        attachment = (
            scope(actor, Attachment)
            .filter(pk=int(attachment_id))
            .exclude(entry__kind=Entry.Kind.NOTE)
            .select_related("ticket")
            .first()
        )
    except (TypeError, ValueError, OverflowError):
        attachment = None
    if attachment is None:
        raise Http404
    return attachment


def lines_matching(actor: Actor, text: str) -> list[Line]:
    """The search box's suggestions for the ticket's phone numbers: the actor's lines by
    number, name or description (the fleet's own search), not stopped."""
    lines = fleet_selectors.lines_for(actor, search=text).exclude(status=Line.Status.STOPPED)
    return list(lines[:LINE_CHOICES])


def staff_members() -> QuerySet[User]:
    return User.objects.filter(is_staff=True, is_active=True).order_by("email")


def sla_hours(ticket: Ticket) -> int:
    return int((timezone.now() - ticket.created_at).total_seconds() // 3600)


def picked_lines(actor: Actor, numbers: list[str]) -> list[Line]:
    """The lines already picked on a form sent back with an error, to show them again."""
    if not numbers:
        return []
    return list(scope(actor, Line).filter(msisdn__in=[n for n in numbers if isinstance(n, str)][:100]))


def customers_with_tickets() -> QuerySet[Customer]:
    """Staff's customer filter: the customers that have tickets."""
    return Customer.objects.filter(tickets__isnull=False).distinct().order_by("name")

"""The ticket pages (F-70): the customer's list, form and conversation, and staff's queue and
ticket (under /support/staff/, linked from the back office). They call the same actions as the
API; a refusal shows on the form, naming the field; another customer's ticket is a 404."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fleetportal.accounts.decorators import staff_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.ids import row_id
from fleetportal.core.phones import display
from fleetportal.core.views import form_error
from fleetportal.fleet import selectors as fleet_selectors
from fleetportal.fleet.tasks import import_lines

from . import actions, actions_apply, selectors
from .forms import FilterForm, NoteForm, ReplyForm, TicketForm
from .models import Attachment, Ticket
from .policy import may_open

PAGE_SIZE = 25


def _filters(request: LoggedInRequest) -> tuple[FilterForm, selectors.TicketFilter]:
    form = FilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    criteria = selectors.TicketFilter(
        status=data.get("status", ""), text=data.get("q", ""), since=data.get("since"), until=data.get("until")
    )
    return form, criteria


def _page(request: LoggedInRequest, tickets: object) -> object:
    return Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]


@login_required
@require_GET
def ticket_list(request: LoggedInRequest) -> HttpResponse:
    form, criteria = _filters(request)
    page = _page(request, selectors.tickets_for(request.actor, criteria))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "may_open": may_open(request.actor)}
    return render(request, "support/tickets.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: LoggedInRequest) -> HttpResponse:
    actor = request.actor
    if not may_open(actor):
        raise PermissionDenied
    user = request.user
    initial = {"contact_email": user.email, "contact_phone": user.phone.as_national if user.phone else ""}
    form = TicketForm(request.POST or None, request.FILES or None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            ticket = actions.ticket_create(
                actor=actor, data=form.ticket_input(), files=form.cleaned_data["attachments"]
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your ticket #%(id)s is sent.") % {"id": ticket.pk})
            return redirect("support:detail", ticket_id=ticket.pk)
    picked = selectors.picked_lines(actor, form["numbers"].value() or [])
    context = {"form": form, "picked": picked, "line_details": " ".join(actions.LINE_DETAILS)}
    return render(request, "support/new.html", context)


@login_required
@require_GET
def line_search(request: LoggedInRequest) -> HttpResponse:
    """The htmx search box of the ticket form: the actor's lines matching what was typed, each
    a button that adds it (`?pick=<id>`: the line's ticked box) to the numbers picked."""
    if "pick" in request.GET:
        line = fleet_selectors.line_for(request.actor, request.GET["pick"])
        return render(request, "support/_line_picked.html", {"line": line})
    text = request.GET.get("q", "")[:50]
    lines = selectors.lines_matching(request.actor, text) if text.strip() else []
    return render(request, "support/_line_choices.html", {"lines": lines, "q": text})


def _detail_context(request: LoggedInRequest, ticket: Ticket, **forms: object) -> dict[str, object]:
    actor = request.actor
    context: dict[str, object] = {
        "ticket": ticket,
        "entries": selectors.entries_of(actor, ticket),
        "attachments": ticket.attachments.filter(entry=None),
        "numbers": [display(line.msisdn) for line in ticket.lines.order_by("msisdn")],
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "may_reopen": actions.may_reopen(ticket),
        "statuses": Ticket.Status.choices,
    }
    if actor.is_staff:
        context |= {
            "note_form": forms.get("note_form") or NoteForm(),
            "staff_members": selectors.staff_members(),
            "operations": [(op, actions_apply.OPERATION_LABELS[op]) for op in actions_apply.operations_for(ticket)],
            "sla_hours": selectors.sla_hours(ticket),
            "import_job": ticket.import_job,
        }
    return context


def _detail_template(request: LoggedInRequest) -> str:
    return "support/staff_ticket.html" if request.actor.is_staff else "support/ticket.html"


@login_required
@require_GET
def ticket_detail(request: LoggedInRequest, ticket_id: int) -> HttpResponse:
    if request.actor.is_staff:
        return redirect("support:staff_detail", ticket_id=ticket_id)
    ticket = selectors.ticket_for(request.actor, ticket_id)
    return render(request, "support/ticket.html", _detail_context(request, ticket))


def _back(request: LoggedInRequest, ticket: Ticket) -> HttpResponse:
    return redirect("support:staff_detail" if request.actor.is_staff else "support:detail", ticket_id=ticket.pk)


@login_required
@require_POST
def ticket_reply(request: LoggedInRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_for(request.actor, ticket_id)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.ticket_reply(
                actor=request.actor,
                ticket=ticket,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your reply is sent."))
            return _back(request, ticket)
    return render(request, _detail_template(request), _detail_context(request, ticket, reply_form=form), status=400)


@login_required
@require_POST
def ticket_status(request: LoggedInRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_for(request.actor, ticket_id)
    try:
        ticket = actions.ticket_set_status(actor=request.actor, ticket=ticket, status=request.POST.get("status", ""))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The ticket is now %(status)s.") % {"status": ticket.get_status_display()})
    return _back(request, ticket)


@login_required
@require_GET
def attachment_download(request: LoggedInRequest, attachment_id: int) -> FileResponse:
    """A file of a ticket the actor may see, always as a download, its type never sniffed."""
    return download(selectors.attachment_for(request.actor, attachment_id))


def download(attachment: Attachment) -> FileResponse:
    """The stored file as a download under its uploader's name, its type never sniffed."""
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- staff --------------------------------------------------------------------------------------


AGES = (("", ""), ("24", "24"), ("48", "48"), ("120", "120"))


@staff_required
@require_GET
def queue(request: LoggedInRequest) -> HttpResponse:
    """Staff's ticket queue: open tickets oldest first, filtered by status, customer,
    assignment and age (the SLA clock: hours since the ticket was opened)."""
    form, criteria = _filters(request)
    get = request.GET
    age = get.get("age", "")
    customer = get.get("customer", "")
    criteria = selectors.TicketFilter(
        status=criteria.status,
        text=criteria.text,
        since=criteria.since,
        until=criteria.until,
        customer=row_id(customer),
        assigned=get.get("assigned", "")[:12],
        older_than_hours=int(age) if age.isascii() and age.isdigit() and len(age) < 6 else None,
    )
    page = _page(request, selectors.queue_for(request.actor, criteria))
    query = get.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "customers": selectors.customers_with_tickets(),
        "staff_members": selectors.staff_members(),
        "get": get,
        "sla_warn": timedelta(hours=24),
    }
    return render(request, "support/queue.html", context)


@staff_required
@require_GET
def staff_detail(request: LoggedInRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_for(request.actor, ticket_id)
    return render(request, "support/staff_ticket.html", _detail_context(request, ticket))


@staff_required
@require_POST
def staff_note(request: LoggedInRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_for(request.actor, ticket_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        actions.ticket_note(actor=request.actor, ticket=ticket, body=form.cleaned_data["body"])
        messages.success(request, _("The note is saved."))
        return _back(request, ticket)
    return render(request, "support/staff_ticket.html", _detail_context(request, ticket, note_form=form), status=400)


@staff_required
@require_POST
def staff_assign(request: LoggedInRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_for(request.actor, ticket_id)
    wanted = request.POST.get("assigned_to", "")
    named = row_id(wanted)
    assignee = selectors.staff_members().filter(pk=named).first() if named is not None else None
    try:
        actions.ticket_assign(actor=request.actor, ticket=ticket, assignee=assignee)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The ticket's assignment is saved."))
    return _back(request, ticket)


@staff_required
@require_POST
def staff_apply(request: LoggedInRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_for(request.actor, ticket_id)
    operation = request.POST.get("operation", "")
    start = partial(import_lines, apply=operation == actions_apply.IMPORT_CSV)  # a CSV's dry run or import
    try:
        done, outcome = actions_apply.ticket_apply(actor=request.actor, ticket=ticket, operation=operation, start=start)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        (messages.success if done else messages.error)(request, outcome)
    return _back(request, ticket)

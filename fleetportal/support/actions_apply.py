"""Staff apply what a ticket asks for with one click (F-70), through the very actions the fleet
pages use (`fleet.actions`: the same rules, the same refusals, the same audit of each line).

A ticket's "more details" item says which operations apply (`operations_for`): reactivate
paused SIMs → reactivate; stop or pause → suspend or stop; delete SIMs not activated → stop
lines still pending (the card and number go back unused, as the fleet's stop does for a line
that never reached the network). On the ticket's date when it is still ahead, else today.

Add employees via CSV → the fleet's CSV import (F-32) of the ticket's newest CSV file, in its
two steps: "check" starts the dry run (`import_job_create`), "import" applies a clean one
(`import_job_apply`). The dry run and the import run, as every fleet import does, with the
rights of the one who uploaded the file: here the ticket's author, who must still manage the
customer's SIM cards (else the fleet refuses and the ticket says so); staff are recorded on the
ticket as the ones who started it.

Either way the ticket records it: a conversation event listing the numbers and the outcome
(what was done, or the fleet action's refusal), an audit row, a `ticket.updated` event."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fleetportal.accounts.models import Membership
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Channel
from fleetportal.core.phones import display
from fleetportal.fleet import actions as fleet
from fleetportal.fleet.actions.imports import Start, import_job_apply, import_job_create
from fleetportal.fleet.models import ImportJob, Line

from .actions import add_event, locked_ticket, record_updated, require_staff
from .attachments import CSV
from .models import Attachment, Entry, Ticket

Detail = Ticket.Detail
SUSPEND, REACTIVATE, STOP, DELETE = "suspend", "reactivate", "stop", "delete"
CHECK_CSV, IMPORT_CSV = "check_csv", "import_csv"
LINE_OPERATIONS = (SUSPEND, REACTIVATE, STOP, DELETE)
OPERATION_LABELS: dict[str, Promise] = {
    SUSPEND: gettext_lazy("Pause (suspend)"),
    REACTIVATE: gettext_lazy("Reactivate"),
    STOP: gettext_lazy("Stop"),
    DELETE: gettext_lazy("Delete the SIM cards not activated"),
    CHECK_CSV: gettext_lazy("Check the CSV file"),
    IMPORT_CSV: gettext_lazy("Import the checked CSV file"),
}
_OPERATIONS = {
    Detail.REACTIVATE: (REACTIVATE,),
    Detail.STOP_PAUSE: (SUSPEND, STOP),
    Detail.DELETE_INACTIVE: (DELETE,),
}


def operations_for(ticket: Ticket) -> tuple[str, ...]:
    """What staff may apply now: for a CSV, check it until a dry run is clean, then import it."""
    if ticket.detail == Detail.ADD_CSV:
        job = ticket.import_job
        if job is None or job.status == ImportJob.Status.FAILED:
            return (CHECK_CSV,)
        if job.status == ImportJob.Status.CHECKED:
            return (CHECK_CSV,) if job.errors else (IMPORT_CSV,)
        return ()
    return _OPERATIONS.get(Detail(ticket.detail), ()) if ticket.detail else ()


def _author(ticket: Ticket) -> Actor:
    """The ticket's author as a fleet import's uploader (the fleet checks their rights)."""
    membership = (
        Membership.objects.filter(user=ticket.opened_by, customer=ticket.customer)
        .exclude(status=Membership.Status.DISABLED)
        .select_related("customer", "user")
        .first()
        if ticket.opened_by_id
        else None
    )
    if membership is None:
        raise ActionError(_("The person who opened this ticket may no longer manage SIM cards."), field="operation")
    return Actor(
        user=membership.user, channel=Channel.STAFF, membership=membership, functions=frozenset(membership.functions)
    )


def _csv_of(ticket: Ticket) -> Attachment:
    """The ticket's newest CSV file (the customer may send a corrected one in a reply)."""
    found = (
        ticket.attachments.filter(content_type=CSV).exclude(entry__kind=Entry.Kind.NOTE).order_by("-created_at", "-id")
    )
    attachment = found.first()
    if attachment is None:
        raise ActionError(_("This ticket has no CSV file."), field="attachments")
    return attachment


def _import(actor: Actor, ticket: Ticket, operation: str, start: Start) -> str:
    """Start the dry run or the import; what the ticket says of it."""
    if operation == IMPORT_CSV:
        job = import_job_apply(actor=actor, job=ticket.import_job, start=start)  # type: ignore[arg-type]
        return _("Import of %(file)s started: %(rows)d rows.") % {"file": job.file_name, "rows": job.total}
    attachment = _csv_of(ticket)
    with attachment.file.open("rb") as stored:
        data = stored.read()
    job = import_job_create(actor=_author(ticket), file_name=attachment.name, data=data, start=start)
    ticket.import_job = job
    ticket.save(update_fields=["import_job", "updated_at"])
    return _("Check of %(file)s started: %(rows)d rows.") % {"file": job.file_name, "rows": job.total}


def _run(actor: Actor, operation: str, lines: list[Line], on: date | None) -> None:
    if operation == SUSPEND:
        fleet.lines_suspend(actor=actor, lines=lines, on=on)
    elif operation == REACTIVATE:
        fleet.lines_reactivate(actor=actor, lines=lines, on=on)
    elif operation == STOP:
        fleet.lines_stop(actor=actor, lines=lines, on=on)
    else:
        active = [line for line in lines if line.status != Line.Status.PENDING]
        if active:
            raise ActionError(
                _("%(number)s is activated: only a SIM card not activated yet can be deleted.")
                % {"number": display(active[0].msisdn)},
                field="lines",
            )
        fleet.lines_stop(actor=actor, lines=lines, on=on)


@transaction.atomic
def ticket_apply(*, actor: Actor, ticket: Ticket, operation: str, start: Start | None = None) -> tuple[bool, str]:
    """Apply `operation` (one of `operations_for(ticket)`); (done, what the ticket now says). A
    refusal of the fleet action is not an error of this one: it is recorded on the ticket and
    returned. `start(job_id)` queues a CSV import's worker job (the fleet's `import_lines`)."""
    require_staff(actor)
    ticket = locked_ticket(ticket)
    if operation not in operations_for(ticket):
        raise ActionError(_("This ticket does not ask for that."), field="operation")
    if operation not in LINE_OPERATIONS:
        if start is None:
            raise ValueError("a CSV import needs `start`")
        try:
            with transaction.atomic():
                done, outcome = True, _import(actor, ticket, operation, start)
        except ActionError as exc:
            done, outcome = (
                False,
                _("%(operation)s refused: %(reason)s")
                % {
                    "operation": OPERATION_LABELS[operation],
                    "reason": exc.message,
                },
            )
        return _recorded(actor, ticket, operation, done, outcome, [])
    lines = list(ticket.lines.order_by("msisdn"))
    if not lines:
        raise ActionError(_("This ticket names no phone numbers."), field="lines")
    today = timezone.localdate()
    on = ticket.action_date if ticket.action_date and ticket.action_date > today else None
    numbers = ", ".join(display(line.msisdn) for line in lines)
    label = str(OPERATION_LABELS[operation])
    try:
        with transaction.atomic():  # a refusal rolls back the fleet action alone
            _run(actor, operation, lines, on)
    except ActionError as exc:
        done, outcome = (
            False,
            _("%(operation)s refused for %(numbers)s: %(reason)s")
            % {"operation": label, "numbers": numbers, "reason": exc.message},
        )
    else:
        done = True
        if on is None:
            outcome = _("%(operation)s done for %(numbers)s.") % {"operation": label, "numbers": numbers}
        else:
            outcome = _("%(operation)s planned on %(date)s for %(numbers)s.") % {
                "operation": label,
                "numbers": numbers,
                "date": on.strftime("%d/%m/%Y"),
            }
    return _recorded(actor, ticket, operation, done, outcome, lines)


def _recorded(
    actor: Actor, ticket: Ticket, operation: str, done: bool, outcome: str, lines: list[Line]
) -> tuple[bool, str]:
    add_event(actor, ticket, outcome)
    record(
        actor=actor,
        action="ticket.action_applied" if done else "ticket.action_refused",
        customer=ticket.customer,
        obj=ticket,
        after={"operation": operation, "numbers": [line.msisdn for line in lines], "outcome": outcome},
    )
    record_updated(ticket, "action")
    return done, outcome

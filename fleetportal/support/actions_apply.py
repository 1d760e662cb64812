"""Staff apply what a ticket asks for with one click (F-70), through the very actions the fleet
pages use (`fleet.actions`: the same rules, the same refusals, the same audit of each line).

A ticket's "more details" item says which operations apply (`operations_for`): reactivate
paused SIMs → reactivate; stop or pause → suspend or stop; delete SIMs not activated → stop
lines still pending (the card and number go back unused, as the fleet's stop does for a line
that never reached the network). On the ticket's date when it is still ahead, else today.

Either way the ticket records it: a conversation event listing the numbers and the outcome
(what was done, or the fleet action's refusal), an audit row, a `ticket.updated` event."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.core.phones import display
from fleetportal.fleet import actions as fleet
from fleetportal.fleet.models import Line

from .actions import add_event, locked_ticket, record_updated, require_staff
from .models import Ticket

Detail = Ticket.Detail
SUSPEND, REACTIVATE, STOP, DELETE = "suspend", "reactivate", "stop", "delete"
OPERATION_LABELS: dict[str, Promise] = {
    SUSPEND: gettext_lazy("Pause (suspend)"),
    REACTIVATE: gettext_lazy("Reactivate"),
    STOP: gettext_lazy("Stop"),
    DELETE: gettext_lazy("Delete the SIM cards not activated"),
}
_OPERATIONS = {
    Detail.REACTIVATE: (REACTIVATE,),
    Detail.STOP_PAUSE: (SUSPEND, STOP),
    Detail.DELETE_INACTIVE: (DELETE,),
}


def operations_for(ticket: Ticket) -> tuple[str, ...]:
    return _OPERATIONS.get(Detail(ticket.detail), ()) if ticket.detail else ()


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
def ticket_apply(*, actor: Actor, ticket: Ticket, operation: str) -> tuple[bool, str]:
    """Apply `operation` to the ticket's lines; (done, what the ticket now says). A refusal of
    the fleet action is not an error of this one: it is recorded on the ticket and returned."""
    require_staff(actor)
    ticket = locked_ticket(ticket)
    if operation not in operations_for(ticket):
        raise ActionError(_("This ticket does not ask for that."), field="operation")
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

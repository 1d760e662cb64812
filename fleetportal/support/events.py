"""The events tickets record (webhooks subscribe to them) and the audit codes of their changes."""

from django.utils.translation import gettext_lazy as _

from fleetportal.core.events import EventType

# data: {"ticket": id, "subject": ..., "detail": ..., "status": ...}
TICKET_CREATED = EventType("ticket.created", _("Ticket created"))
# data: {"ticket": id, "change": "reply|status|assigned|action", "status": ...}; never a note's text
TICKET_UPDATED = EventType("ticket.updated", _("Ticket updated"))

ALL = (TICKET_CREATED, TICKET_UPDATED)

AUDIT_LABELS = {
    "ticket.replied": _("Ticket replied to"),
    "ticket.noted": _("Internal note added to a ticket"),
    "ticket.status_changed": _("Ticket status changed"),
    "ticket.assigned": _("Ticket assigned"),
    "ticket.action_applied": _("Ticket's request applied"),
    "ticket.action_refused": _("Ticket's request refused"),
}

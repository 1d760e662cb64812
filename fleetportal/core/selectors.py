"""Reads of the audit trail (F-33), always scoped to the actor (DESIGN rule 2)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.phones import InvalidNumber, parse_mobile

from .actor import Actor
from .errors import ActionError
from .models import AuditEvent
from .scope import scope


def _day_start(day: date) -> datetime:
    """Midnight of `day` in the current time zone, so "from/to" mean the user's calendar days."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _number_fragment(text: str) -> str:
    """E.164 when the text is a whole number (0470 12 34 56 → +32470123456), else its digits."""
    try:
        return parse_mobile(text)
    except InvalidNumber:
        return "".join(c for c in text if c.isdigit() or c == "+")


def check_period(date_from: date | None, date_to: date | None) -> None:
    """A period that ends before it starts is refused on its end date (page and API alike)."""
    if date_from and date_to and date_from > date_to:
        raise ActionError(_("The end date is before the start date."), field="date_to")


def audit_events_for(
    actor: Actor,
    *,
    customer_id: int | None = None,
    number: str = "",
    user: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The audit log: a manager's own company, operator staff every company (`customer_id`
    narrows theirs; a manager's is ignored). An API key reads its customer's, once the endpoint
    checked its scope. Everyone else sees nothing."""
    events = scope(actor, AuditEvent)
    if actor.is_staff and customer_id:
        events = events.filter(customer_id=customer_id)
    if number.strip():
        events = events.filter(object_label__contains=_number_fragment(number))
    if user.strip():
        events = events.filter(actor_label__icontains=user.strip())
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(created_at__gte=_day_start(date_from))
    if date_to:
        events = events.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    return events.select_related("customer").order_by("-created_at", "-id")


def audit_actions_for(actor: Actor) -> list[str]:
    """The action names the actor's log holds, for the filter's drop-down."""
    return sorted(set(audit_events_for(actor).order_by().values_list("action", flat=True).distinct()))

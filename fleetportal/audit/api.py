"""The audit log over the API (F-33, F-91): the same filters, scope and selector as the page.

A customer's key or login reads its own company's events only; a `customer` filter is for
operator staff sessions and ignored for everyone else (QUALITY S1).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from fleetportal.accounts.models import ApiKey
from fleetportal.core.actor import Actor
from fleetportal.core.api import ERROR_RESPONSES, api_actor
from fleetportal.core.http import PortalRequest
from fleetportal.core.models import AuditEvent
from fleetportal.core.selectors import audit_events_for, check_period

router = Router(tags=["audit"])

# Security events (logins, rights, keys) are in the log: the general read scope or user management.
READ = (ApiKey.Scope.READ, ApiKey.Scope.USERS)


class AuditEventOut(Schema):
    id: int
    created_at: dt.datetime = Field(description="UTC.")
    customer_id: int | None
    actor: str = Field(description="E-mail of the login, `API key fp_…`, `system` or `anonymous`.")
    channel: Literal["web", "api", "job", "staff", "system"]
    action: str = Field(description='Stable code, e.g. "line.plan_changed".')
    action_label: str = Field(description="The action in the request's language.")
    object_type: str
    object_id: str
    object_label: str
    before: dict[str, Any]
    after: dict[str, Any]

    @staticmethod
    def of(event: AuditEvent) -> AuditEventOut:
        return AuditEventOut(
            id=event.pk,
            created_at=event.created_at,
            customer_id=event.customer_id,
            actor=event.actor_label,
            channel=event.channel,  # type: ignore[arg-type]
            action=event.action,
            action_label=event.get_action_display(),
            object_type=event.object_type,
            object_id=event.object_id,
            object_label=event.object_label,
            before=event.before,
            after=event.after,
        )


class AuditEventPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AuditEventOut]


class AuditFilters(Schema):
    number: str = Field("", max_length=32, description="Phone number as typed (0470…) or a fragment of digits.")
    user: str = Field("", max_length=254, description="Part of the login's e-mail address.")
    action: str = Field("", max_length=64, description="An action code.")
    date_from: dt.date | None = Field(None, description="First day, in the portal's time zone.")
    date_to: dt.date | None = Field(None, description="Last day, in the portal's time zone.")
    customer: int | None = Field(None, ge=1, le=2**63 - 1, description="Operator staff only; ignored otherwise.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)

    @field_validator("number", "user", "action")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError(_("This value contains a character that is not allowed."))
        return value


def _reader(request: PortalRequest) -> Actor:
    actor = request.actor
    return actor if actor.is_staff else api_actor(request, *READ)


@router.get(
    "/audit-events",
    response={200: AuditEventPage, **ERROR_RESPONSES},
    operation_id="audit_events_list",
    summary="List audit events",
)
def audit_events_list(request: PortalRequest, filters: Query[AuditFilters]) -> AuditEventPage:
    """Who changed what, when, through which channel, before and after; newest first.
    Scope `read` or `users`."""
    actor = _reader(request)
    check_period(filters.date_from, filters.date_to)
    events = audit_events_for(
        actor,
        customer_id=filters.customer,
        number=filters.number,
        user=filters.user,
        action=filters.action,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    page = events[filters.offset : filters.offset + filters.limit]
    return AuditEventPage(
        count=events.count(),
        limit=filters.limit,
        offset=filters.offset,
        items=[AuditEventOut.of(event) for event in page],
    )

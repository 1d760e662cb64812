"""Changes planned for a date (activation, suspension, reactivation, stop, plan): list, cancel."""

from __future__ import annotations

from ninja import Router

from fleetportal.core.api import api_actor
from fleetportal.core.http import PortalRequest

from .. import actions, selectors
from .schemas import RESPONSES, ChangeStatus, ScheduledChangeOut
from .scopes import READ, WRITE

router = Router(tags=["fleet"])


@router.get(
    "/scheduled-changes",
    response={200: list[ScheduledChangeOut], **RESPONSES},
    operation_id="scheduled_changes_list",
    summary="Planned changes",
)
def scheduled_changes_list(
    request: PortalRequest, line_id: int | None = None, status: ChangeStatus = "scheduled"
) -> list[ScheduledChangeOut]:
    """Changes planned for a date (activation, suspension, stop, plan), by line if given. Scope `read` or `fleet`."""
    actor = api_actor(request, *READ)
    line = selectors.line_for(actor, line_id) if line_id is not None else None
    changes = selectors.scheduled_changes_for(actor, line=line, status=status)[:1000]
    return [ScheduledChangeOut.of(change) for change in changes]


@router.post(
    "/scheduled-changes/{int:change_id}/cancel",
    response={200: ScheduledChangeOut, **RESPONSES},
    operation_id="scheduled_change_cancel",
    summary="Cancel a planned change",
)
def scheduled_change_cancel(request: PortalRequest, change_id: int) -> ScheduledChangeOut:
    """Cancel a change planned for a date while it has not run. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    change = selectors.scheduled_change_for(actor, None, change_id)
    return ScheduledChangeOut.of(actions.schedule_cancel(actor=actor, change=change))

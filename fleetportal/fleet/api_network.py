"""A line's network state over the API (F-94, R4): what was asked of the network, what it
answered, and a retry of a failed change. The same selectors and action as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Router, Schema, Status

from fleetportal.accounts.models import ApiKey
from fleetportal.core.api import ERROR_RESPONSES, api_actor
from fleetportal.core.http import PortalRequest
from fleetportal.network.models import ProvisioningRequest

from . import selectors
from .actions import provisioning_retry

router = Router(tags=["network"])

READ = (ApiKey.Scope.READ, ApiKey.Scope.FLEET)
WRITE = (ApiKey.Scope.FLEET,)
NetworkState = Literal["in_sync", "pending", "failed"]
RequestStatus = Literal["pending", "sent", "done", "failed"]
Operation = Literal["activate", "suspend", "reactivate", "swap", "plan", "stop", "blocks", "port_in"]


class ProvisioningRequestOut(Schema):
    id: int
    operation: Operation
    status: RequestStatus = Field(description="pending: not sent yet; sent: waiting for the network's answer.")
    attempts: int
    error: str = Field(description='Why it failed; "timeout" when the network did not answer in time.')
    created_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None

    @staticmethod
    def of(request: ProvisioningRequest) -> ProvisioningRequestOut:
        return ProvisioningRequestOut(
            id=request.pk,
            operation=request.operation,  # type: ignore[arg-type]
            status=request.status,  # type: ignore[arg-type]
            attempts=request.attempts,
            error=request.error,
            created_at=request.created_at,
            sent_at=request.sent_at,
            answered_at=request.answered_at,
        )


class LineNetworkOut(Schema):
    line_id: int
    network_state: NetworkState = Field(description="failed: a change did not reach the network; retry it.")
    requests: list[ProvisioningRequestOut] = Field(description="The newest 50 requests, newest first.")


@router.get(
    "/lines/{line_id}/network",
    response={200: LineNetworkOut, **ERROR_RESPONSES},
    operation_id="line_network",
    summary="Network state of a line",
)
def line_network(request: PortalRequest, line_id: int) -> LineNetworkOut:
    """Whether the network is up to date with the line, and its requests. Scope `read` or `fleet`."""
    actor = api_actor(request, *READ)
    line = selectors.line_for(actor, line_id)
    return LineNetworkOut(
        line_id=line.pk,
        network_state=line.network_state,  # type: ignore[arg-type]
        requests=[ProvisioningRequestOut.of(r) for r in selectors.requests_for(actor, line.pk)],
    )


@router.post(
    "/lines/{line_id}/network/retry",
    response={202: ProvisioningRequestOut, **ERROR_RESPONSES, 409: ERROR_RESPONSES[400]},
    operation_id="line_network_retry",
    summary="Retry a failed network change",
)
def line_network_retry(request: PortalRequest, line_id: int) -> Status[ProvisioningRequestOut]:
    """Send the line's failed change again (409 when none failed). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    line = selectors.line_for(actor, line_id)
    return Status(202, ProvisioningRequestOut.of(provisioning_retry(actor=actor, line=line)))

"""What the fleet does when the network has carried out a change (registered in `apps.ready`)."""

from __future__ import annotations

from fleetportal.core.actor import Actor
from fleetportal.core.models import Channel
from fleetportal.network.hooks import on_done
from fleetportal.network.models import ProvisioningRequest

from .actions.lines import line_port_in_complete

NETWORK = Actor(user=None, channel=Channel.SYSTEM)


@on_done(ProvisioningRequest.Operation.PORT_IN)
def port_in_completed(request: ProvisioningRequest) -> None:
    """The donor operator released the number: the line becomes ACTIVE (F-22)."""
    line_port_in_complete(actor=NETWORK, line=request.line)

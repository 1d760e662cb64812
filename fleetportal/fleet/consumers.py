"""What the fleet does when the network has answered (domain events of the network app, run by
the workers after commit). Idempotent: a batch seen twice changes nothing more."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from fleetportal.core.actor import Actor
from fleetportal.core.events import consumer
from fleetportal.core.models import Channel, DomainEvent
from fleetportal.network.events import PROVISIONING_DONE, PROVISIONING_FAILED
from fleetportal.network.models import ProvisioningRequest

from .actions.lines import line_port_in_complete
from .models import Line
from .network_state import refresh_network_state

NETWORK = Actor(user=None, channel=Channel.SYSTEM)


@consumer(PROVISIONING_DONE, PROVISIONING_FAILED, name="fleet.network_state")
def network_state_changed(events: QuerySet[DomainEvent]) -> None:
    """The lines show what the network now has: in sync, still pending, or failed (R4)."""
    refresh_network_state({event.data["line_id"] for event in events})


@consumer(PROVISIONING_DONE, name="fleet.port_in_completed")
def port_in_completed(events: QuerySet[DomainEvent]) -> None:
    """The donor operator released the number: the line becomes ACTIVE (F-22)."""
    line_ids = [e.data["line_id"] for e in events if e.data.get("operation") == ProvisioningRequest.Operation.PORT_IN]
    for line in Line.objects.filter(pk__in=line_ids).select_related("customer"):
        with transaction.atomic():
            line_port_in_complete(actor=NETWORK, line=line)

"""The back office's reads of provisioning requests and simulator rules (staff only, policy.py)."""

from __future__ import annotations

from django.db.models import QuerySet

from fleetportal.core.actor import Actor
from fleetportal.core.scope import scope

from .models import ProvisioningRequest, SimulatorRule


def open_and_failed_requests(actor: Actor, *, limit: int = 100) -> QuerySet[ProvisioningRequest]:
    """The back office's list: the newest requests still waiting or failed, every customer."""
    return (
        scope(actor, ProvisioningRequest)
        .exclude(status=ProvisioningRequest.Status.DONE)
        .select_related("line", "line__customer")
        .order_by("-created_at", "-id")[:limit]
    )


def simulator_rules(actor: Actor) -> QuerySet[SimulatorRule]:
    return scope(actor, SimulatorRule)

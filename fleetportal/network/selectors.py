"""The back office's reads of provisioning requests and simulator rules (staff only)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from fleetportal.core.actor import Actor

from .models import ProvisioningRequest, SimulatorRule


def open_and_failed_requests(actor: Actor, *, limit: int = 100) -> QuerySet[ProvisioningRequest]:
    """The back office's list: the newest requests still waiting or failed, every customer."""
    if not actor.is_staff:
        raise Http404
    return (
        ProvisioningRequest.objects.exclude(status=ProvisioningRequest.Status.DONE)
        .select_related("line", "line__customer")
        .order_by("-created_at", "-id")[:limit]
    )


def simulator_rules(actor: Actor) -> QuerySet[SimulatorRule]:
    if not actor.is_staff:
        raise Http404
    return SimulatorRule.objects.all()

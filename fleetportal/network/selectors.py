"""Reads of provisioning requests, scoped to the actor (DESIGN rule 2): a foreign line is a 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from fleetportal.core.actor import Actor
from fleetportal.fleet.models import Line

from .models import ProvisioningRequest, SimulatorRule


def line_for(actor: Actor, line_id: int) -> Line:
    """A line the actor may see: staff any; a customer's logins and keys their own customer's;
    a phone-number login only its own number (R-I5)."""
    if actor.is_staff:
        lines = Line.objects.all()
    elif actor.customer is not None:
        lines = Line.objects.filter(customer=actor.customer)
        if actor.number is not None:
            lines = lines.filter(msisdn=actor.number)
    else:
        raise Http404
    return get_object_or_404(lines.select_related("customer"), pk=line_id)


def requests_for(actor: Actor, line_id: int, *, limit: int = 50) -> list[ProvisioningRequest]:
    """The newest requests of a line the actor may see."""
    line = line_for(actor, line_id)
    return list(line.provisioning_requests.order_by("-created_at", "-id")[:limit])


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

"""Reads of webhook endpoints and their delivery log, from `scope` (a foreign id is a 404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from fleetportal.core.actor import Actor
from fleetportal.core.events import event_types
from fleetportal.core.scope import scope

from .models import Endpoint, WebhookDelivery


def endpoints_for(actor: Actor) -> QuerySet[Endpoint]:
    return scope(actor, Endpoint)


def endpoint_for(actor: Actor, endpoint_id: int) -> Endpoint:
    return get_object_or_404(endpoints_for(actor), pk=endpoint_id)


def deliveries_of(actor: Actor, endpoint: Endpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first."""
    return scope(actor, WebhookDelivery).filter(endpoint=endpoint).order_by("-created_at", "-id")


def delivery_for(actor: Actor, endpoint: Endpoint, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(deliveries_of(actor, endpoint).select_related("endpoint"), pk=delivery_id)


def event_choices() -> list[tuple[str, str]]:
    """The event catalogue as (name, "name — label") choices, in name order."""
    return [(event.name, f"{event.name} — {event.label}") for event in event_types()]

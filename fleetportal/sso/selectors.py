"""Reading the registered client apps: operator staff only (clients are operator-wide)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from oauth2_provider.models import Application

from fleetportal.core.actor import Actor


def clients_for(actor: Actor) -> QuerySet[Application]:
    if not actor.is_staff:
        return Application.objects.none()
    return Application.objects.order_by("name", "pk")


def client_for(actor: Actor, client_id: int) -> Application:
    client = clients_for(actor).filter(pk=client_id).first()
    if client is None:
        raise Http404
    return client

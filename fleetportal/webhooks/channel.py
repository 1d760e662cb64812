"""Webhooks on the kernel's delivery pipeline (core.delivery): the fan-out that turns each
recorded event of a subscribed type into one `WebhookDelivery` per endpoint, in the action's
transaction, and the channel that signs and POSTs them.

A delivery is tried on a schedule of about a day (1 min, 2 min, 4 min, … then every 4 hours,
14 tries, ~24 h), then dead-lettered. Any 2xx is success; any other status, a timeout, a
refused address is a failure, its status code kept. When a delivery made at least a day ago
dies and nothing reached the endpoint since it was made (a day of failures), the endpoint is
switched off and its fleet managers are told by e-mail (`actions.endpoint_disable_failing`).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core import delivery
from fleetportal.core.events import EventType, fanout
from fleetportal.core.inserts import insert_rows
from fleetportal.core.models import Customer, DomainEvent

from . import signing, transport
from .actions import endpoint_disable_failing
from .models import CHANNEL, Endpoint, WebhookDelivery

MAX_ATTEMPTS = 14
FAILING_FOR = timedelta(hours=24)  # an endpoint nothing reached for this long is switched off
USER_AGENT = "FleetPortal-Webhooks/1"


class DeliveryFailed(Exception):
    """The endpoint answered, but not with a 2xx."""


class EndpointOff(Exception):
    """The endpoint was switched off after the delivery was queued: no point in retrying."""


def retry_delay(attempts: int) -> timedelta:
    """1 min after the first try, doubling, at most 4 h: 13 waits of ~24 h in all."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 240))


@fanout("webhooks")
def fan_out(event: EventType, customer: Customer | None, event_ids: list[int]) -> None:
    """One delivery per subscribed active endpoint of the customer and event: one indexed
    query per batch, no row when nobody subscribed."""
    if customer is None:
        return
    endpoints = [
        pk
        for pk, names in Endpoint.objects.filter(customer=customer, active=True).values_list("pk", "events")
        if event.name in names
    ]
    if not endpoints:
        return
    rows = [
        {"endpoint_id": endpoint, "event_id": event_id, "idempotency_key": uuid.uuid4().hex}
        for endpoint in endpoints
        for event_id in event_ids
    ]
    ids = insert_rows(WebhookDelivery, rows, same={"event_name": event.name, "next_attempt_at": timezone.now()})
    delivery.deliver_after_commit(CHANNEL, ids)


def payload(event: DomainEvent) -> str:
    """The body (Standard Webhooks' shape): the event type, when it happened, and its data with
    the object it is about. Built from the stored event, so every try sends the same bytes."""
    body = {
        "type": event.name,
        "timestamp": event.created_at.isoformat(),
        "data": {**event.data, "object": {"type": event.object_type, "id": event.object_id}},
    }
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)


def send(row: WebhookDelivery) -> None:
    endpoint = row.endpoint
    if not endpoint.active:
        raise EndpointOff("the endpoint is disabled")
    body = payload(row.event)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signing.headers(endpoint.secret, row.webhook_id, int(time.time()), body),
    }
    row.response_status = None
    row.response_status = transport.post(endpoint.url, body.encode(), headers)
    if not 200 <= row.response_status < 300:
        raise DeliveryFailed(f"HTTP {row.response_status}")


def on_dead(row: WebhookDelivery) -> None:
    endpoint = row.endpoint
    if not endpoint.active or row.created_at > timezone.now() - FAILING_FOR:
        return
    reached = WebhookDelivery.objects.filter(
        endpoint=endpoint, status=WebhookDelivery.Status.SENT, sent_at__gte=row.created_at
    ).exists()
    if not reached:
        endpoint_disable_failing(endpoint=endpoint, since=row.created_at)


def register() -> None:
    delivery.register(
        delivery.Channel(
            name=CHANNEL,
            label=_("Webhooks"),
            model=WebhookDelivery,
            send=send,
            max_attempts=lambda: MAX_ATTEMPTS,
            retry_delay=retry_delay,
            permanent=(EndpointOff,),
            on_dead=on_dead,
            select_related=("endpoint", "event"),
        )
    )

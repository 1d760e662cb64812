"""Webhook endpoints through the API (F-92, F-91): the event catalogue, endpoints (the secret
in the answer of create and rotate only) and each one's delivery log with resend. Scope `fleet`
to change, `read` or `fleet` to read. The rules are the actions': a URL or event name they
refuse is a 422 naming the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from fleetportal.accounts.models import ApiKey
from fleetportal.core.api import ERROR_RESPONSES, Page, PageQuery, api_actor
from fleetportal.core.errors import ActionError
from fleetportal.core.events import event_types
from fleetportal.core.http import PortalRequest

from . import actions
from .models import Endpoint, WebhookDelivery
from .selectors import deliveries_of, delivery_for, endpoint_for, endpoints_for

router = Router(tags=["webhooks"])

READ = (ApiKey.Scope.READ, ApiKey.Scope.FLEET)
WRITE = (ApiKey.Scope.FLEET,)
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
T = TypeVar("T")


class _Rules:
    """The action's rules run in the schema, so a refusal is a 422 on its field (same message)."""

    @field_validator("url", check_fields=False)
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _checked(actions.clean_url, value)

    @field_validator("events", check_fields=False)
    @classmethod
    def _events(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _checked(actions.clean_events, value)


def _checked(clean: Callable[[Any], T], value: Any) -> T:
    try:
        return clean(value)
    except ActionError as exc:
        raise ValueError(str(exc.message)) from None


class EventTypeOut(Schema):
    name: str
    label: str


class EndpointIn(_Rules, Schema):
    url: str = Field(..., max_length=actions.URL_MAX, description="https://…, a public address")
    events: list[str] = Field(..., max_length=200, description="names from GET /webhooks/event-types")
    description: str = Field("", max_length=actions.DESCRIPTION_MAX)
    active: bool = True


class EndpointPatch(_Rules, Schema):
    url: str | None = Field(None, max_length=actions.URL_MAX)
    events: list[str] | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=actions.DESCRIPTION_MAX)
    active: bool | None = None


class EndpointOut(Schema):
    id: int
    url: str
    events: list[str]
    description: str
    active: bool
    disabled_at: dt.datetime | None = Field(..., description="when the portal switched it off after failures")
    created_at: dt.datetime

    @staticmethod
    def of(endpoint: Endpoint) -> EndpointOut:
        return EndpointOut(
            id=endpoint.pk,
            url=endpoint.url,
            events=endpoint.events,
            description=endpoint.description,
            active=endpoint.active,
            disabled_at=endpoint.disabled_at,
            created_at=endpoint.created_at,
        )


class EndpointCreatedOut(EndpointOut):
    secret: str = Field(..., description="whsec_…: shown in this answer only")


class SecretOut(Schema):
    secret: str = Field(..., description="whsec_…: shown in this answer only")


class DeliveryOut(Schema):
    id: int
    webhook_id: str = Field(..., description="the webhook-id header, the same on every try")
    event: str
    status: str = Field(..., description="pending, sent or dead")
    response_status: int | None = Field(..., description="the HTTP status of the last try")
    attempts: int
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    sent_at: dt.datetime | None

    @staticmethod
    def of(row: WebhookDelivery) -> DeliveryOut:
        return DeliveryOut(
            id=row.pk,
            webhook_id=row.webhook_id,
            event=row.event_name,
            status=row.status,
            response_status=row.response_status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at if row.status == WebhookDelivery.Status.PENDING else None,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )


class DeliveryPage(Page[DeliveryOut]):
    pass


class DeliveryQuery(PageQuery):
    pass


@router.get(
    "/webhooks/event-types", response={200: list[EventTypeOut], **ERROR_RESPONSES}, operation_id="webhook_events"
)
def event_type_list(request: PortalRequest) -> list[EventTypeOut]:
    """The events an endpoint may subscribe to. Scope `read` or `fleet`."""
    api_actor(request, *READ)
    return [EventTypeOut(name=event.name, label=str(event.label)) for event in event_types()]


@router.get("/webhooks", response={200: list[EndpointOut], **ERROR_RESPONSES}, operation_id="webhook_list")
def endpoint_list(request: PortalRequest) -> list[EndpointOut]:
    """The customer's endpoints. Scope `read` or `fleet`."""
    return [EndpointOut.of(endpoint) for endpoint in endpoints_for(api_actor(request, *READ))]


@router.post("/webhooks", response={201: EndpointCreatedOut, **ERROR_RESPONSES}, operation_id="webhook_create")
def endpoint_create(request: PortalRequest, payload: EndpointIn) -> Status[EndpointCreatedOut]:
    """Register an endpoint; the answer holds its signing secret, shown this once. Scope `fleet`."""
    endpoint, secret = actions.endpoint_create(actor=api_actor(request, *WRITE), **payload.dict())
    return Status(201, EndpointCreatedOut(**EndpointOut.of(endpoint).dict(), secret=secret))


@router.get("/webhooks/{int:endpoint_id}", response={200: EndpointOut, **ERROR_RESPONSES}, operation_id="webhook_get")
def endpoint_get(request: PortalRequest, endpoint_id: Id) -> EndpointOut:
    """Scope `read` or `fleet`."""
    return EndpointOut.of(endpoint_for(api_actor(request, *READ), endpoint_id))


@router.patch(
    "/webhooks/{int:endpoint_id}", response={200: EndpointOut, **ERROR_RESPONSES}, operation_id="webhook_update"
)
def endpoint_update(request: PortalRequest, endpoint_id: Id, payload: EndpointPatch) -> EndpointOut:
    """Change the fields given; `active: true` switches an endpoint on again. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    endpoint = endpoint_for(actor, endpoint_id)
    return EndpointOut.of(actions.endpoint_update(actor=actor, endpoint=endpoint, **payload.dict()))


@router.delete("/webhooks/{int:endpoint_id}", response={204: None, **ERROR_RESPONSES}, operation_id="webhook_delete")
def endpoint_delete(request: PortalRequest, endpoint_id: Id) -> Status[None]:
    """Remove an endpoint and its delivery log. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    actions.endpoint_delete(actor=actor, endpoint=endpoint_for(actor, endpoint_id))
    return Status(204, None)


@router.post(
    "/webhooks/{int:endpoint_id}/rotate-secret",
    response={200: SecretOut, **ERROR_RESPONSES},
    operation_id="webhook_rotate_secret",
)
def endpoint_rotate(request: PortalRequest, endpoint_id: Id) -> SecretOut:
    """A new signing secret, used from the next try on, shown in this answer only. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    return SecretOut(secret=actions.endpoint_rotate_secret(actor=actor, endpoint=endpoint_for(actor, endpoint_id)))


@router.get(
    "/webhooks/{int:endpoint_id}/deliveries",
    response={200: DeliveryPage, **ERROR_RESPONSES},
    operation_id="webhook_deliveries",
)
def delivery_list(request: PortalRequest, endpoint_id: Id, query: Query[DeliveryQuery]) -> DeliveryPage:
    """The endpoint's delivery log, newest first. Scope `read` or `fleet`."""
    actor = api_actor(request, *READ)
    return DeliveryPage.of(deliveries_of(actor, endpoint_for(actor, endpoint_id)), query, DeliveryOut.of)


@router.post(
    "/webhooks/{int:endpoint_id}/deliveries/{int:delivery_id}/resend",
    response={202: DeliveryOut, **ERROR_RESPONSES},
    operation_id="webhook_delivery_resend",
)
def delivery_resend(request: PortalRequest, endpoint_id: Id, delivery_id: Id) -> Status[DeliveryOut]:
    """Send a delivery again: a dead one with its own webhook-id, a delivered one as a new
    message. 409 while it is still being tried. Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    row = delivery_for(actor, endpoint_for(actor, endpoint_id), delivery_id)
    return Status(202, DeliveryOut.of(actions.delivery_resend(actor=actor, row=row)))

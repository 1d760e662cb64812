"""Managing webhook endpoints (F-92): register, change, rotate the secret, remove, resend a
delivery; and the portal's own switching off of an endpoint that keeps failing.

The fleet right (a key's fleet scope) manages them: the events are the fleet's. The signing
secret is returned once, by create and rotate, for the page or the API to show once; it never
reaches the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fleetportal.accounts.models import Membership, Role
from fleetportal.core import delivery
from fleetportal.core.actor import SYSTEM, Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.events import event_types
from fleetportal.core.scope import CHANGE, sees_all_of_customer
from fleetportal.notifications import outbox

from . import signing, transport
from .models import CHANNEL, Endpoint, WebhookDelivery
from .policy import FLEET

URL_MAX = Endpoint._meta.get_field("url").max_length or 500
DESCRIPTION_MAX = Endpoint._meta.get_field("description").max_length or 200


def clean_url(url: str) -> str:
    """An absolute https URL (http too where `WEBHOOKS_REQUIRE_HTTPS` is off) whose host is not
    in a private network. A host that does not resolve yet is accepted: its tries will fail."""
    url = (url or "").strip()
    if not url:
        raise ActionError(_("Enter the URL the events are sent to."), field="url")
    if len(url) > URL_MAX:
        raise ActionError(_("The URL is too long (at most %(n)s characters).") % {"n": URL_MAX}, field="url")
    if settings.WEBHOOKS_REQUIRE_HTTPS and not url.lower().startswith("https://"):
        raise ActionError(_("The URL must start with https://."), field="url")
    try:
        URLValidator(schemes=["https", "http"])(url)
        _scheme, host, port = transport.target(url)
    except (ValidationError, transport.Refused):
        raise ActionError(_("Enter a valid URL, without a user name or password."), field="url") from None
    try:
        transport.addresses(host, port)
    except transport.Refused:
        raise ActionError(
            _("This URL leads to a private or reserved network address; events are sent to public addresses only."),
            field="url",
        ) from None
    except (OSError, UnicodeError):
        pass
    return url


def clean_events(names: Iterable[str]) -> list[str]:
    """Names of the portal's event catalogue (`core.events.event_types`), sorted, once each."""
    chosen = sorted({str(name).strip() for name in names or ()})
    unknown = sorted(set(chosen) - {event.name for event in event_types()})
    if unknown:
        raise ActionError(_("Unknown event: %(names)s.") % {"names": ", ".join(unknown)}, field="events")
    if not chosen:
        raise ActionError(_("Choose at least one event."), field="events")
    return chosen


def clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ActionError(
            _("The description is too long (at most %(n)s characters).") % {"n": DESCRIPTION_MAX},
            field="description",
        )
    return description


def _require_manager(actor: Actor, endpoint: Endpoint | None = None) -> None:
    allowed = sees_all_of_customer(actor, Endpoint, CHANGE) and actor.customer is not None
    if not allowed or (endpoint is not None and endpoint.customer_id != actor.tenant.pk):
        raise PermissionDeniedError(_("Only a manager with the fleet right can manage webhooks."))


def _described(endpoint: Endpoint) -> dict[str, object]:
    return {
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "active": endpoint.active,
    }


@transaction.atomic
def endpoint_create(
    *, actor: Actor, url: str, events: Iterable[str], description: str = "", active: bool = True
) -> tuple[Endpoint, str]:
    """Register an endpoint of the actor's customer; returns it with its secret, shown once."""
    _require_manager(actor)
    endpoint = Endpoint.objects.create(
        customer=actor.tenant,
        url=clean_url(url),
        events=clean_events(events),
        description=clean_description(description),
        active=active,
        secret=signing.new_secret(),
        created_by=actor.user,
    )
    record(actor=actor, action="webhook.created", customer=endpoint.customer, obj=endpoint, after=_described(endpoint))
    return endpoint, endpoint.secret


@transaction.atomic
def endpoint_update(
    *,
    actor: Actor,
    endpoint: Endpoint,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> Endpoint:
    """Change what is given (None: unchanged). Switching an endpoint on again clears the mark of
    the portal having switched it off."""
    _require_manager(actor, endpoint)
    before = _described(endpoint)
    cleaned = {
        "url": clean_url(url) if url is not None else endpoint.url,
        "events": clean_events(events) if events is not None else endpoint.events,
        "description": clean_description(description) if description is not None else endpoint.description,
        "active": endpoint.active if active is None else active,
    }
    for name, value in cleaned.items():
        setattr(endpoint, name, value)
    if active:
        endpoint.disabled_at = None
    endpoint.save(update_fields=["url", "events", "description", "active", "disabled_at"])
    after = _described(endpoint)
    if after != before:
        record(
            actor=actor, action="webhook.changed", customer=endpoint.customer, obj=endpoint, before=before, after=after
        )
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, actor: Actor, endpoint: Endpoint) -> str:
    """A new secret, used from the next try on; returns it, shown once."""
    _require_manager(actor, endpoint)
    endpoint.secret = signing.new_secret()
    endpoint.save(update_fields=["secret"])
    record(actor=actor, action="webhook.secret_rotated", customer=endpoint.customer, obj=endpoint)
    return endpoint.secret


@transaction.atomic
def endpoint_delete(*, actor: Actor, endpoint: Endpoint) -> None:
    """Remove the endpoint with its delivery log (what is still queued for it is not sent)."""
    _require_manager(actor, endpoint)
    record(actor=actor, action="webhook.deleted", customer=endpoint.customer, obj=endpoint, before=_described(endpoint))
    endpoint.delete()


@transaction.atomic
def delivery_resend(*, actor: Actor, row: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again: a dead one as it was (the same webhook-id, a fresh series of
    tries, through `core.delivery.redeliver`); a delivered one as a new message (a new id, so a
    receiver that dropped it as already seen takes it again)."""
    endpoint = row.endpoint
    _require_manager(actor, endpoint)
    if not endpoint.active:
        raise ActionError(_("Switch the endpoint on before sending to it again."), field="active")
    if row.status == WebhookDelivery.Status.DEAD and delivery.redeliver(CHANNEL, row.pk):
        row.refresh_from_db()
        resent = row
    elif row.status == WebhookDelivery.Status.SENT:
        resent = WebhookDelivery.objects.create(
            endpoint=endpoint, event_id=row.event_id, event_name=row.event_name, next_attempt_at=timezone.now()
        )
        delivery.deliver_after_commit(CHANNEL, [resent.pk])
    else:
        raise ActionError(_("This delivery is still being tried."), code="conflict")
    record(
        actor=actor,
        action="webhook.resent",
        customer=endpoint.customer,
        obj=endpoint,
        after={"event": row.event_name, "delivery": resent.pk},
    )
    return resent


def fleet_managers(endpoint: Endpoint) -> list[Membership]:
    """The customer's managers who may fix the endpoint: full logins with the fleet right."""
    managers = Membership.objects.filter(
        customer_id=endpoint.customer_id,
        status=Membership.Status.VALIDATED,
        role__in=(Role.HOLDER, Role.MANAGER),
        user__is_active=True,
    ).select_related("user", "customer")
    return [m for m in managers if not m.functions or FLEET in m.functions]


def endpoint_disable_failing(*, endpoint: Endpoint, since: datetime) -> bool:
    """Switch off an endpoint nothing reached since `since` (called when a delivery dies),
    drop what is still queued for it, and e-mail its fleet managers. Runs in the caller's
    transaction; False if it was off already."""
    now = timezone.now()
    if not Endpoint.objects.filter(pk=endpoint.pk, active=True).update(active=False, disabled_at=now):
        return False
    endpoint.active, endpoint.disabled_at = False, now
    WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING).update(
        status=WebhookDelivery.Status.DEAD, last_error="endpoint switched off"
    )
    record(
        actor=SYSTEM,
        action="webhook.disabled",
        customer=endpoint.customer,
        obj=endpoint,
        before={"active": True},
        after={"active": False, "failing_since": since.isoformat()},
    )
    for membership in fleet_managers(endpoint):
        language = membership.user.language or membership.customer.language
        outbox.send_email(
            to=membership.user.email,
            template="webhooks/email/endpoint_disabled",
            context={
                "url": endpoint.url,
                "customer": membership.customer.name,
                "since": since,
                "link": f"{settings.PORTAL_BASE_URL}/webhooks/{endpoint.pk}/",
            },
            language=language,
            customer=membership.customer,
        )
    return True

"""Sending a line's failed network change again (R4)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.network.models import ProvisioningRequest

from ..models import Line
from ..network_state import retriable_request
from ..provisioning import request_provisioning
from .common import require_fleet


def provisioning_retry(*, actor: Actor, line: Line) -> ProvisioningRequest:
    """Send the line's failed change again, as a new request with a new idempotency key."""
    require_fleet(actor, line.customer_id)
    with transaction.atomic():
        Line.objects.select_for_update().filter(pk=line.pk).exists()  # one retry at a time per line
        failed = retriable_request(line)
        if failed is None:
            raise ActionError(_("This line has no failed network change to retry."), code="conflict")
        (request,) = request_provisioning(lines=[line], operation=failed.operation, payload=failed.payload)
        record(
            actor=actor,
            action="network.retry",
            customer=line.customer,
            obj=line,
            before={"request": failed.pk, "operation": failed.operation, "error": failed.error},
            after={"request": request.pk, "network_state": line.network_state},
        )
    return request

"""A line's network state, derived from its provisioning requests (R4).

Pending while any request is waiting to be sent or answered; else failed while the latest
request of some operation failed (a newer request of the same operation, e.g. its retry,
supersedes it); else in sync. Never a silent mismatch: a failure stays visible until retried.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet

from fleetportal.network.models import ProvisioningRequest

from .models import Line

Status = ProvisioningRequest.Status
OPEN = (Status.PENDING, Status.SENT)


def unresolved_failures() -> QuerySet[ProvisioningRequest]:
    """Failed requests not superseded by a newer request of the same operation on the line."""
    newer = ProvisioningRequest.objects.filter(
        line_id=OuterRef("line_id"), operation=OuterRef("operation"), pk__gt=OuterRef("pk")
    )
    return ProvisioningRequest.objects.filter(status=Status.FAILED).exclude(Exists(newer))


def retriable_request(line: Line) -> ProvisioningRequest | None:
    return unresolved_failures().filter(line=line).order_by("-pk").first()


def refresh_network_state(line_ids: Iterable[int]) -> None:
    """Recompute `network_state` of these lines in three UPDATEs, whatever their number."""
    ids = list(line_ids)
    if not ids:
        return
    lines = Line.objects.filter(pk__in=ids)
    busy = ProvisioningRequest.objects.filter(line_id__in=ids, status__in=OPEN).values("line_id")
    failed = unresolved_failures().filter(line_id__in=ids).values("line_id")
    State = Line.NetworkState
    lines.filter(pk__in=busy).exclude(network_state=State.PENDING).update(network_state=State.PENDING)
    idle = lines.exclude(pk__in=busy)
    idle.filter(pk__in=failed).exclude(network_state=State.FAILED).update(network_state=State.FAILED)
    idle.exclude(pk__in=failed).exclude(network_state=State.IN_SYNC).update(network_state=State.IN_SYNC)

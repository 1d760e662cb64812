"""Sending provisioning requests through the kernel's delivery pipeline, and recording the
network's answers.

At-least-once, like every outbox row (R1): a request is marked SENT only after the adapter
accepted it, so a worker killed mid-send leaves it PENDING and the sweep sends it again with
the same idempotency key; a request already SENT, DONE or FAILED is never sent again. An
accepted request not answered within NETWORK_TIMEOUT_SECONDS is marked FAILED ("timeout"), so
the line shows "failed, retry" instead of silently differing from the network (R4).

Every outcome is a domain event (`provisioning.done` / `provisioning.failed`); the fleet
consumes them to update the line (network state, port-in completed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core import delivery

from .adapters import NetworkRejected, get_adapter
from .events import PROVISIONING_DONE, PROVISIONING_FAILED
from .models import ProvisioningRequest

Status = ProvisioningRequest.Status
TIMEOUT = "timeout"
CHANNEL = "network"


def _send(request: ProvisioningRequest) -> Callable[[], None] | None:
    return get_adapter().send(request)


def _record_outcomes(requests: Iterable[ProvisioningRequest], ok: bool) -> None:
    """One event per request, batched per customer (a batch belongs to one customer)."""
    by_customer: defaultdict[int, list[ProvisioningRequest]] = defaultdict(list)
    for request in requests:
        by_customer[request.line.customer_id].append(request)
    event = PROVISIONING_DONE if ok else PROVISIONING_FAILED
    for same_customer in by_customer.values():
        event.record_many(
            customer=same_customer[0].line.customer,
            items=[(r, {"line_id": r.line_id, "operation": r.operation}) for r in same_customer],
        )


def register_channel() -> None:
    delivery.register(
        delivery.Channel(
            name=CHANNEL,
            label=_("Network"),
            model=ProvisioningRequest,
            send=_send,
            max_attempts=lambda: settings.NETWORK_MAX_ATTEMPTS,
            permanent=(NetworkRejected,),
            on_dead=lambda request: _record_outcomes([request], ok=False),
            dead_status=Status.FAILED,
            redeliverable=False,
            select_related=("line", "line__customer"),
        )
    )


def deliver_request(request_id: int) -> str | None:
    """Hand one pending request to the adapter; returns its new status (None if not ours to send)."""
    return delivery.deliver(CHANNEL, request_id)


def record_answer(request_id: int, *, ok: bool, error: str = "") -> str | None:
    """The network's answer to a sent request. A late success after a timeout is still taken:
    the network did apply the change. Returns the new status (None if there was nothing to answer)."""
    with transaction.atomic():
        request = (
            ProvisioningRequest.objects.select_for_update()
            .select_related("line", "line__customer")
            .filter(pk=request_id, status__in=(Status.SENT, Status.FAILED))
            .first()
        )
        if request is None or (request.status == Status.FAILED and (request.error != TIMEOUT or not ok)):
            return None
        request.status = Status.DONE if ok else Status.FAILED
        request.error = "" if ok else (error or "failed")[:2000]
        request.answered_at = timezone.now()
        request.save(update_fields=["status", "error", "answered_at"])
        _record_outcomes([request], ok=ok)
        return request.status


def due_request_ids(limit: int = 500) -> list[int]:
    """Pending requests whose (re)try is due, including those a killed worker left behind."""
    return delivery.due_ids(CHANNEL, limit)


def expire_unanswered(limit: int = 1000) -> int:
    """Mark requests sent longer than NETWORK_TIMEOUT_SECONDS ago as failed; returns how many."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.NETWORK_TIMEOUT_SECONDS)
    with transaction.atomic():
        expired = list(
            ProvisioningRequest.objects.select_for_update()
            .select_related("line", "line__customer")
            .filter(status=Status.SENT, sent_at__lte=cutoff)
            .order_by("sent_at")[:limit]
        )
        if not expired:
            return 0
        ProvisioningRequest.objects.filter(pk__in=[r.pk for r in expired], status=Status.SENT).update(
            status=Status.FAILED, error=TIMEOUT, answered_at=now
        )
        _record_outcomes(expired, ok=False)
    return len(expired)

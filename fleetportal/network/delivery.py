"""Sending provisioning requests and recording the network's answers.

At-least-once, like the outbox (R1): a request is marked SENT only after the adapter accepted
it, so a worker killed mid-send leaves it PENDING and the sweep sends it again with the same
idempotency key; a request already SENT, DONE or FAILED is never sent again. An accepted
request not answered within NETWORK_TIMEOUT_SECONDS is marked FAILED ("timeout"), so the line
shows "failed, retry" instead of silently differing from the network (R4).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fleetportal.notifications.delivery import backoff

from .adapters import NetworkRejected, get_adapter
from .hooks import run_done_hooks
from .models import ProvisioningRequest
from .state import refresh_network_state

log = logging.getLogger(__name__)

Status = ProvisioningRequest.Status
TIMEOUT = "timeout"


def deliver_request(request_id: int) -> str | None:
    """Hand one pending request to the adapter; returns its new status (None if not ours to send)."""
    with transaction.atomic():
        request = (
            ProvisioningRequest.objects.select_for_update(skip_locked=True)
            .select_related("line")
            .filter(pk=request_id, status=Status.PENDING)
            .first()
        )
        if request is None:
            return None
        request.attempts += 1
        now = timezone.now()
        try:
            get_adapter().send(request)
        except Exception as exc:  # any adapter failure is retried, then shown as failed
            log.warning("provisioning %s attempt %s failed: %s", request.pk, request.attempts, exc)
            request.error = f"{type(exc).__name__}: {exc}"[:2000]
            if isinstance(exc, NetworkRejected) or request.attempts >= settings.NETWORK_MAX_ATTEMPTS:
                request.status = Status.FAILED
                request.answered_at = now
            request.next_attempt_at = now + backoff(request.attempts)
        else:
            request.status = Status.SENT
            request.sent_at = now
            request.error = ""
        request.save(update_fields=["attempts", "status", "error", "next_attempt_at", "sent_at", "answered_at"])
        if request.status == Status.FAILED:
            refresh_network_state([request.line_id])
        return request.status


def record_answer(request_id: int, *, ok: bool, error: str = "") -> str | None:
    """The network's answer to a sent request. A late success after a timeout is still taken:
    the network did apply the change. Returns the new status (None if there was nothing to answer)."""
    with transaction.atomic():
        request = (
            ProvisioningRequest.objects.select_for_update()
            .select_related("line")
            .filter(pk=request_id, status__in=(Status.SENT, Status.FAILED))
            .first()
        )
        if request is None or (request.status == Status.FAILED and (request.error != TIMEOUT or not ok)):
            return None
        request.status = Status.DONE if ok else Status.FAILED
        request.error = "" if ok else (error or "failed")[:2000]
        request.answered_at = timezone.now()
        request.save(update_fields=["status", "error", "answered_at"])
        refresh_network_state([request.line_id])
        if ok:
            run_done_hooks(request)
        return request.status


def due_request_ids(limit: int = 500) -> list[int]:
    """Pending requests whose (re)try is due, including those a killed worker left behind."""
    return list(
        ProvisioningRequest.objects.filter(status=Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def expire_unanswered(limit: int = 1000) -> int:
    """Mark requests sent longer than NETWORK_TIMEOUT_SECONDS ago as failed; returns how many."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.NETWORK_TIMEOUT_SECONDS)
    with transaction.atomic():
        expired = list(
            ProvisioningRequest.objects.select_for_update()
            .filter(status=Status.SENT, sent_at__lte=cutoff)
            .order_by("sent_at")
            .values_list("pk", "line_id")[:limit]
        )
        if not expired:
            return 0
        ProvisioningRequest.objects.filter(pk__in=[pk for pk, _line in expired], status=Status.SENT).update(
            status=Status.FAILED, error=TIMEOUT, answered_at=now
        )
        refresh_network_state({line_id for _pk, line_id in expired})
    return len(expired)

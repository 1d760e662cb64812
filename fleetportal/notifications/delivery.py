"""Sending outbox rows: claim one, hand it to its channel, record the outcome.

At-least-once: a row is marked sent only after the channel returned, so a worker killed
mid-send leaves it pending and the sweep sends it again, with the same idempotency key, once
its lease has run out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from .channels import email, sms
from .models import OutboxMessage

log = logging.getLogger(__name__)

# How long a claimed message is left alone before another worker may try it again.
LEASE = timedelta(minutes=5)

CHANNELS: dict[str, Callable[[OutboxMessage], None]] = {
    OutboxMessage.Kind.EMAIL: email.deliver,
    OutboxMessage.Kind.SMS: sms.deliver,
}


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _claim(message_id: int) -> OutboxMessage | None:
    """Take a due message for LEASE with one conditional UPDATE, so two workers never send it
    at once and no transaction stays open while a slow gateway answers. A worker killed
    mid-send leaves the message due again when the lease ends (at least once, R1)."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    return OutboxMessage.objects.get(pk=message_id) if claimed else None


def deliver_message(message_id: int) -> str | None:
    """Try to send one due message; returns its new status (None if not ours to send)."""
    message = _claim(message_id)
    if message is None:
        return None
    try:
        CHANNELS[message.kind](message)
    except Exception as exc:  # any channel failure is retried, then dead-lettered
        log.warning("outbox %s attempt %s failed: %s", message.pk, message.attempts, exc)
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            message.status = OutboxMessage.Status.DEAD
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
    else:
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
    message.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
    return message.status


def due_message_ids(limit: int = 500) -> list[int]:
    return list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )

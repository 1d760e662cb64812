"""The one delivery pipeline: every e-mail, SMS, provisioning request, event delivery (and,
next, webhook) is a `Deliverable` row written in the business transaction; this engine hands
it to its channel at least once (QUALITY R1).

A channel is registered once by the app that owns it (`register`), with the row model, the
function that sends one row, and how many tries it gets. The engine:

- claims a due row with one conditional UPDATE that takes a lease (no transaction stays open
  while a slow gateway answers; two workers never send it at once; a worker killed mid-send
  leaves it due again when the lease ends, and it is sent again with the same idempotency key);
- sends outside any transaction, then records the outcome, fenced by the attempt number, so a
  worker whose send outlasted its lease cannot overwrite the newer state; what the send returns
  to run afterwards (a callable) runs once the row says "sent";
- retries with exponential backoff (the channel's own `retry_delay`) and dead-letters after the
  channel's last try (or at once for an error the channel calls permanent), visibly:
  `dead_rows()` feeds the staff page.

Rows are queued for the workers after commit with `deliver_after_commit`; the periodic sweep
catches whatever a lost job or a retry left due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from .models import Deliverable

log = logging.getLogger(__name__)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True)
class Channel:
    name: str
    label: str | Promise
    model: type[Deliverable]
    send: Callable[[Any], Callable[[], None] | None]  # may return what to run once "sent" is committed
    max_attempts: Callable[[], int]
    # The rows of this channel when several channels share a table (e-mail and SMS).
    rows: Callable[[], QuerySet[Any]] | None = None
    # Errors that no retry will change: dead at once.
    permanent: tuple[type[Exception], ...] = ()
    # Called (inside the outcome's transaction) when a row is dead-lettered.
    on_dead: Callable[[Any], None] | None = None
    # The status value a dead row has, for the staff list.
    dead_status: str = "dead"
    # Whether staff may send a dead row again as it is (a provisioning request is retried by the
    # line's own "retry" instead, as a new request).
    redeliverable: bool = True
    select_related: tuple[str, ...] = field(default_factory=tuple)
    # How long to wait after the n-th failed try (a webhook's schedule spans a day).
    retry_delay: Callable[[int], timedelta] = backoff

    def queryset(self) -> QuerySet[Any]:
        rows = self.rows() if self.rows is not None else self.model._default_manager.all()
        return rows.select_related(*self.select_related) if self.select_related else rows


_channels: dict[str, Channel] = {}
# Set by the worker module (`core.tasks`) at start-up: how rows reach a worker after commit.
_dispatch: Callable[[str, list[int]], None] | None = None


def register(channel: Channel) -> Channel:
    """Register a channel (idempotent: `AppConfig.ready()` may run twice in tests)."""
    _channels[channel.name] = channel
    return channel


def channels() -> list[Channel]:
    return list(_channels.values())


def channel(name: str) -> Channel:
    return _channels[name]


def set_dispatcher(dispatch: Callable[[str, list[int]], None]) -> None:
    global _dispatch
    _dispatch = dispatch


def deliver_after_commit(channel_name: str, ids: Sequence[int]) -> None:
    """Hand these rows to a worker once the current transaction commits (nothing if it rolls back)."""
    if not ids:
        return
    ids = list(ids)
    dispatch = _dispatch
    if dispatch is not None:
        transaction.on_commit(lambda: dispatch(channel_name, ids))


def _table(chan: Channel) -> QuerySet[Any]:
    """Every row of the channel's table (each concrete model has its own `status`)."""
    return chan.model._default_manager.all()


def _claim(chan: Channel, pk: int) -> Any:
    now = timezone.now()
    claimed = (
        _table(chan)
        .filter(pk=pk, status=Deliverable.PENDING, next_attempt_at__lte=now)
        .update(next_attempt_at=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS), attempts=F("attempts") + 1)
    )
    return chan.queryset().get(pk=pk) if claimed else None


def deliver(channel_name: str, pk: int) -> str | None:
    """Try to send one due row; returns its new status (None if it was not ours to send).

    The send runs outside any transaction (a slow gateway must not hold a database lock); what
    it returns, if anything, is called once its outcome is committed (e.g. the simulator's
    answer, which needs the request marked "sent")."""
    chan = _channels[channel_name]
    row = _claim(chan, pk)
    if row is None:
        return None
    try:
        after = chan.send(row)
    except Exception as exc:  # any channel failure is retried, then dead-lettered
        log.warning("%s %s attempt %s failed: %s", channel_name, row.pk, row.attempts, exc)
        now = timezone.now()
        final = isinstance(exc, chan.permanent) or row.attempts >= chan.max_attempts()
        fields = row.mark_failed(f"{type(exc).__name__}: {exc}"[:2000], final=final, now=now)
        row.next_attempt_at = now + chan.retry_delay(row.attempts)
        with transaction.atomic():
            if not _save_if_still_held(chan, row, [*fields, "next_attempt_at"]):
                return None
            if final and chan.on_dead is not None:
                chan.on_dead(row)
    else:
        with transaction.atomic():
            if not _save_if_still_held(chan, row, row.mark_sent(timezone.now())):
                return None
            if callable(after):
                transaction.on_commit(after)
    return str(row.status)


def _save_if_still_held(chan: Channel, row: Any, fields: list[str]) -> bool:
    """Record the outcome only if no other worker took the row over meanwhile (a send slower
    than the lease): each claim counts an attempt, so the attempt number is the lease's fence.
    A stale worker's outcome is dropped (its send was at least once, under the same key)."""
    held = (
        _table(chan)
        .filter(pk=row.pk, attempts=row.attempts, status=Deliverable.PENDING)
        .update(**{name: getattr(row, name) for name in fields})
    )
    if not held:
        log.warning(
            "%s %s: lease lost to another worker, outcome of attempt %s dropped", chan.name, row.pk, row.attempts
        )
    return bool(held)


def deliver_many(channel_name: str, ids: Iterable[int]) -> None:
    for pk in ids:
        deliver(channel_name, pk)


def due_ids(channel_name: str, limit: int = 500) -> list[int]:
    """Pending rows whose (re)try is due, including those a killed worker left behind."""
    chan = _channels[channel_name]
    return list(
        chan.queryset()
        .filter(status=Deliverable.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def sweep(limit: int = 500) -> int:
    """Deliver what is due on every channel; returns how many rows were tried."""
    tried = 0
    for chan in channels():
        ids = due_ids(chan.name, limit)
        deliver_many(chan.name, ids)
        tried += len(ids)
    return tried


@dataclass(frozen=True)
class DeadRow:
    channel: Channel
    row: models.Model


def dead_rows(limit: int = 100) -> list[DeadRow]:
    """The newest dead-lettered rows of every channel, for the staff's dead-letter list."""
    rows = [
        DeadRow(chan, row)
        for chan in channels()
        for row in chan.queryset().filter(status=chan.dead_status).order_by("-created_at", "-pk")[:limit]
    ]
    rows.sort(key=lambda dead: dead.row.created_at, reverse=True)  # type: ignore[attr-defined]
    return rows[:limit]


def redeliver(channel_name: str, pk: int) -> bool:
    """Put a dead row back in the queue for a fresh series of tries (staff, after fixing the cause)."""
    chan = _channels[channel_name]
    if not chan.redeliverable:
        return False
    revived = (
        chan.queryset()
        .filter(pk=pk, status=chan.dead_status)
        .update(status=Deliverable.PENDING, attempts=0, next_attempt_at=timezone.now())
    )
    if revived:
        deliver_after_commit(channel_name, [pk])
    return bool(revived)

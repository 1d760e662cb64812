"""Every change the network app makes: asking the network for a line change (F-94), retrying a
failed one (R4), and the simulator's rules.

`request_provisioning` is called by other apps' actions inside their own transaction, like the
outbox: a rolled-back change leaves no request behind, and nothing is sent before commit (R1).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.inserts import insert_rows
from fleetportal.fleet.models import Line

from .models import ProvisioningRequest, SimulatorRule
from .state import retriable_request

Operation = ProvisioningRequest.Operation


def _schedule_delivery(batch: str) -> None:
    from .tasks import deliver_batch  # the worker's entry point; imported late to avoid a cycle

    transaction.on_commit(lambda: deliver_batch(batch))


def request_provisioning(
    *,
    lines: Sequence[Line],
    operation: str,
    payload: dict | None = None,
    payload_for: Callable[[Line], dict] | None = None,
) -> list[ProvisioningRequest]:
    """One request per line, the lines marked "pending in network", one delivery job after commit.

    `payload_for(line)` gives a per-line payload and wins over `payload`. Set-based: the same
    few queries for 1 or 10,000 lines. The lines' `version` is left alone: a network round trip
    is not a business change and must not make the caller's next edit "changed meanwhile".
    """
    same, rows = _requests(lines, operation, payload_for or (lambda _line: dict(payload or {})))
    if not rows:
        return []
    with transaction.atomic():
        ids = insert_rows(ProvisioningRequest, rows, same=same)
        Line.objects.filter(pk__in=ProvisioningRequest.objects.filter(batch=same["batch"]).values("line_id")).update(
            network_state=Line.NetworkState.PENDING
        )
        _schedule_delivery(same["batch"])
    for line in lines:
        line.network_state = Line.NetworkState.PENDING
    requests = [
        ProvisioningRequest(pk=pk, line=line, payload=row["payload"], idempotency_key=row["idempotency_key"], **same)
        for pk, line, row in zip(ids, lines, rows, strict=True)
    ]
    for request in requests:  # saved, as bulk_create() would leave them
        request._state.adding = False
        request._state.db = ProvisioningRequest.objects.db
    return requests


def queue_provisioning(*, lines: Sequence[Line], operation: str, payload_for: Callable[[Line], dict]) -> None:
    """The requests of `request_provisioning` and their delivery job, for a bulk action that
    updates the lines anyway: it sets their `network_state` to PENDING in that same UPDATE.

    On PostgreSQL each UPDATE of a line rewrites all its index entries (~1 s for 10,000 lines),
    and the request objects are not made (QUALITY P3).
    """
    same, rows = _requests(lines, operation, payload_for)
    if rows:
        insert_rows(ProvisioningRequest, rows, same=same)
        _schedule_delivery(same["batch"])


def _requests(
    lines: Sequence[Line], operation: str, payload_for: Callable[[Line], dict]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The columns all requests of one call share (one batch), and each line's own."""
    if operation not in Operation.values:
        raise ValueError(f"unknown provisioning operation {operation!r}")
    now = timezone.now()
    same = {"operation": operation, "batch": uuid.uuid4().hex, "next_attempt_at": now, "created_at": now}
    rows = [{"line_id": line.pk, "payload": payload_for(line), "idempotency_key": uuid.uuid4().hex} for line in lines]
    return same, rows


def provisioning_retry(*, actor: Actor, line: Line) -> ProvisioningRequest:
    """Send the line's failed change again, as a new request with a new idempotency key."""
    if not actor.is_staff and (actor.customer != line.customer or not actor.can("fleet")):
        raise PermissionDeniedError(_("You may not manage the lines of this customer."))
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


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise PermissionDeniedError(_("Only operator staff may change the network simulator."))


def simulator_rule_add(*, actor: Actor, msisdn: str, operation: str, outcome: str) -> SimulatorRule:
    """Make the simulator fail or ignore requests for a number and/or an operation (staff)."""
    _require_staff(actor)
    if not msisdn and not operation:
        raise ActionError(_("Give a phone number, an operation or both."), field="msisdn")
    if operation and operation not in Operation.values:
        raise ActionError(_("Choose a valid operation."), field="operation")
    if outcome not in SimulatorRule.Outcome.values:
        raise ActionError(_("Choose a valid outcome."), field="outcome")
    with transaction.atomic():
        rule = SimulatorRule.objects.create(msisdn=msisdn, operation=operation, outcome=outcome)
        record(actor=actor, action="network.simulator_rule_add", obj=rule, after=_rule_fields(rule))
    return rule


def simulator_rule_delete(*, actor: Actor, rule: SimulatorRule) -> None:
    _require_staff(actor)
    with transaction.atomic():
        record(actor=actor, action="network.simulator_rule_delete", obj=rule, before=_rule_fields(rule))
        rule.delete()


def _rule_fields(rule: SimulatorRule) -> dict[str, str]:
    return {"msisdn": rule.msisdn, "operation": rule.operation, "outcome": rule.outcome}

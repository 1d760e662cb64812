"""Every change the network app makes: asking the network for a line change (F-94) and the
simulator's rules.

`request_provisioning` is called by other apps' actions inside their own transaction, like the
outbox: a rolled-back change leaves no request behind, and nothing is sent before commit (R1).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core import delivery
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.inserts import insert_rows

from .delivery import CHANNEL
from .models import ProvisioningRequest, SimulatorRule


class LineLike(Protocol):
    """What the network needs of a line (the fleet's `Line`, which this app does not import)."""

    pk: Any
    msisdn: str


Line = TypeVar("Line", bound=LineLike)


Operation = ProvisioningRequest.Operation


def request_provisioning(
    *,
    lines: Sequence[Line],
    operation: str,
    payload: dict | None = None,
    payload_for: Callable[[Line], dict] | None = None,
) -> list[ProvisioningRequest]:
    """One request per line, delivered by the workers after commit; returns them, saved.

    `payload_for(line)` gives a per-line payload and wins over `payload`. Set-based: one INSERT
    for 1 or 10,000 lines. The line's own "pending in network" state is the fleet's to set
    (`fleet.provisioning`), in the UPDATE it makes anyway.
    """
    same, rows = _requests(lines, operation, payload_for or (lambda _line: dict(payload or {})))
    if not rows:
        return []
    ids = insert_rows(ProvisioningRequest, rows, same=same)
    delivery.deliver_after_commit(CHANNEL, ids)
    requests = []
    for pk, line, row in zip(ids, lines, rows, strict=True):
        request = ProvisioningRequest(
            pk=pk, line_id=line.pk, payload=row["payload"], idempotency_key=row["idempotency_key"], **same
        )
        request._state.fields_cache["line"] = line  # `request.line` without a query
        request._state.adding = False  # saved, as bulk_create() would leave it
        request._state.db = ProvisioningRequest.objects.db
        requests.append(request)
    return requests


def queue_provisioning(*, lines: Sequence[Line], operation: str, payload_for: Callable[[Line], dict]) -> None:
    """The requests of `request_provisioning` without making the request objects, for a bulk
    action of 10,000 lines (QUALITY P3)."""
    same, rows = _requests(lines, operation, payload_for)
    if rows:
        delivery.deliver_after_commit(CHANNEL, insert_rows(ProvisioningRequest, rows, same=same))


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

"""Pausing and ending lines: suspend/reactivate many lines (F-25), stop many numbers or hand them
over to the employees (F-26); each now or on a later date, all or none, set-based."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.gc_pause import collector_paused
from fleetportal.fleet.models import Line, PoolNumber, ScheduledChange, SimCard
from fleetportal.network.actions import queue_provisioning
from fleetportal.network.models import ProvisioningRequest

from ..provisioning import request_provisioning
from .common import (
    IN_NETWORK,
    LIVE,
    StatusRule,
    audit_lines,
    bump,
    lock_lines,
    refuse_past,
    require_fleet_lines,
    today,
)
from .schedule import cancel_pending_changes, schedule_lines

Operation = ProvisioningRequest.Operation
Kind = ScheduledChange.Kind


# The status rules of these actions, each with its refusal: the action refuses with it, the
# due-changes job sorts out the lines it would refuse with it (`jobs`).
SUSPENDABLE = StatusRule((Line.Status.ACTIVE,), _("%(number)s is %(status)s: only an active line can be suspended."))
REACTIVATABLE = StatusRule(
    (Line.Status.SUSPENDED,), _("%(number)s is %(status)s: only a suspended line can be reactivated.")
)
STOPPABLE = StatusRule(LIVE, _("%(number)s is %(status)s already."))


def _switch(
    *,
    actor: Actor,
    lines: Sequence[Line],
    on: date | None,
    expected_versions: Mapping[int, int] | None,
    kind: str,
    rule: StatusRule,
    status: str,
    reason: str,
) -> list[Line]:
    """Move lines from `rule`'s statuses to `status` set-based now, or plan it for `on`."""
    on = on or today()
    refuse_past(on)
    require_fleet_lines(actor, lines)
    locked = lock_lines(lines, expected_versions)
    rule.require(locked)
    if on > today():
        schedule_lines(actor=actor, lines=locked, kind=kind, on=on, payload={"reason": reason} if reason else None)
        return locked
    before = {line.pk: line.status for line in locked}
    bump(locked, status=status)
    request_provisioning(lines=locked, operation=kind, payload={"reason": reason} if reason else None)
    audit_lines(
        actor,
        f"line.{kind}",
        ((line, {"status": before[line.pk]}, {"status": status, "reason": reason}) for line in locked),
    )
    return locked


@transaction.atomic
def lines_suspend(
    *,
    actor: Actor,
    lines: Sequence[Line],
    on: date | None = None,
    reason: str = "",
    expected_versions: Mapping[int, int] | None = None,
) -> list[Line]:
    """Suspend ACTIVE lines (e.g. a lost phone), all or none (F-25)."""
    return _switch(
        actor=actor,
        lines=lines,
        on=on,
        expected_versions=expected_versions,
        kind=Kind.SUSPEND,
        rule=SUSPENDABLE,
        status=Line.Status.SUSPENDED,
        reason=reason,
    )


@transaction.atomic
def lines_reactivate(
    *,
    actor: Actor,
    lines: Sequence[Line],
    on: date | None = None,
    reason: str = "",
    expected_versions: Mapping[int, int] | None = None,
) -> list[Line]:
    """Reactivate SUSPENDED lines, all or none (F-25)."""
    return _switch(
        actor=actor,
        lines=lines,
        on=on,
        expected_versions=expected_versions,
        kind=Kind.REACTIVATE,
        rule=REACTIVATABLE,
        status=Line.Status.ACTIVE,
        reason=reason,
    )


@collector_paused()
@transaction.atomic
def lines_stop(
    *,
    actor: Actor,
    lines: Sequence[Line],
    on: date | None = None,
    transfer_to_private: bool = False,
    expected_versions: Mapping[int, int] | None = None,
) -> list[Line]:
    """End lines today or on a date (F-26), or hand their numbers over to the employees
    privately; all or none (R2), in the same few queries for one line or 10,000.

    Ended: a SIM is retired and a pool number goes to quarantine before anyone gets it again.
    Handed over: the number stays assigned (it lives on with the employee), nothing is freed.
    A line that never reached the network gives its card and number back unused. Whatever was
    planned for the lines is cancelled.
    """
    on = on or today()
    refuse_past(on)
    require_fleet_lines(actor, lines)
    locked = lock_lines(lines, expected_versions, related=("sim",))
    STOPPABLE.require(locked)
    if on > today():
        schedule_lines(
            actor=actor, lines=locked, kind=Kind.STOP, on=on, payload={"transfer_to_private": transfer_to_private}
        )
        return locked
    before = {line.pk: {"status": line.status, "iccid": line.sim.iccid if line.sim else ""} for line in locked}
    in_network = [line for line in locked if line.status in IN_NETWORK]
    never = [line for line in locked if line.status not in IN_NETWORK]
    now = timezone.now()
    stopped = {"status": Line.Status.STOPPED, "stopped_at": now, "transferred_to_private": transfer_to_private}
    # Each line written once: "pending in network" in the same UPDATE as the stop.
    bump(in_network, **stopped, network_state=Line.NetworkState.PENDING)
    bump(never, **stopped)
    for group, sim_status, number_status in (
        (in_network, SimCard.Status.RETIRED, PoolNumber.Status.QUARANTINE),
        (never, SimCard.Status.BLANK, PoolNumber.Status.FREE),
    ):
        sims = [line.sim for line in group if line.sim is not None]
        if sims:
            SimCard.objects.filter(pk__in=[sim.pk for sim in sims]).update(status=sim_status)
            for sim in sims:
                sim.status = sim_status
        if group and not transfer_to_private:
            PoolNumber.objects.filter(msisdn__in=[line.msisdn for line in group]).update(
                status=number_status, released_at=now
            )
    queue_provisioning(
        lines=in_network,
        operation=Operation.STOP,
        payload_for=lambda line: {"msisdn": line.msisdn, "transfer_to_private": transfer_to_private},
    )
    cancel_pending_changes(locked)
    after = {"status": Line.Status.STOPPED, "transfer_to_private": transfer_to_private}
    audit_lines(actor, "line.stopped", ((line, before[line.pk], after) for line in locked))
    return locked


def line_stop(
    *,
    actor: Actor,
    line: Line,
    on: date,
    transfer_to_private: bool = False,
    version: int | None = None,
) -> Line:
    """End one line on a date (F-26), or hand its number over to the employee privately:
    `lines_stop` for one line."""
    (locked,) = lines_stop(
        actor=actor,
        lines=[line],
        on=on,
        transfer_to_private=transfer_to_private,
        expected_versions=None if version is None else {line.pk: version},
    )
    return locked

"""Pausing and ending lines: suspend/reactivate many lines (F-25), stop a number or hand it over
to the employee (F-26); each now or on a later date."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.fleet.models import Line, PoolNumber, ScheduledChange, SimCard
from fleetportal.network.models import ProvisioningRequest

from ..provisioning import request_provisioning
from .common import (
    IN_NETWORK,
    LIVE,
    audit_lines,
    bump,
    lock_lines,
    refuse_past,
    require_fleet_lines,
    require_status,
    today,
)
from .schedule import cancel_pending_changes, schedule_lines

Operation = ProvisioningRequest.Operation
Kind = ScheduledChange.Kind


def _switch(
    *,
    actor: Actor,
    lines: Sequence[Line],
    on: date | None,
    expected_versions: Mapping[int, int] | None,
    kind: str,
    allowed: tuple[str, ...],
    refusal: object,
    status: str,
    reason: str,
) -> list[Line]:
    """Move lines from `allowed` to `status` set-based now, or plan it for `on`."""
    on = on or today()
    refuse_past(on)
    require_fleet_lines(actor, lines)
    locked = lock_lines(lines, expected_versions)
    require_status(locked, allowed, refusal)
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
        allowed=(Line.Status.ACTIVE,),
        refusal=_("%(number)s is %(status)s: only an active line can be suspended."),
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
        allowed=(Line.Status.SUSPENDED,),
        refusal=_("%(number)s is %(status)s: only a suspended line can be reactivated."),
        status=Line.Status.ACTIVE,
        reason=reason,
    )


@transaction.atomic
def line_stop(
    *,
    actor: Actor,
    line: Line,
    on: date,
    transfer_to_private: bool = False,
    version: int | None = None,
) -> Line:
    """End a line on a date (F-26), or hand its number over to the employee privately.

    Ended: the SIM is retired and a pool number goes to quarantine before anyone gets it again.
    Handed over: the number stays assigned (it lives on with the employee), nothing is freed.
    Whatever was planned for the line is cancelled.
    """
    refuse_past(on)
    require_fleet_lines(actor, [line])
    (locked,) = lock_lines([line], None if version is None else {line.pk: version}, related=("sim",))
    require_status([locked], LIVE, _("%(number)s is %(status)s already."))
    if on > today():
        schedule_lines(
            actor=actor, lines=[locked], kind=Kind.STOP, on=on, payload={"transfer_to_private": transfer_to_private}
        )
        return locked
    before = {"status": locked.status, "iccid": locked.sim.iccid if locked.sim else ""}
    reached_network = locked.status in IN_NETWORK
    now = timezone.now()
    bump([locked], status=Line.Status.STOPPED, stopped_at=now, transferred_to_private=transfer_to_private)
    # A line that never reached the network gives its card and number back unused.
    if locked.sim is not None:
        sim_status = SimCard.Status.RETIRED if reached_network else SimCard.Status.BLANK
        SimCard.objects.filter(pk=locked.sim.pk).update(status=sim_status)
    if not transfer_to_private:
        number_status = PoolNumber.Status.QUARANTINE if reached_network else PoolNumber.Status.FREE
        PoolNumber.objects.filter(msisdn=locked.msisdn).update(status=number_status, released_at=now)
    if reached_network:
        request_provisioning(
            lines=[locked],
            operation=Operation.STOP,
            payload={"msisdn": locked.msisdn, "transfer_to_private": transfer_to_private},
        )
    cancel_pending_changes([locked])
    audit_lines(
        actor,
        "line.stopped",
        [(locked, before, {"status": Line.Status.STOPPED, "transfer_to_private": transfer_to_private})],
    )
    return locked

"""Ordering, changing and ending group bundles and choosing their member lines (F-50, F-51).

Pages, the API and the demo call these alike. Each checks the fleet right, validates (an
`ActionError` naming the field: `offer`, `name`, `out_of_bundle_notify_at`, `lines`), writes in
one transaction, audits and records its `pool.*` event. A line is in one live pool at a time:
adding it to another ends its old membership (a move), so rating finds, for any record time,
the one pool the line was in then.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.catalog.models import ContractGroupBundle
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record, record_many
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Contract, Customer
from fleetportal.fleet.actions.common import (
    LIVE,
    StatusRule,
    contract_of_lines,
    lock_lines,
    max_length,
    number_label,
    require_fleet,
)
from fleetportal.fleet.actions.controls import clean_amount
from fleetportal.fleet.models import Line

from . import events
from .events import CHANGED, ENDED, MEMBERS_ADDED, MEMBERS_REMOVED, OF_ACTION, ORDERED
from .models import GroupBundle, GroupBundleMember

NOTIFY_FIELD = "out_of_bundle_notify_at"
NOT_STOPPED = StatusRule(LIVE, _("%(number)s is %(status)s: it cannot join a group bundle."))


@dataclass(frozen=True)
class MembersChange:
    """What adding or removing members did: the lines that joined (or left), and of those the
    ones that came from another pool; lines already in the pool are left as they were."""

    pool: GroupBundle
    lines: list[Line] = field(default_factory=list)
    moved_from: dict[int, GroupBundle] = field(default_factory=dict)  # line id → the pool it left
    unchanged: list[Line] = field(default_factory=list)


def clean_notify_at(value: Decimal | str | None) -> Decimal | None:
    """The pool's out-of-bundle notification amount: the line's rule (F-42), since the pool's
    field has the line's digits; a text as typed on a page or sent to the API ("12,50" too)."""
    return clean_amount(value, field=NOTIFY_FIELD)


def clean_name(value: Any) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise ActionError(_("Give the group bundle a name."), field="name")
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise ActionError(_("Enter a name without control characters."), field="name")
    limit = max_length(GroupBundle, "name")
    if len(name) > limit:
        raise ActionError(_("Enter at most %(n)s characters.") % {"n": limit}, field="name")
    return name


def _require_offer_of(contract_id: int, offer: ContractGroupBundle) -> None:
    if offer.contract_id != contract_id:
        raise ActionError(_("Choose a group bundle of your contract."), field="offer")


def pool_snapshot(pool: GroupBundle) -> dict[str, Any]:
    """The pool as the audit log and its events keep it: JSON values, the offer by name."""
    notify = pool.out_of_bundle_notify_at
    return {
        "name": pool.name,
        "offer": str(pool.offer.offer),
        "contract": pool.contract.number,
        NOTIFY_FIELD: None if notify is None else str(notify),
        "ended_at": pool.ended_at.isoformat() if pool.ended_at else None,
    }


def _audit(actor: Actor, action: str, pool: GroupBundle, before: dict[str, Any]) -> None:
    """The pool's audit row and its event (`action` is the event's name too)."""
    after = pool_snapshot(pool)
    record(actor=actor, action=action, customer=Customer(pk=pool.customer_id), obj=pool, before=before, after=after)
    OF_ACTION[action].record(customer=Customer(pk=pool.customer_id), obj=pool, data=after)


def _locked_pool(pool: GroupBundle, version: int | None = None) -> GroupBundle:
    """The pool under a row lock, live and (when given) at the version the caller saw (R2)."""
    locked = GroupBundle.objects.select_for_update(of=("self",)).select_related("offer__offer", "contract")
    current = locked.get(pk=pool.pk)
    if version is not None and current.version != version:
        raise ActionError(
            _("This group bundle was changed meanwhile by someone else: reload and try again."), code="conflict"
        )
    if current.ended_at is not None:
        raise ActionError(_("This group bundle has ended."), code="conflict")
    return current


@transaction.atomic
def pool_order(
    *,
    actor: Actor,
    contract: Contract,
    offer: ContractGroupBundle,
    name: str,
    out_of_bundle_notify_at: Decimal | str | None = None,
) -> GroupBundle:
    """Order a pool from one of the contract's group-bundle offers; it starts now, empty."""
    require_fleet(actor, contract.customer_id)
    _require_offer_of(contract.pk, offer)
    pool = GroupBundle.objects.create(
        customer_id=contract.customer_id,
        contract=contract,
        offer=offer,
        name=clean_name(name),
        out_of_bundle_notify_at=clean_notify_at(out_of_bundle_notify_at),
        started_at=timezone.now(),
    )
    _audit(actor, ORDERED, pool, {})
    return pool


@transaction.atomic
def pool_change(
    *,
    actor: Actor,
    pool: GroupBundle,
    offer: ContractGroupBundle,
    name: str,
    out_of_bundle_notify_at: Decimal | str | None,
    version: int | None,
) -> GroupBundle:
    """Move the pool to another offer of its contract, rename it, set its notification amount."""
    require_fleet(actor, pool.customer_id)
    _require_offer_of(pool.contract_id, offer)
    cleaned = {"offer": offer, "name": clean_name(name), NOTIFY_FIELD: clean_notify_at(out_of_bundle_notify_at)}
    locked = _locked_pool(pool, version)
    before = pool_snapshot(locked)
    if all(getattr(locked, key) == value for key, value in cleaned.items()):
        return locked
    GroupBundle.objects.filter(pk=locked.pk).update(**cleaned, version=F("version") + 1)
    locked.refresh_from_db()
    _audit(actor, CHANGED, locked, before)
    return locked


def _audit_lines(actor: Actor, action: str, pool: GroupBundle, rows: list[tuple[Line, Any, Any]]) -> None:
    """One audit row per line, so a line's own history shows the pools it was in."""
    record_many(actor=actor, action=action, customer=Customer(pk=pool.customer_id), changes=rows)


@transaction.atomic
def pool_members_add(*, actor: Actor, pool: GroupBundle, lines: Sequence[Line]) -> MembersChange:
    """Add lines of the pool's contract; a line in another live pool moves (its old membership
    ends now). A stopped line, or one of another contract, refuses the whole change."""
    require_fleet(actor, pool.customer_id)
    locked_pool = _locked_pool(pool)
    locked = lock_lines(list(lines), {})
    NOT_STOPPED.require(locked)
    contracts = contract_of_lines(locked)
    for line in locked:
        if contracts[line.pk] != locked_pool.contract_id:
            raise ActionError(
                _("%(number)s is not a line of contract %(contract)s.")
                % {"number": number_label(line), "contract": locked_pool.contract.number},
                field="lines",
            )
    current = {
        member.line_id: member
        for member in GroupBundleMember.objects.select_for_update(of=("self",))
        .select_related("pool")
        .filter(line__in=locked, left_at__isnull=True)
    }
    unchanged = [line for line in locked if line.pk in current and current[line.pk].pool_id == locked_pool.pk]
    joining = [line for line in locked if line not in unchanged]
    moving = {line.pk: current[line.pk] for line in joining if line.pk in current}
    now = timezone.now()
    GroupBundleMember.objects.filter(pk__in=[member.pk for member in moving.values()]).update(left_at=now)
    GroupBundleMember.objects.bulk_create(
        GroupBundleMember(pool=locked_pool, line=line, joined_at=now) for line in joining
    )
    if joining:
        rows = [
            (
                line,
                {"group_bundle": moving[line.pk].pool.name if line.pk in moving else None},
                {"group_bundle": locked_pool.name},
            )
            for line in joining
        ]
        _audit_lines(actor, MEMBERS_ADDED, locked_pool, rows)
        events.POOL_MEMBERS_ADDED.record(
            customer=Customer(pk=locked_pool.customer_id),
            obj=locked_pool,
            data={
                "lines": [line.pk for line in joining],
                "moved_from": {str(line_id): member.pool_id for line_id, member in moving.items()},
            },
        )
    return MembersChange(
        pool=locked_pool,
        lines=joining,
        moved_from={line_id: member.pool for line_id, member in moving.items()},
        unchanged=unchanged,
    )


def _end_memberships(actor: Actor, pool: GroupBundle, members: list[GroupBundleMember]) -> list[Line]:
    """End these live memberships now: audited per line, one event for the pool."""
    if not members:
        return []
    GroupBundleMember.objects.filter(pk__in=[member.pk for member in members]).update(left_at=timezone.now())
    lines = [member.line for member in members]
    _audit_lines(
        actor,
        MEMBERS_REMOVED,
        pool,
        [(line, {"group_bundle": pool.name}, {"group_bundle": None}) for line in lines],
    )
    events.POOL_MEMBERS_REMOVED.record(
        customer=Customer(pk=pool.customer_id), obj=pool, data={"lines": [line.pk for line in lines]}
    )
    return lines


@transaction.atomic
def pool_members_remove(*, actor: Actor, pool: GroupBundle, lines: Sequence[Line]) -> MembersChange:
    """Take lines out of the pool (their membership ends now); a line not in it refuses all."""
    require_fleet(actor, pool.customer_id)
    locked_pool = _locked_pool(pool)
    if not lines:
        raise ActionError(_("Select at least one line."), field="lines")
    members = {
        member.line_id: member
        for member in GroupBundleMember.objects.select_for_update(of=("self",))
        .select_related("line")
        .filter(pool=locked_pool, line__in=lines, left_at__isnull=True)
    }
    for line in lines:
        if line.pk not in members:
            raise ActionError(
                _("%(number)s is not in this group bundle.") % {"number": number_label(line)}, field="lines"
            )
    wanted = list(dict.fromkeys(line.pk for line in lines))
    return MembersChange(pool=locked_pool, lines=_end_memberships(actor, locked_pool, [members[pk] for pk in wanted]))


@transaction.atomic
def pool_end(*, actor: Actor, pool: GroupBundle, version: int | None = None) -> GroupBundle:
    """End the pool now: its members leave it (their own bundles apply again)."""
    require_fleet(actor, pool.customer_id)
    locked = _locked_pool(pool, version)
    members = list(
        GroupBundleMember.objects.select_for_update(of=("self",))
        .select_related("line")
        .filter(pool=locked, left_at__isnull=True)
    )
    _end_memberships(actor, locked, members)
    before = pool_snapshot(locked)
    GroupBundle.objects.filter(pk=locked.pk).update(ended_at=timezone.now(), version=F("version") + 1)
    locked.refresh_from_db()
    _audit(actor, ENDED, locked, before)
    return locked

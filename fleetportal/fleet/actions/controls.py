"""A line's controls (SPEC §4): blocks per traffic type (F-40), the PayByMobile limit (F-41),
the out-of-bundle notification amount (F-42) and the member's bundle alerts switch (F-43).

Blocks are `LineBlock` rows: set by a manager (the Manage SIM tab, a bulk change of the SIM
overview's selection, the API) or by a usage rule (`rule_id`), which lifts only its own at the
next period. A block a manager sets on a service a rule blocked becomes the manager's, so the
rule no longer lifts it. Every change that alters what the network bars (blocks, PayByMobile)
sends the line's whole barring profile as one "blocks" provisioning request: a request applied
twice, or an older one retried, leaves the same state as the last change said (R1, R4).

Notification amounts only notify, never block (R-C1): they reach no network.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.gc_pause import collector_paused
from fleetportal.core.inserts import insert_rows
from fleetportal.fleet.models import Line, LineBlock, Service
from fleetportal.network.actions import queue_provisioning
from fleetportal.network.models import ProvisioningRequest

from .common import (
    IN_NETWORK,
    LIVE,
    StatusRule,
    audit_line,
    audit_lines,
    bump,
    lock_lines,
    may_manage,
    require_fleet,
    require_fleet_lines,
)

# Controls apply to lines that live; a stopped number has nothing left to bar. A pending line
# keeps its controls until its activation sends them (`provision_barring`).
CONTROLLABLE = StatusRule(LIVE, _("%(number)s is %(status)s: its blocks and limits cannot be changed."))

PayByMobile = Line.PayByMobile


def _amount_limit(name: str) -> tuple[int, Decimal]:
    """A line amount field's decimal places and the largest amount it keeps (8 digits, 2 of
    them decimals: 999,999.99)."""
    model_field = Line._meta.get_field(name)
    places = int(model_field.decimal_places)  # type: ignore[union-attr]
    digits = int(model_field.max_digits)  # type: ignore[union-attr]
    return places, Decimal(10) ** (digits - places) - Decimal(1).scaleb(-places)


def clean_amount(value: Any, *, field: str) -> Decimal | None:
    """The one rule of a line's EUR amounts (PayByMobile cap, out-of-bundle notification): empty
    is None, else a number ≥ 0 within the field's digits, "12,50" read as 12.50. The forms and the
    API schemas call it, so they refuse a bad amount with the action's message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    places, largest = _amount_limit(field)
    if isinstance(value, bool):
        value = "x"  # true/false is no amount
    try:
        amount = Decimal(value.strip().replace(",", ".") if isinstance(value, str) else str(value))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ActionError(_("Enter an amount in EUR, such as 25 or 12.50."), field=field)
    if amount < 0 or amount > largest:
        raise ActionError(_("Enter an amount from 0 to %(largest)s EUR.") % {"largest": f"{largest:,}"}, field=field)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise ActionError(_("Enter an amount with at most %(n)d decimals.") % {"n": places}, field=field)
    return amount.quantize(Decimal(1).scaleb(-places))


def clean_services(services: Iterable[str], *, field: str) -> list[str]:
    """Known services (`Service`), each once, in the catalogue's order; an unknown one is refused
    naming it."""
    wanted = list(dict.fromkeys(services))
    for service in wanted:
        if service not in Service.values:
            raise ActionError(
                _("Unknown service %(service)s: choose from %(services)s.")
                % {"service": str(service)[:40], "services": ", ".join(Service.values)},
                field=field,
            )
    return [service for service in Service.values if service in wanted]


def clean_blocks_change(block: Iterable[str], unblock: Iterable[str]) -> tuple[list[str], list[str]]:
    """What a blocks change may ask: known services, at least one, none both blocked and unblocked."""
    blocking, unblocking = clean_services(block, field="block"), clean_services(unblock, field="unblock")
    if not blocking and not unblocking:
        raise ActionError(_("Choose services to block or to unblock."), field="block")
    both = set(blocking) & set(unblocking)
    if both:
        raise ActionError(
            _("%(service)s cannot be blocked and unblocked at once.") % {"service": Service(sorted(both)[0]).label},
            field="unblock",
        )
    return blocking, unblocking


def current_blocks(line_ids: Iterable[int]) -> dict[int, dict[str, int | None]]:
    """Each line's blocked services → the rule that set it (None: a manager), one query."""
    blocks: dict[int, dict[str, int | None]] = defaultdict(dict)
    for line_id, service, rule_id in LineBlock.objects.filter(line_id__in=list(line_ids)).values_list(
        "line_id", "service", "rule_id"
    ):
        blocks[line_id][service] = rule_id
    return blocks


def barring_payload(line: Line, blocks: Iterable[str]) -> dict[str, Any]:
    """What the network bars on the line, whole: its blocks and its PayByMobile limit."""
    cap = line.paybymobile_cap
    return {
        "msisdn": line.msisdn,
        "blocks": sorted(blocks),
        "paybymobile": line.paybymobile,
        "paybymobile_cap": None if cap is None else str(cap),
    }


def provision_barring(lines: Sequence[Line]) -> None:
    """Send the barring profile of lines the network has just learnt (activated, porting in)
    when they have one: blocks or a PayByMobile limit set while they were pending."""
    blocks = current_blocks(line.pk for line in lines)
    queue_provisioning(
        lines=[line for line in lines if blocks.get(line.pk) or line.paybymobile != PayByMobile.UNLIMITED],
        operation=ProvisioningRequest.Operation.BLOCKS,
        payload_for=lambda line: barring_payload(line, blocks.get(line.pk, {})),
    )


@dataclass(frozen=True)
class BlocksChangeRow:
    line: Line
    before: list[str]
    blocked: list[str]  # newly barred, or taken over from a rule by a manager
    unblocked: list[str]
    after: list[str]
    refusal: ActionError | None = None  # the line's status refuses the change (all or nothing)

    @property
    def changes(self) -> bool:
        return self.refusal is None and bool(self.blocked or self.unblocked)


@dataclass(frozen=True)
class BlocksChangeReview:
    block: list[str]
    unblock: list[str]
    rows: list[BlocksChangeRow]
    versions: dict[int, int] = field(default_factory=dict)

    @property
    def changing(self) -> list[BlocksChangeRow]:
        return [row for row in self.rows if row.changes]

    @property
    def refused(self) -> list[BlocksChangeRow]:
        return [row for row in self.rows if row.refusal is not None]


def review_blocks_change(
    lines: Sequence[Line],
    *,
    block: Iterable[str] = (),
    unblock: Iterable[str] = (),
    rule_id: int | None = None,
    blocks: Mapping[int, Mapping[str, int | None]] | None = None,
) -> BlocksChangeReview:
    """Per number what the change does (the bulk page's review table, the action's plan): the
    services it blocks, those it lifts, and a refusal for a line it cannot change. `blocks` are
    the lines' current blocks (`current_blocks`), read here when not given."""
    blocking, unblocking = clean_blocks_change(block, unblock)
    if blocks is None:
        blocks = current_blocks(line.pk for line in lines)
    refusals = CONTROLLABLE.refusals(lines)
    rows = []
    for line in lines:
        current = blocks.get(line.pk, {})
        blocked = [
            service
            for service in blocking
            if service not in current or (rule_id is None and current[service] is not None)
        ]
        unblocked = [
            service for service in unblocking if service in current and (rule_id is None or current[service] == rule_id)
        ]
        after = sorted((set(current) | set(blocked)) - set(unblocked))
        rows.append(
            BlocksChangeRow(
                line=line,
                before=sorted(current),
                blocked=blocked,
                unblocked=unblocked,
                after=after,
                refusal=refusals.get(line.pk),
            )
        )
    return BlocksChangeReview(
        block=blocking, unblock=unblocking, rows=rows, versions={line.pk: line.version for line in lines}
    )


def _barring_changed(lines: Sequence[Line], blocks_after: Mapping[int, Iterable[str]]) -> None:
    """Bump the lines; those the network knows get "pending in network" in the same UPDATE and
    their barring profile as one request each (the same few queries for 1 or 10,000 lines)."""
    in_network = [line for line in lines if line.status in IN_NETWORK]
    bump(in_network, network_state=Line.NetworkState.PENDING)
    bump([line for line in lines if line.status not in IN_NETWORK])
    queue_provisioning(
        lines=in_network,
        operation=ProvisioningRequest.Operation.BLOCKS,
        payload_for=lambda line: barring_payload(line, blocks_after[line.pk]),
    )


@collector_paused()
@transaction.atomic
def lines_blocks_change(
    *,
    actor: Actor,
    lines: Sequence[Line],
    block: Iterable[str] = (),
    unblock: Iterable[str] = (),
    rule_id: int | None = None,
    versions: Mapping[int, int] | None = None,
) -> int:
    """Block and unblock services on lines, all or nothing (F-40, R2); answer how many changed.

    A stopped line, an unknown service or (with `versions`) a line changed meanwhile refuses the
    whole change. With `rule_id` (a usage rule's effect) the blocks added are that rule's and
    `unblock` lifts only the blocks that rule set; without it, a manager's change lifts any block
    and takes over a rule's block it sets again. Each changed line is audited and, when the
    network knows it and its barring changed, gets one provisioning request. Set-based: a few
    queries for 1 or 10,000 lines.
    """
    require_fleet_lines(actor, lines)
    block, unblock = clean_blocks_change(block, unblock)  # lists: an iterator given is read once
    locked = lock_lines(lines, versions if versions is not None else {})
    CONTROLLABLE.require(locked)
    review = review_blocks_change(locked, block=block, unblock=unblock, rule_id=rule_id)
    changing = review.changing
    if not changing:
        return 0
    changed_ids = [row.line.pk for row in changing]
    if review.unblock:
        lifted = LineBlock.objects.filter(line_id__in=changed_ids, service__in=review.unblock)
        (lifted if rule_id is None else lifted.filter(rule_id=rule_id)).delete()
    if rule_id is None and review.block:
        # A manager blocking what a rule blocked: the block stays, now the manager's.
        LineBlock.objects.filter(line_id__in=changed_ids, service__in=review.block, rule_id__isnull=False).update(
            rule_id=None
        )
    insert_rows(
        LineBlock,
        [
            {"line_id": row.line.pk, "service": service}
            for row in changing
            for service in row.blocked
            if service not in row.before
        ],
        same={"rule_id": rule_id},
    )
    barred = [row for row in changing if row.after != row.before]
    _barring_changed([row.line for row in barred], {row.line.pk: row.after for row in barred})
    bump([row.line for row in changing if row.after == row.before])  # only taken over from a rule
    audit_lines(
        actor,
        "line.blocks_changed",
        (
            (
                row.line,
                {"blocks": row.before},
                {"blocks": row.after, "blocked": row.blocked, "unblocked": row.unblocked, "rule": rule_id},
            )
            for row in changing
        ),
    )
    return len(changing)


@transaction.atomic
def line_blocks_set(*, actor: Actor, line: Line, services: Iterable[str], version: int | None = None) -> bool:
    """The Manage SIM blocks tab (F-40): the line's blocks become exactly `services`. A block a
    rule set that stays in the set stays the rule's (lifted at its next period); one left out is
    lifted. Answers whether anything changed."""
    require_fleet(actor, line.customer_id)
    wanted = set(clean_services(services, field="blocks"))
    (locked,) = lock_lines([line], {} if version is None else {line.pk: version})
    CONTROLLABLE.require([locked])
    current = set(current_blocks([locked.pk]).get(locked.pk, {}))
    block, unblock = wanted - current, current - wanted
    if not block and not unblock:
        return False
    return bool(lines_blocks_change(actor=actor, lines=[locked], block=block, unblock=unblock))


LIMIT_FIELDS = ("paybymobile", "paybymobile_cap", "out_of_bundle_notify_at")


def _limits_snapshot(line: Line) -> dict[str, Any]:
    """The limits as the audit log keeps them (amounts as text: JSON has no decimals)."""
    values = {name: getattr(line, name) for name in LIMIT_FIELDS}
    return {name: str(value) if isinstance(value, Decimal) else value for name, value in values.items()}


@transaction.atomic
def line_limits_change(
    *,
    actor: Actor,
    line: Line,
    paybymobile: str,
    paybymobile_cap: Decimal | None,
    out_of_bundle_notify_at: Decimal | None,
    version: int | None = None,
) -> Line:
    """The line's PayByMobile limit (F-41: no limit, a monthly cap in EUR, or blocked) and its
    out-of-bundle notification amount (F-42: the managers are told, nothing is blocked, R-C1).

    The cap is required with "capped" and dropped otherwise; amounts are ≥ 0 within the model's
    digits. A new PayByMobile limit reaches the network with the line's barring profile.
    """
    require_fleet(actor, line.customer_id)
    if paybymobile not in PayByMobile.values:
        raise ActionError(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(PayByMobile.values)}, field="paybymobile"
        )
    cap = clean_amount(paybymobile_cap, field="paybymobile_cap")
    if paybymobile == PayByMobile.CAPPED and cap is None:
        raise ActionError(_("Enter the monthly PayByMobile limit in EUR."), field="paybymobile_cap")
    if paybymobile != PayByMobile.CAPPED:
        cap = None
    notify_at = clean_amount(out_of_bundle_notify_at, field="out_of_bundle_notify_at")
    (locked,) = lock_lines([line], {} if version is None else {line.pk: version})
    CONTROLLABLE.require([locked])
    wanted = {"paybymobile": paybymobile, "paybymobile_cap": cap, "out_of_bundle_notify_at": notify_at}
    changes = {name: value for name, value in wanted.items() if getattr(locked, name) != value}
    if not changes:
        return locked
    before = _limits_snapshot(locked)
    if {"paybymobile", "paybymobile_cap"} & set(changes) and locked.status in IN_NETWORK:
        for name, value in changes.items():
            setattr(locked, name, value)
        blocks = current_blocks([locked.pk]).get(locked.pk, {})
        bump([locked], **changes, network_state=Line.NetworkState.PENDING)
        queue_provisioning(
            lines=[locked],
            operation=ProvisioningRequest.Operation.BLOCKS,
            payload_for=lambda one: barring_payload(one, blocks),
        )
    else:
        bump([locked], **changes)
    audit_line(actor, "line.limits_changed", locked, before, _limits_snapshot(locked))
    return locked


def is_own_line(actor: Actor, line: Line) -> bool:
    """The line's own user: their login (not through an API key), or a phone-number login of its number."""
    if actor.api_key is not None or actor.user is None:
        return False
    if actor.number is not None:
        customer = actor.customer
        return actor.number == line.msisdn and customer is not None and customer.pk == line.customer_id
    return line.user_id == actor.user.pk


@transaction.atomic
def line_bundle_alerts_set(*, actor: Actor, line: Line, enabled: bool) -> Line:
    """Switch the SMS at 75, 90 and 100 % of the line's bundles on or off (F-43): the line's
    own user on their page, or a manager of the fleet."""
    if not is_own_line(actor, line) and not may_manage(actor, line.customer_id):
        raise PermissionDeniedError(_("Only the user of this line or a fleet manager can switch its bundle alerts."))
    (locked,) = lock_lines([line], {})
    CONTROLLABLE.require([locked])
    if locked.bundle_alerts == enabled:
        return locked
    bump([locked], bundle_alerts=enabled)
    audit_line(actor, "line.bundle_alerts_switched", locked, {"bundle_alerts": not enabled}, {"bundle_alerts": enabled})
    return locked

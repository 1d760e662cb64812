"""Tariff plan and option changes for one line or thousands (F-28, F-29).

First a review the pages and the API show (per number: previous plan, new plan, options dropped
because they do not go with the new plan (R-F2), options "not applicable" to the number's plan);
then the change, all or nothing (R2) and set-based: the same few queries for 10 or 10,000 lines,
each line updated once, each table's new rows in one INSERT (QUALITY P3).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.catalog.rules import incompatible_options, with_exclusions
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.gc_pause import collector_paused
from fleetportal.core.inserts import insert_rows
from fleetportal.fleet.models import Line, LineOption, ScheduledChange
from fleetportal.network.actions import queue_provisioning
from fleetportal.network.models import ProvisioningRequest

from .common import (
    IN_NETWORK,
    LIVE,
    StatusRule,
    audit_lines,
    bump,
    contract_ids,
    contract_of_lines,
    lock_lines,
    plan_refusals,
    refuse_past,
    require_fleet_lines,
    require_options_retained,
    require_plan_retained,
    today,
)
from .history import record_products
from .schedule import schedule_lines


def load_current_options(lines: Sequence[Line]) -> list[Line]:
    """Give each line `current_options`: its options in catalogue order, with the plans they
    exclude, as objects shared between lines. What the reviews read; the same three queries for
    one line or 10,000 (a prefetch would build a manager and a queryset per line)."""
    pairs = list(LineOption.objects.filter(line__in=lines).values_list("line_id", "option_id"))
    options = with_exclusions(Option.objects.filter(pk__in={option_id for _line, option_id in pairs}))
    by_id = {option.pk: option for option in options}
    by_line: dict[int, list[Option]] = defaultdict(list)
    for line_id, option_id in pairs:
        by_line[line_id].append(by_id[option_id])
    for line in lines:
        line.current_options = sorted(by_line[line.pk], key=lambda option: (option.sort_order, option.name))
    return list(lines)


def _codes(options: Iterable[Option]) -> list[str]:
    return sorted(option.code for option in options)


@dataclass(frozen=True)
class PlanChangeRow:
    line: Line
    previous_plan: TariffPlan
    new_plan: TariffPlan
    dropped: list[Option]  # do not go with the new plan: removed, never silently kept (R-F2)
    kept: list[Option]

    @property
    def changes(self) -> bool:
        return self.previous_plan.pk != self.new_plan.pk


@dataclass(frozen=True)
class PlanChangeReview:
    plan: TariffPlan
    rows: list[PlanChangeRow]
    # What each line's version was when reviewed: pass it back to apply (R2).
    versions: dict[int, int] = field(default_factory=dict)

    @property
    def changing(self) -> list[PlanChangeRow]:
        return [row for row in self.rows if row.changes]

    @property
    def dropped_count(self) -> int:
        return sum(len(row.dropped) for row in self.changing)


def review_plan_change(lines: Iterable[Line], plan: TariffPlan) -> PlanChangeReview:
    """The F-28 review table. Pure: reads `line.plan` and `line.current_options` (see
    `load_current_options`; select the plan with the lines), queries nothing."""
    lines = list(lines)
    # The rule is per option and plan: ask it once per option, not once per line.
    distinct = {option.pk: option for line in lines for option in line.current_options}
    dropping = {option.pk for option in incompatible_options(distinct.values(), plan)}
    rows = []
    versions = {}
    for line in lines:
        options = line.current_options
        moves = line.plan_id != plan.pk
        dropped = [option for option in options if moves and option.pk in dropping]
        kept = [option for option in options if option not in dropped]
        rows.append(PlanChangeRow(line=line, previous_plan=line.plan, new_plan=plan, dropped=dropped, kept=kept))
        versions[line.pk] = line.version
    return PlanChangeReview(plan=plan, rows=rows, versions=versions)


@dataclass(frozen=True)
class OptionsChangeRow:
    line: Line
    added: list[Option]
    removed: list[Option]
    not_applicable: list[Option]  # asked for, but not for this number's plan (F-29)
    options_after: list[Option]

    @property
    def changes(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True)
class OptionsChangeReview:
    add: list[Option]
    remove: list[Option]
    rows: list[OptionsChangeRow]
    versions: dict[int, int] = field(default_factory=dict)

    @property
    def changing(self) -> list[OptionsChangeRow]:
        return [row for row in self.rows if row.changes]


def review_options_change(
    lines: Iterable[Line], *, add: Sequence[Option] = (), remove: Sequence[Option] = ()
) -> OptionsChangeReview:
    """The F-29 review table. Pure like `review_plan_change`; `add` needs `excluded_plans`
    prefetched (`with_exclusions`)."""
    lines = list(lines)
    remove_ids = {option.pk for option in remove}
    plans = {line.plan_id: line.plan for line in lines}
    not_for = {plan_id: {o.pk for o in incompatible_options(add, plan)} for plan_id, plan in plans.items()}
    rows = []
    versions = {}
    for line in lines:
        current = line.current_options
        current_ids = {option.pk for option in current}
        not_applicable = [o for o in add if o.pk not in current_ids and o.pk in not_for[line.plan_id]]
        added = [o for o in add if o.pk not in current_ids and o not in not_applicable]
        removed = [o for o in current if o.pk in remove_ids]
        after = [o for o in current if o.pk not in remove_ids] + added
        rows.append(
            OptionsChangeRow(
                line=line, added=added, removed=removed, not_applicable=not_applicable, options_after=after
            )
        )
        versions[line.pk] = line.version
    return OptionsChangeReview(add=list(add), remove=list(remove), rows=rows, versions=versions)


# The status rule of plan and options changes, with its refusal.
PRODUCTS_CHANGEABLE = StatusRule(LIVE, _("%(number)s is %(status)s: its products cannot be changed."))


def _already_on(plan: TariffPlan) -> ActionError:
    return ActionError(_("The selected lines already have the plan %(plan)s.") % {"plan": plan.name}, field="plan")


def plan_change_refusals(lines: Sequence[Line], plan: TariffPlan) -> dict[int, ActionError]:
    """Which of these lines `lines_change_plan` would refuse, and why, by line id: in a status
    whose products cannot change, already on the plan, or on a contract without it. Two queries
    for any number of lines (the lines' contracts, then which of them retain the plan)."""
    refused = PRODUCTS_CHANGEABLE.refusals(lines)
    refused |= {line.pk: _already_on(plan) for line in lines if line.pk not in refused and line.plan_id == plan.pk}
    moving = [line for line in lines if line.pk not in refused]
    contract_of = contract_of_lines(moving)
    not_retaining = plan_refusals(plan, set(contract_of.values()))
    refused |= {
        line.pk: not_retaining[contract_of[line.pk]] for line in moving if contract_of[line.pk] in not_retaining
    }
    return refused


def _lock_for_change(actor: Actor, lines: Sequence[Line], expected_versions: Mapping[int, int] | None) -> list[Line]:
    require_fleet_lines(actor, lines)
    locked = lock_lines(lines, expected_versions)
    PRODUCTS_CHANGEABLE.require(locked)
    return load_current_options(locked)


def _change_products(lines: Sequence[Line], options_after: Mapping[int, list[Option]], **changes: Any) -> None:
    """Bump the lines (with `changes`), record their new products in their history (rating
    prices usage from now on with them) and ask the network for them.

    Each line is written once: the lines the network knows get "pending in network" in the
    same UPDATE as their new version, not in a second one (on PostgreSQL an UPDATE rewrites
    all of a line's index entries: ~1 s per 10,000 lines).
    """
    in_network = [line for line in lines if line.status in IN_NETWORK]
    bump(in_network, **changes, network_state=Line.NetworkState.PENDING)
    bump([line for line in lines if line.status not in IN_NETWORK], **changes)
    record_products((line.pk, line.plan_id, (o.pk for o in options_after[line.pk])) for line in lines)
    queue_provisioning(
        lines=in_network,
        operation=ProvisioningRequest.Operation.PLAN,
        payload_for=lambda line: {"plan": line.plan.code, "options": _codes(options_after[line.pk])},
    )


@collector_paused()
@transaction.atomic
def lines_change_plan(
    *,
    actor: Actor,
    lines: Sequence[Line],
    plan: TariffPlan,
    on: date | None = None,
    expected_versions: Mapping[int, int] | None = None,
    dry_run: bool = False,
) -> PlanChangeReview:
    """Move lines to `plan`, dropping the options that do not go with it (F-28, R-F2).

    All or nothing: a line changed meanwhile (its version differs from `expected_versions`,
    e.g. `review.versions`), in the wrong status or on a contract without the plan refuses the
    whole change. With a later `on` the change is planned per line instead. `dry_run` checks
    everything and answers the review without changing anything.
    """
    locked = _lock_for_change(actor, lines, expected_versions)
    review = review_plan_change(locked, plan)
    changing = review.changing
    if not changing:
        raise _already_on(plan)
    require_plan_retained(plan, contract_ids(row.line for row in changing))
    if on is not None:
        refuse_past(on)
    if dry_run:
        return review
    if on is not None and on > today():
        schedule_lines(
            actor=actor,
            lines=[row.line for row in changing],
            kind=ScheduledChange.Kind.PLAN,
            on=on,
            payload={"plan": plan.code},
        )
        return review
    dropped_pairs = {(row.line.pk, option.pk) for row in changing for option in row.dropped}
    if dropped_pairs:
        # Whether an option goes with a plan depends on the two only: every changing line that
        # has one of these options drops it, so one DELETE is exact.
        LineOption.objects.filter(
            line_id__in={line_id for line_id, _option in dropped_pairs},
            option_id__in={option_id for _line, option_id in dropped_pairs},
        ).delete()
    changed_lines = [row.line for row in changing]
    before = {
        row.line.pk: {"plan": row.previous_plan.code, "options": _codes(row.dropped + row.kept)} for row in changing
    }
    _change_products(changed_lines, {row.line.pk: row.kept for row in changing}, plan=plan)
    audit_lines(
        actor,
        "line.plan_changed",
        (
            (
                row.line,
                before[row.line.pk],
                {"plan": plan.code, "options": _codes(row.kept), "dropped": _codes(row.dropped)},
            )
            for row in changing
        ),
    )
    return review


@collector_paused()
@transaction.atomic
def lines_change_options(
    *,
    actor: Actor,
    lines: Sequence[Line],
    add: Sequence[Option] = (),
    remove: Sequence[Option] = (),
    expected_versions: Mapping[int, int] | None = None,
    dry_run: bool = False,
) -> OptionsChangeReview:
    """Add and remove options on many lines (F-29), all or nothing. An added option that is not
    applicable to a number's plan is left out for that number, as the review shows."""
    add = list(with_exclusions(Option.objects.filter(pk__in=[o.pk for o in add])).order_by("sort_order", "name"))
    remove = list(dict.fromkeys(remove))
    if {o.pk for o in add} & {o.pk for o in remove}:
        raise ActionError(_("An option cannot be added and removed at once."), field="remove")
    if not add and not remove:
        raise ActionError(_("Choose options to add or remove."), field="add")
    locked = _lock_for_change(actor, lines, expected_versions)
    require_options_retained(add, contract_ids(locked), field="add")
    review = review_options_change(locked, add=add, remove=remove)
    changing = review.changing
    if not changing:
        raise ActionError(_("None of the selected lines can take this change."), field="add")
    if dry_run:
        return review
    changed_ids = [row.line.pk for row in changing]
    if remove:
        LineOption.objects.filter(line_id__in=changed_ids, option__in=remove).delete()
    insert_rows(LineOption, [{"line_id": row.line.pk, "option_id": o.pk} for row in changing for o in row.added])
    changed_lines = [row.line for row in changing]
    before = {row.line.pk: _codes(row.line.current_options) for row in changing}
    _change_products(changed_lines, {row.line.pk: row.options_after for row in changing})
    audit_lines(
        actor,
        "line.options_changed",
        (
            (
                row.line,
                {"options": before[row.line.pk]},
                {
                    "options": _codes(row.options_after),
                    "added": _codes(row.added),
                    "removed": _codes(row.removed),
                    "not_applicable": _codes(row.not_applicable),
                },
            )
            for row in changing
        ),
    )
    return review

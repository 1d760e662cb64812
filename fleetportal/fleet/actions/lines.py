"""A line's start: the add-SIM wizard's result (F-21), one line or a file's many (`lines_add`, the
one implementation; `line_add` is its one-line case), its activation on a date (F-22) with the
port-in of an existing number and the eSIM activation e-mail (F-23)."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, router, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fleetportal.billing.models import BillingAccount, SplitBillProfile
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.catalog.rules import incompatible_options
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.gc_pause import collector_paused
from fleetportal.core.inserts import insert_rows
from fleetportal.core.phones import InvalidNumber, parse_mobile
from fleetportal.fleet.esim import send_activation_email
from fleetportal.fleet.models import Line, LineOption, PoolNumber, ScheduledChange, SimCard
from fleetportal.network.models import ProvisioningRequest

from ..provisioning import request_provisioning
from .common import (
    StatusRule,
    audit_line,
    audit_lines,
    bump,
    lock_lines,
    refuse_past,
    require_fleet,
    require_fleet_lines,
    require_options_retained,
    require_own_split_bill_profile,
    require_plan_retained,
    today,
)
from .controls import provision_barring
from .details import LineDetails, clean_details, length_refusal
from .history import record_products
from .schedule import cancel_pending_changes, schedule_lines
from .sims import find_blank_sims, take_sims

Operation = ProvisioningRequest.Operation


@dataclass(frozen=True)
class NewNumber:
    """A number from the operator's pool: the one chosen, or the first free one."""

    msisdn: str = ""


@dataclass(frozen=True)
class PortIn:
    """Keep an existing number of another operator (F-21 step 6)."""

    msisdn: str
    donor_operator: str
    donor_account: str = ""
    donor_sim: str = ""


@dataclass(frozen=True)
class Activation:
    """What a page says after `line_activate`: "The SIM will be activated on DD/MM/YYYY"."""

    on: date
    scheduled: bool
    lines: list[Line] = field(default_factory=list)
    changes: list[ScheduledChange] = field(default_factory=list)


PORT_IN_TEXTS = ("donor_operator", "donor_account", "donor_sim")

NUMBER_NOT_FREE = _("This number is not free in the number pool: choose another one.")
POOL_EMPTY = _("The number pool has no free number left: contact the operator.")
ALREADY_OURS = _("This number is already ours: choose it as a new number instead.")
ALREADY_A_LINE = _("This number is already a line of the portal.")


def port_in_problems(choice: PortIn) -> list[ActionError]:
    """What a port-in lacks or has wrong, each naming its field (F-21 step 6): the number to
    keep, the current operator, its customer number or SIM card number, none longer than the
    line keeps. The wizard's number step shows them all at once; `line_add` refuses the first."""
    problems: list[ActionError] = []
    if not choice.msisdn.strip():
        problems.append(ActionError(_("Enter the number to keep."), field="msisdn"))
    else:
        try:
            parse_mobile(choice.msisdn)
        except InvalidNumber as exc:
            problems.append(ActionError(exc.message, field="msisdn"))
    for name in PORT_IN_TEXTS:
        too_long = length_refusal(name, getattr(choice, name).strip())
        if too_long is not None:
            problems.append(too_long)
    if not choice.donor_operator.strip():
        problems.append(ActionError(_("Choose the current operator of this number."), field="donor_operator"))
    if not (choice.donor_account.strip() or choice.donor_sim.strip()):
        problems.append(
            ActionError(
                _("Enter the customer number or the SIM card number at the current operator."), field="donor_account"
            )
        )
    return problems


def require_options_apply(plan: TariffPlan, options: Sequence[Option]) -> None:
    """Every option must apply to the plan (R-F2, the contract matrix's "not applicable"); the
    wizard's plan step refuses with this too."""
    bad = incompatible_options(
        Option.objects.filter(pk__in=[o.pk for o in options]).prefetch_related("excluded_plans"), plan
    )
    if bad:
        raise ActionError(
            _("The option %(option)s does not apply to the plan %(plan)s.")
            % {"option": bad[0].name, "plan": plan.name},
            field="options",
        )


def _check_products(plan: TariffPlan, options: Sequence[Option], billing_account: BillingAccount) -> None:
    contracts = {billing_account.contract_id}
    require_plan_retained(plan, contracts)
    require_options_retained(options, contracts)
    require_options_apply(plan, options)


# --- adding lines: many at once, or one ---------------------------------------------------------


@dataclass(frozen=True)
class NewLine:
    """One line to add: the add-SIM wizard's answers (F-21), `line_add`'s arguments."""

    iccid: str
    details: LineDetails
    plan: TariffPlan
    options: Sequence[Option]
    billing_account: BillingAccount
    number_choice: NewNumber | PortIn
    split_bill_profile: SplitBillProfile | None = None


class LinesRefused(ActionError):
    """Some of the lines to add break a rule, so none is added. `problems` maps the index of
    each such line (in the order given) to its first problem; the message is the first one's."""

    def __init__(self, problems: dict[int, ActionError]):
        first = problems[min(problems)]
        super().__init__(first.message, field=first.field, code=first.code)
        self.problems = dict(sorted(problems.items()))


@dataclass
class _Adding:
    """A line on its way: what it asks for, then what the checks found for it."""

    index: int
    new: NewLine
    options: list[Option]
    sim: SimCard | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    msisdn: str = ""
    port_in: dict[str, str] = field(default_factory=dict)

    @property
    def customer_id(self) -> int:
        return self.new.billing_account.customer_id


class _Checks:
    """The lines still without a problem, and the first problem of each other one, found in
    the order `line_add` always checked one line: card, products, details, number. A line with
    a problem takes no card or number from the lines after it."""

    def __init__(self, new: Sequence[NewLine]):
        self.rows = [
            _Adding(index=index, new=line, options=list(dict.fromkeys(line.options))) for index, line in enumerate(new)
        ]
        self.problems: dict[int, ActionError] = {}

    def ok(self) -> list[_Adding]:
        return [row for row in self.rows if row.index not in self.problems]

    def refuse(self, row: _Adding, problem: ActionError | str | Promise, field: str = "") -> None:
        if row.index not in self.problems:
            self.problems[row.index] = (
                problem if isinstance(problem, ActionError) else ActionError(problem, field=field)
            )


def _check_sims(checks: _Checks) -> None:
    """Blank cards of the customer's stock or the operator's, each for one line (`find_blank_sims`)."""
    rows = checks.ok()
    found_sims = find_blank_sims([(row.customer_id, row.new.iccid) for row in rows], field="iccid")
    for row, found in zip(rows, found_sims, strict=True):
        if isinstance(found, ActionError):
            checks.refuse(row, found)
        else:
            row.sim = found


def _check_plans_and_options(checks: _Checks) -> None:
    """Plan and options retained by the contract and going together (`_check_products`), once
    per plan, options and contract, not once per line; then the split-bill profile."""
    verdicts: dict[tuple[int, tuple[int, ...], int], ActionError | None] = {}
    for row in checks.ok():
        new = row.new
        key = (new.plan.pk, tuple(option.pk for option in row.options), new.billing_account.contract_id)
        if key not in verdicts:
            try:
                _check_products(new.plan, row.options, new.billing_account)
            except ActionError as exc:
                verdicts[key] = exc
            else:
                verdicts[key] = None
        problem = verdicts[key]
        try:
            if problem is not None:
                raise problem
            require_own_split_bill_profile(new.split_bill_profile, [row.customer_id])
        except ActionError as exc:
            checks.refuse(row, exc)


def _check_details(checks: _Checks) -> None:
    for row in checks.ok():
        try:
            row.fields = clean_details(row.new.details.as_dict())
        except ActionError as exc:
            checks.refuse(row, exc)


def _check_numbers(checks: _Checks) -> None:
    """Port-ins: a number neither ours nor a line's already. New numbers: the one asked for if
    it is free, else the first free one, in the order given; each locked until the end of the
    transaction (others skip the first free ones this takes), for one line only."""
    wanted: list[_Adding] = []
    for row in checks.ok():
        choice = row.new.number_choice
        if isinstance(choice, PortIn):
            found = port_in_problems(choice)
            if found:
                checks.refuse(row, found[0])
                continue
            row.msisdn = parse_mobile(choice.msisdn)
            row.port_in = {name: getattr(choice, name).strip() for name in PORT_IN_TEXTS}
        elif choice.msisdn:
            try:
                row.msisdn = parse_mobile(choice.msisdn)
            except InvalidNumber as exc:
                checks.refuse(row, exc.message, "msisdn")
                continue
            wanted.append(row)
        else:
            wanted.append(row)
    ported = [row for row in checks.ok() if row.port_in]
    if ported:
        ours = set(
            PoolNumber.objects.filter(msisdn__in={row.msisdn for row in ported}).values_list("msisdn", flat=True)
        )
        for row in ported:
            if row.msisdn in ours:
                checks.refuse(row, ALREADY_OURS, "msisdn")
    if not wanted:
        return
    free = PoolNumber.objects.select_for_update(of=("self",)).filter(status=PoolNumber.Status.FREE)
    chosen = {row.msisdn for row in wanted if row.msisdn}
    available = set(free.filter(msisdn__in=chosen).values_list("msisdn", flat=True)) if chosen else set()
    automatic = sum(1 for row in wanted if not row.msisdn)
    if automatic:
        # Enough of the first free numbers for every line without a choice, even if the lines
        # with a choice take some of them (as they would one by one, in order).
        first_free = free.select_for_update(skip_locked=True, of=("self",)).order_by("msisdn")
        available |= set(first_free.values_list("msisdn", flat=True)[: automatic + len(chosen)])
    in_order = sorted(available)
    heapq.heapify(in_order)
    for row in wanted:
        if row.msisdn:
            if row.msisdn in available:
                available.discard(row.msisdn)
            else:
                checks.refuse(row, NUMBER_NOT_FREE, "msisdn")
            continue
        while in_order and in_order[0] not in available:
            heapq.heappop(in_order)
        if not in_order:
            checks.refuse(row, POOL_EMPTY, "msisdn")
            continue
        row.msisdn = heapq.heappop(in_order)
        available.discard(row.msisdn)


def _check_no_live_line(checks: _Checks) -> None:
    """No line that is not stopped has the number: not in the portal, nor twice among the new."""
    live = set(
        Line.objects.filter(msisdn__in={row.msisdn for row in checks.ok()})
        .exclude(status=Line.Status.STOPPED)
        .values_list("msisdn", flat=True)
    )
    for row in checks.ok():
        if row.msisdn in live:
            checks.refuse(row, ALREADY_A_LINE, "msisdn")
        live.add(row.msisdn)


def _line_values(row: _Adding) -> dict[str, Any]:
    """A new line's columns as `insert_rows` takes them (JSON values)."""
    assert row.sim is not None  # checked by `_check_sims`
    new = row.new
    return {
        "customer_id": row.customer_id,
        "msisdn": row.msisdn,
        "sim_id": row.sim.pk,
        "plan_id": new.plan.pk,
        "billing_account_id": new.billing_account.pk,
        "split_bill_profile_id": new.split_bill_profile.pk if new.split_bill_profile else None,
        **{name: value.isoformat() if isinstance(value, date) else value for name, value in row.fields.items()},
        **{name: row.port_in.get(name, "") for name in PORT_IN_TEXTS},
    }


def _added(pk: int, row: _Adding, now: datetime) -> Line:
    """The new line as `Line.objects.create` would have answered it, without reading it back."""
    new = row.new
    account = new.billing_account
    line = Line(
        pk=pk,
        customer_id=row.customer_id,
        msisdn=row.msisdn,
        sim=row.sim,
        status=Line.Status.PENDING,
        plan=new.plan,
        billing_account=account,
        split_bill_profile=new.split_bill_profile,
        created_at=now,
        updated_at=now,
        **row.fields,
        **row.port_in,
    )
    if BillingAccount.customer.is_cached(account):
        line.customer = account.customer
    line._state.adding, line._state.db = False, router.db_for_write(Line)
    return line


def _audit_after(row: _Adding) -> dict[str, Any]:
    """What the audit log keeps of a new line."""
    assert row.sim is not None
    new = row.new
    return {
        "iccid": row.sim.iccid,
        "plan": new.plan.code,
        "options": sorted(option.code for option in row.options),
        "billing_account": new.billing_account.number,
        "split_bill_profile": str(new.split_bill_profile or ""),
        "port_in": bool(row.port_in),
        **{name: str(value) for name, value in row.fields.items() if name != "birth_date"},
    }


@collector_paused()
@transaction.atomic
def lines_add(*, actor: Actor, lines: Sequence[NewLine]) -> list[Line]:
    """Create PENDING lines from the add-SIM wizard's answers (F-21) or a file's rows (F-32),
    all or nothing (R2) and set-based (DESIGN rule 4): every line is checked with the rules of
    one first (`LinesRefused` names each line's first problem), then the cards and numbers are
    taken in one UPDATE each and the lines, their options, audit rows and events written in one
    INSERT each, whatever their number. A line reaches the network when activated."""
    for customer_id in sorted({line.billing_account.customer_id for line in lines}):
        require_fleet(actor, customer_id)
    checks = _Checks(lines)
    _check_sims(checks)
    _check_plans_and_options(checks)
    _check_details(checks)
    _check_numbers(checks)
    _check_no_live_line(checks)
    if checks.problems:
        raise LinesRefused(checks.problems)
    rows = checks.rows
    if not rows:
        return []
    take_sims([(row.sim, row.customer_id) for row in rows if row.sim is not None], field="iccid")
    numbers = [row.msisdn for row in rows if not row.port_in]
    if numbers:
        assigned = PoolNumber.objects.filter(msisdn__in=numbers, status=PoolNumber.Status.FREE).update(
            status=PoolNumber.Status.ASSIGNED
        )
        if assigned != len(numbers):  # the numbers were locked: only if the data is odd
            raise ActionError(NUMBER_NOT_FREE, field="msisdn", code="conflict")
    now = timezone.now()
    try:
        with transaction.atomic():  # a wizard creating the same number at the same moment loses here
            ids = insert_rows(
                Line,
                [_line_values(row) for row in rows],
                same={"status": Line.Status.PENDING, "created_at": now, "updated_at": now},
            )
    except IntegrityError as exc:
        _check_no_live_line(checks)
        if checks.problems:
            raise LinesRefused(checks.problems) from exc
        raise ActionError(ALREADY_A_LINE, field="msisdn") from exc
    insert_rows(
        LineOption,
        [{"line_id": pk, "option_id": option.pk} for pk, row in zip(ids, rows, strict=True) for option in row.options],
    )
    record_products(
        ((pk, row.new.plan.pk, (option.pk for option in row.options)) for pk, row in zip(ids, rows, strict=True)),
        at=now,
    )
    added = [_added(pk, row, now) for pk, row in zip(ids, rows, strict=True)]
    audit_lines(actor, "line.added", ((line, {}, _audit_after(row)) for line, row in zip(added, rows, strict=True)))
    return added


def line_add(
    *,
    actor: Actor,
    iccid: str,
    details: LineDetails,
    plan: TariffPlan,
    options: Iterable[Option],
    billing_account: BillingAccount,
    number_choice: NewNumber | PortIn,
    split_bill_profile: SplitBillProfile | None = None,
) -> Line:
    """Create a PENDING line from the add-SIM wizard (F-21): `lines_add` for one line, which
    refuses with the line's first problem."""
    new = NewLine(
        iccid=iccid,
        details=details,
        plan=plan,
        options=list(options),
        billing_account=billing_account,
        number_choice=number_choice,
        split_bill_profile=split_bill_profile,
    )
    try:
        (line,) = lines_add(actor=actor, lines=[new])
    except LinesRefused as refused:
        raise refused.problems[0] from None
    return line


# `line_activate`'s status rule; the due-changes job sorts out the lines it refuses with it.
ACTIVATABLE = StatusRule((Line.Status.PENDING,), _("%(number)s is %(status)s: only a pending SIM can be activated."))


def _activate_now(actor: Actor, lines: list[Line]) -> None:
    now = timezone.now()
    porting = [line for line in lines if line.donor_operator]
    new = [line for line in lines if not line.donor_operator]
    bump(new, status=Line.Status.ACTIVE, activated_at=now)
    bump(porting, status=Line.Status.PORTING)
    request_provisioning(lines=new, operation=Operation.ACTIVATE, payload_for=_network_payload)
    request_provisioning(lines=porting, operation=Operation.PORT_IN, payload_for=_port_in_payload)
    provision_barring(lines)
    for line in lines:
        if line.sim is not None and line.sim.kind == SimCard.Kind.ESIM:
            send_activation_email(line=line, sim=line.sim, actor=actor)
    cancel_pending_changes(lines, kind=ScheduledChange.Kind.ACTIVATE)
    audit_lines(
        actor,
        "line.activated",
        (
            (line, {"status": Line.Status.PENDING}, {"status": line.status, "date": today().isoformat()})
            for line in lines
        ),
    )


def _network_payload(line: Line) -> dict[str, object]:
    return {
        "msisdn": line.msisdn,
        "iccid": line.sim.iccid if line.sim else "",
        "imsi": line.sim.imsi if line.sim else "",
        "plan": line.plan.code,
    }


def _port_in_payload(line: Line) -> dict[str, object]:
    return {
        **_network_payload(line),
        "donor_operator": line.donor_operator,
        "donor_account": line.donor_account,
        "donor_sim": line.donor_sim,
    }


@transaction.atomic
def line_activate(*, actor: Actor, lines: Sequence[Line], on: date) -> Activation:
    """Activate PENDING lines today, or plan it for a later date (F-22).

    Today: a new number goes ACTIVE and is provisioned; a port-in goes PORTING until the donor
    operator releases the number (the network's answer makes it ACTIVE). An eSIM's user gets the
    activation e-mail (F-23).
    """
    refuse_past(on)
    require_fleet_lines(actor, lines)
    locked = lock_lines(lines, related=("sim",))
    ACTIVATABLE.require(locked)
    if on > today():
        changes = schedule_lines(actor=actor, lines=locked, kind=ScheduledChange.Kind.ACTIVATE, on=on)
        return Activation(on=on, scheduled=True, lines=locked, changes=changes)
    _activate_now(actor, locked)
    return Activation(on=on, scheduled=False, lines=locked)


@transaction.atomic
def line_port_in_complete(*, actor: Actor, line: Line) -> Line:
    """The donor operator released the number: the new SIM is the line's and it is ACTIVE (F-22)."""
    (locked,) = lock_lines([line], expected_versions={})
    if locked.status != Line.Status.PORTING:
        return locked  # an answer repeated by the network changes nothing
    now = timezone.now()
    Line.objects.filter(pk=locked.pk).update(status=Line.Status.ACTIVE, activated_at=now)
    locked.status, locked.activated_at = Line.Status.ACTIVE, now
    audit_line(
        actor,
        "line.port_in_completed",
        locked,
        before={"status": Line.Status.PORTING},
        after={"status": Line.Status.ACTIVE, "donor_operator": locked.donor_operator},
    )
    return locked

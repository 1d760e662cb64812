"""A line's start: the add-SIM wizard's result (F-21), its activation on a date (F-22) with the
port-in of an existing number and the eSIM activation e-mail (F-23)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.billing.models import BillingAccount, SplitBillProfile
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.catalog.rules import incompatible_options
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.phones import InvalidNumber, parse_mobile
from fleetportal.fleet.esim import send_activation_email
from fleetportal.fleet.models import Line, LineOption, PoolNumber, ScheduledChange, SimCard
from fleetportal.network.models import ProvisioningRequest

from ..provisioning import request_provisioning
from .common import (
    audit_line,
    audit_lines,
    bump,
    lock_lines,
    refuse_past,
    require_fleet,
    require_fleet_lines,
    require_options_retained,
    require_plan_retained,
    require_status,
    today,
)
from .details import LineDetails, clean_details, text_limit
from .schedule import cancel_pending_changes, schedule_lines
from .sims import take_blank_sim

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


def _reserve_pool_number(msisdn: str) -> str:
    """Take a free number so that two wizards never get the same one (conditional UPDATE)."""
    free = PoolNumber.objects.filter(status=PoolNumber.Status.FREE)
    if msisdn:
        try:
            msisdn = parse_mobile(msisdn)
        except InvalidNumber as exc:
            raise ActionError(exc.message, field="msisdn") from exc
        if not free.filter(msisdn=msisdn).update(status=PoolNumber.Status.ASSIGNED):
            raise ActionError(_("This number is not free in the number pool: choose another one."), field="msisdn")
        return msisdn
    for _attempt in range(5):  # another wizard may take the first free one between read and write
        candidate = free.select_for_update(skip_locked=True).order_by("msisdn").values_list("msisdn", flat=True).first()
        if candidate is None:
            break
        if free.filter(msisdn=candidate).update(status=PoolNumber.Status.ASSIGNED):
            return candidate
    raise ActionError(_("The number pool has no free number left: contact the operator."), field="msisdn")


PORT_IN_TEXTS = ("donor_operator", "donor_account", "donor_sim")


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
        limit = text_limit(name)
        if len(getattr(choice, name).strip()) > limit:
            problems.append(ActionError(_("Enter at most %(n)s characters.") % {"n": limit}, field=name))
    if not choice.donor_operator.strip():
        problems.append(ActionError(_("Choose the current operator of this number."), field="donor_operator"))
    if not (choice.donor_account.strip() or choice.donor_sim.strip()):
        problems.append(
            ActionError(
                _("Enter the customer number or the SIM card number at the current operator."), field="donor_account"
            )
        )
    return problems


def _port_in_number(choice: PortIn) -> str:
    problems = port_in_problems(choice)
    if problems:
        raise problems[0]
    msisdn = parse_mobile(choice.msisdn)
    if PoolNumber.objects.filter(msisdn=msisdn).exists():
        raise ActionError(_("This number is already ours: choose it as a new number instead."), field="msisdn")
    if Line.objects.filter(msisdn=msisdn).exclude(status=Line.Status.STOPPED).exists():
        raise ActionError(_("This number is already a line of the portal."), field="msisdn")
    return msisdn


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


def _check_products(
    plan: TariffPlan,
    options: Sequence[Option],
    billing_account: BillingAccount,
    split_bill_profile: SplitBillProfile | None,
) -> None:
    contracts = {billing_account.contract_id}
    require_plan_retained(plan, contracts)
    require_options_retained(options, contracts)
    require_options_apply(plan, options)
    if split_bill_profile is not None and split_bill_profile.customer_id != billing_account.customer_id:
        raise ActionError(_("Choose one of your split-bill profiles."), field="split_bill_profile")


@transaction.atomic
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
    """Create a PENDING line from the add-SIM wizard (F-21); it reaches the network when activated."""
    customer = billing_account.customer
    require_fleet(actor, customer)
    options = list(dict.fromkeys(options))
    sim = take_blank_sim(customer=customer, iccid=iccid, field="iccid")
    _check_products(plan, options, billing_account, split_bill_profile)
    fields = clean_details(details.as_dict())
    if isinstance(number_choice, PortIn):
        msisdn = _port_in_number(number_choice)
        port_in = {
            "donor_operator": number_choice.donor_operator.strip(),
            "donor_account": number_choice.donor_account.strip(),
            "donor_sim": number_choice.donor_sim.strip(),
        }
    else:
        msisdn = _reserve_pool_number(number_choice.msisdn)
        port_in = {}
    try:
        with transaction.atomic():  # a wizard porting the same number at the same moment loses here
            line = Line.objects.create(
                customer=customer,
                msisdn=msisdn,
                sim=sim,
                status=Line.Status.PENDING,
                plan=plan,
                billing_account=billing_account,
                split_bill_profile=split_bill_profile,
                **fields,
                **port_in,
            )
    except IntegrityError as exc:
        raise ActionError(_("This number is already a line of the portal."), field="msisdn") from exc
    LineOption.objects.bulk_create([LineOption(line=line, option=option) for option in options])
    audit_line(
        actor,
        "line.added",
        line,
        before={},
        after={
            "iccid": sim.iccid,
            "plan": plan.code,
            "options": sorted(option.code for option in options),
            "billing_account": billing_account.number,
            "split_bill_profile": str(split_bill_profile or ""),
            "port_in": bool(port_in),
            **{name: str(value) for name, value in fields.items() if name != "birth_date"},
        },
    )
    return line


def _activate_now(actor: Actor, lines: list[Line]) -> None:
    now = timezone.now()
    porting = [line for line in lines if line.donor_operator]
    new = [line for line in lines if not line.donor_operator]
    bump(new, status=Line.Status.ACTIVE, activated_at=now)
    bump(porting, status=Line.Status.PORTING)
    request_provisioning(lines=new, operation=Operation.ACTIVATE, payload_for=_network_payload)
    request_provisioning(lines=porting, operation=Operation.PORT_IN, payload_for=_port_in_payload)
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
    require_status(locked, (Line.Status.PENDING,), _("%(number)s is %(status)s: only a pending SIM can be activated."))
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

"""What every fleet action shares: rights, locking with the version check (R2), the checks
against the contract's catalogue, the audit snapshot of a line and set-based writes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import F, Model, QuerySet
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fleetportal.billing.models import BillingAccount, SplitBillProfile
from fleetportal.catalog.models import ContractOption, ContractPlan, Option, TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record_many
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import Channel, Customer
from fleetportal.core.phones import display
from fleetportal.fleet.events import OF_AUDIT_ACTION
from fleetportal.fleet.models import Line
from fleetportal.fleet.policy import FLEET

# Statuses in which the network knows the line, so a change must reach it (F-94).
IN_NETWORK = (Line.Status.ACTIVE, Line.Status.SUSPENDED, Line.Status.PORTING)
LIVE = (Line.Status.PENDING, Line.Status.PORTING, Line.Status.ACTIVE, Line.Status.SUSPENDED)


def is_portal_job(actor: Actor) -> bool:
    """The portal's own jobs (scheduled changes, network answers): rights were checked when
    the change was asked for."""
    return actor.user is None and actor.api_key is None and actor.channel in (Channel.JOB, Channel.SYSTEM)


def may_manage(actor: Actor, customer_id: int) -> bool:
    if actor.is_staff or is_portal_job(actor):
        return True
    customer = actor.customer
    return customer is not None and customer.pk == customer_id and actor.can(FLEET)


def require_fleet(actor: Actor, customer: Customer | int) -> None:
    customer_id = customer if isinstance(customer, int) else customer.pk
    if not may_manage(actor, customer_id):
        raise PermissionDeniedError(_("You may not manage the lines of this customer."))


def require_fleet_lines(actor: Actor, lines: Iterable[Line]) -> None:
    for customer_id in {line.customer_id for line in lines}:
        require_fleet(actor, customer_id)


def max_length(model: type[Model], name: str) -> int:
    """A model field's `max_length`: an action's limit for it, and the forms' and the API's."""
    return int(getattr(model._meta.get_field(name), "max_length", None) or 0)


def today() -> date:
    return timezone.localdate()


def refuse_past(on: date) -> None:
    if on < today():
        raise ActionError(_("Choose today or a later date."), field="date")


def number_label(line: Line) -> str:
    return display(line.msisdn)


def date_label(on: date) -> str:
    """DD/MM/YYYY as the seeds write it ("The SIM will be activated on 30/03/2021")."""
    return formats.date_format(on, "d/m/Y")


NO_LINES = _("Select at least one line.")
LINES_GONE = _("Some selected lines no longer exist.")


def lock_lines(
    lines: Sequence[Line], expected_versions: Mapping[int, int] | None = None, *, related: Sequence[str] = ()
) -> list[Line]:
    """The lines reloaded under a row lock, in the given order, with their plan (shared
    objects: a handful of plans for any number of lines) and the `related` objects asked for.

    Each must still have the version the caller saw (`expected_versions`, else the version of
    the objects passed in); otherwise someone changed it meanwhile and nothing is done (R2).
    """
    if not lines:
        raise ActionError(NO_LINES, field="lines")
    expected = dict(expected_versions) if expected_versions is not None else {line.pk: line.version for line in lines}
    ids = [line.pk for line in lines]
    locking = Line.objects.select_for_update(of=("self",))  # select_related() bare would join every FK
    locked = {line.pk: line for line in (locking.select_related(*related) if related else locking).filter(pk__in=ids)}
    if len(locked) != len(set(ids)):
        raise ActionError(LINES_GONE, field="lines", code="conflict")
    changed = [locked[pk] for pk in ids if pk in expected and locked[pk].version != expected[pk]]
    if changed:
        raise ActionError(
            _("%(number)s was changed meanwhile by someone else: reload and try again.")
            % {"number": number_label(changed[0])},
            field="lines",
            code="conflict",
        )
    plans = TariffPlan.objects.in_bulk({line.plan_id for line in locked.values()})
    for line in locked.values():
        line.plan = plans[line.plan_id]
    return [locked[pk] for pk in dict.fromkeys(ids)]


@dataclass(frozen=True)
class StatusRule:
    """The statuses a change applies to, and its refusal of a line in another one, naming it
    ("%(number)s is %(status)s: …"). The action refuses with it (`require`); the due-changes job
    asks which single lines it refuses (`refusals`), with the very same message."""

    allowed: tuple[str, ...]
    message: Promise

    def refusal(self, line: Line) -> ActionError | None:
        if line.status in self.allowed:
            return None
        return ActionError(
            self.message % {"number": number_label(line), "status": line.get_status_display()}, field="lines"
        )

    def refusals(self, lines: Iterable[Line]) -> dict[int, ActionError]:
        """Which of these lines the change does not apply to, and why, by line id."""
        return {line.pk: refusal for line in lines if (refusal := self.refusal(line)) is not None}

    def require(self, lines: Iterable[Line]) -> None:
        """Refuse the whole change if one line is in another status."""
        for line in lines:
            refusal = self.refusal(line)
            if refusal is not None:
                raise refusal


def require_status(lines: Iterable[Line], allowed: Sequence[str], message: Promise) -> None:
    """Refuse the whole change if one line is in another status; the message names it."""
    StatusRule(tuple(allowed), message).require(lines)


def bump(lines: Sequence[Line] | QuerySet[Line], **changes: Any) -> int:
    """One UPDATE for all lines: the changes, a new version and updated_at; returns the count.

    The objects passed in get the new values too, so callers can audit and answer with them.
    """
    now = timezone.now()
    ids = [line.pk for line in lines]
    count = Line.objects.filter(pk__in=ids).update(**changes, version=F("version") + 1, updated_at=now)
    for line in lines:
        for name, value in changes.items():
            setattr(line, name, value)
        line.version += 1
        line.updated_at = now
    return count


def audit_lines(actor: Actor, action: str, changes: Iterable[tuple[Line, dict[str, Any], dict[str, Any]]]) -> None:
    """One audit row per line and its domain event, one insert each per customer (a staff
    selection may span customers)."""
    by_customer: dict[int, list[tuple[Line, dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for change in changes:
        by_customer[change[0].customer_id].append(change)
    event = OF_AUDIT_ACTION.get(action)
    for customer_id, rows in by_customer.items():
        customer = Customer(pk=customer_id)
        record_many(actor=actor, action=action, customer=customer, changes=rows)
        if event is not None:
            event.record_many(customer=customer, items=[(line, after) for line, _before, after in rows])


def audit_line(actor: Actor, action: str, line: Line, before: dict[str, Any], after: dict[str, Any]) -> None:
    """`audit_lines` for one line."""
    audit_lines(actor, action, [(line, before, after)])


def contract_of_lines(lines: Iterable[Line]) -> dict[int, int]:
    """Each line's contract, whose prices apply to it (its billing account's), by line id: one query."""
    lines = list(lines)
    of_account = dict(
        BillingAccount.objects.filter(pk__in={line.billing_account_id for line in lines}).values_list(
            "pk", "contract_id"
        )
    )
    return {line.pk: of_account[line.billing_account_id] for line in lines}


def contract_ids(lines: Iterable[Line]) -> set[int]:
    """The contracts whose prices apply to these lines (their billing accounts')."""
    accounts = {line.billing_account_id for line in lines}
    return set(BillingAccount.objects.filter(pk__in=accounts).values_list("contract_id", flat=True))


def plan_refusals(plan: TariffPlan, contracts: Iterable[int], *, field: str = "plan") -> dict[int, ActionError]:
    """The contracts that do not include the plan (or it is no longer on sale), each with the
    refusal: one query for any number of contracts (F-21, F-28)."""
    contracts = set(contracts)
    retained = set(
        ContractPlan.objects.filter(contract_id__in=contracts, plan=plan).values_list("contract_id", flat=True)
    )
    missing = contracts if not plan.active else contracts - retained
    return {
        contract_id: ActionError(
            _("Your contract does not include the plan %(plan)s.") % {"plan": plan.name}, field=field
        )
        for contract_id in sorted(missing)
    }


def require_plan_retained(plan: TariffPlan, contracts: set[int], *, field: str = "plan") -> None:
    """The plan must be on sale and retained by every contract concerned (F-21, F-28)."""
    refused = plan_refusals(plan, contracts, field=field)
    if refused:
        raise next(iter(refused.values()))


def require_options_retained(options: Iterable[Option], contracts: set[int], *, field: str = "options") -> None:
    options = list(options)
    if not options:
        return
    retained: dict[int, set[int]] = defaultdict(set)
    for contract_id, option_id in ContractOption.objects.filter(
        contract_id__in=contracts, option__in=options
    ).values_list("contract_id", "option_id"):
        retained[option_id].add(contract_id)
    for option in options:
        if not option.active or retained[option.pk] != contracts:
            raise ActionError(
                _("Your contract does not include the option %(option)s.") % {"option": option.name}, field=field
            )


NOT_YOUR_SPLIT_BILL_PROFILE = _("Choose one of your split-bill profiles.")


def require_own_split_bill_profile(profile: SplitBillProfile | None, customer_ids: Iterable[int]) -> None:
    """A split-bill profile is one of the lines' customer's (F-30)."""
    if profile is not None and set(customer_ids) != {profile.customer_id}:
        raise ActionError(NOT_YOUR_SPLIT_BILL_PROFILE, field="split_bill_profile")


def line_snapshot(line: Line, *names: str) -> dict[str, Any]:
    """A line's fields as the audit log keeps them: JSON values, related objects by label."""
    values: dict[str, Any] = {}
    for name in names:
        value = getattr(line, name)
        if isinstance(value, date):
            value = value.isoformat()
        elif hasattr(value, "pk"):
            value = str(value)
        values[name] = value
    return values

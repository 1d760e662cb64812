"""What a body or a filter names (plan, options, billing account, split-bill profile, tags),
looked up among the caller's own only (QUALITY S1): anything else is refused on its field as
"choose one of yours", the same answer whether it exists elsewhere or not.

Plans and options are those a contract of the caller's customer retained (the catalogue's
selectors): the line's own contract when it is known (a new line: its billing account's),
else any of the customer's contracts, the action then checking each line's contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from fleetportal.billing import selectors as billing_selectors
from fleetportal.billing.models import BillingAccount, SplitBillProfile
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.catalog.selectors import contracts_for, retained_options, retained_plans
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Contract

from .. import selectors
from ..actions.common import NOT_YOUR_SPLIT_BILL_PROFILE
from ..models import Tag
from .schemas import LineCriteria


def _contracts(actor: Actor, contract: Contract | None) -> list[Contract]:
    """The contract given, else the caller's customer's contracts (never another customer's,
    even for a staff login that is a member of a customer too)."""
    if contract is not None:
        return [contract]
    return list(contracts_for(actor).filter(customer=actor.tenant))


def plan(actor: Actor, code: str, *, field: str = "plan", contract: Contract | None = None) -> TariffPlan:
    """A plan on sale that `contract` (else a contract of the caller's) retained, by its code."""
    for retaining in _contracts(actor, contract):
        retained = retained_plans(actor, retaining).filter(plan__code=code).first()
        if retained is not None:
            return retained.plan
    raise ActionError(_("Choose a tariff plan of your contract."), field=field)


def options(actor: Actor, codes: Sequence[str], *, field: str, contract: Contract | None = None) -> list[Option]:
    """Options on sale that `contract` (else a contract of the caller's) retained, by their
    codes, in the order given, each once."""
    wanted = list(dict.fromkeys(codes))
    found: dict[str, Option] = {}
    for retaining in _contracts(actor, contract) if wanted else []:
        missing = [code for code in wanted if code not in found]
        retained = retained_options(actor, retaining).filter(option__code__in=missing) if missing else []
        found.update((item.option.code, item.option) for item in retained)
    for code in wanted:
        if code not in found:
            raise ActionError(_("Unknown option %(code)s.") % {"code": code[:40]}, field=field)
    return [found[code] for code in wanted]


def filter_plan(actor: Actor, code: str) -> TariffPlan:
    """A plan to filter the caller's lines by: one of its contracts' or one its lines still have
    (a plan no longer on sale)."""
    in_use = selectors.plans_in_use(actor).filter(code=code).first()
    return in_use if in_use is not None else plan(actor, code)


def billing_account(actor: Actor, number: str) -> BillingAccount:
    account = billing_selectors.billing_accounts_for(actor).filter(number=number).first()
    if account is None:
        raise ActionError(_("Choose one of your billing accounts."), field="billing_account")
    return account


def split_bill_profile(actor: Actor, profile_id: int | None) -> SplitBillProfile | None:
    if profile_id is None:
        return None
    profile = billing_selectors.split_bill_profiles_for(actor).filter(pk=profile_id).first()
    if profile is None:
        raise ActionError(NOT_YOUR_SPLIT_BILL_PROFILE, field="split_bill_profile")
    return profile


def tags(actor: Actor, names: Sequence[str], *, field: str) -> list[Tag]:
    found = {tag.name: tag for tag in selectors.tags_for(actor).filter(name__in=names)}
    for name in names:
        if name not in found:
            raise ActionError(_("Unknown tag %(name)s.") % {"name": name[:60]}, field=field)
    return [found[name] for name in dict.fromkeys(names)]


def versions(given: dict[str, int] | None) -> dict[int, int] | None:
    """`versions` of a body (JSON keys are text) keyed by line id."""
    if given is None:
        return None
    try:
        return {int(key): value for key, value in given.items()}
    except ValueError as exc:
        raise ActionError(_("Use line ids as the keys of versions."), field="versions") from exc


def line_criteria(actor: Actor, filters: LineCriteria) -> dict[str, Any]:
    """The filters as `selectors.lines_for` takes them, the named objects looked up among the
    caller's own."""
    return {
        "search": filters.q,
        "status": filters.status or "",
        "plan": filter_plan(actor, filters.plan) if filters.plan else None,
        "billing_account": billing_account(actor, filters.billing_account) if filters.billing_account else None,
        "tag": tags(actor, [filters.tag], field="tag")[0] if filters.tag else None,
        "sort": filters.sort,
    }

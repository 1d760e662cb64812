"""Who pays for a line (F-30) and how the company labels it (tags / cost centres)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum

from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from fleetportal.billing.models import BillingAccount, SplitBillProfile
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line, Tag

from .common import (
    LIVE,
    StatusRule,
    audit_lines,
    bump,
    lock_lines,
    max_length,
    require_fleet,
    require_fleet_lines,
    require_options_retained,
    require_own_split_bill_profile,
    require_plan_retained,
)


class Keep(Enum):
    """Leave this as it is (None means "no split bill")."""

    KEEP = "keep"


KEEP = Keep.KEEP
# The status rule of billing changes, with its refusal.
NOT_YOUR_BILLING_ACCOUNT = _("Choose one of your billing accounts.")
BILLING_CHANGEABLE = StatusRule(LIVE, _("%(number)s is %(status)s: its billing cannot be changed."))


@transaction.atomic
def lines_change_billing(
    *,
    actor: Actor,
    lines: Sequence[Line],
    billing_account: BillingAccount | None = None,
    split_bill_profile: SplitBillProfile | Keep | None = KEEP,
    expected_versions: Mapping[int, int] | None = None,
) -> list[Line]:
    """Move lines to another billing account and/or split-bill profile (F-30), all or none.

    The new account's contract must include each line's plan and options, since it sets the prices.
    """
    require_fleet_lines(actor, lines)
    locked = lock_lines(lines, expected_versions, related=("billing_account", "split_bill_profile"))
    BILLING_CHANGEABLE.require(locked)
    customers = {line.customer_id for line in locked}
    changes: dict[str, object] = {}
    if billing_account is not None:
        if customers != {billing_account.customer_id}:
            raise ActionError(NOT_YOUR_BILLING_ACCOUNT, field="billing_account")
        contract = {billing_account.contract_id}
        for plan in {line.plan for line in locked}:
            require_plan_retained(plan, contract, field="billing_account")
        prefetch_related_objects(locked, "options")
        options = {option for line in locked for option in line.options.all()}
        require_options_retained(options, contract, field="billing_account")
        changes["billing_account"] = billing_account
    if split_bill_profile is not KEEP:
        require_own_split_bill_profile(split_bill_profile, customers)
        changes["split_bill_profile"] = split_bill_profile
    if not changes:
        raise ActionError(_("Choose a billing account or a split-bill profile."), field="billing_account")
    before = {
        line.pk: {
            "billing_account": line.billing_account.number,
            "split_bill_profile": str(line.split_bill_profile or ""),
        }
        for line in locked
    }
    bump(locked, **changes)
    audit_lines(
        actor,
        "line.billing_changed",
        (
            (
                line,
                before[line.pk],
                {
                    "billing_account": line.billing_account.number,
                    "split_bill_profile": str(line.split_bill_profile or ""),
                },
            )
            for line in locked
        ),
    )
    return locked


def clean_tag_name(name: str) -> str:
    """A tag's name with its spaces collapsed, of 1 to as many characters as the model keeps;
    the one rule of `tag_create`, which the CSV import checks its tags with too."""
    name = " ".join(name.split())
    limit = max_length(Tag, "name")
    if not name or len(name) > limit:
        raise ActionError(_("Enter a name of 1 to %(n)s characters.") % {"n": limit}, field="name")
    return name


@transaction.atomic
def tag_create(*, actor: Actor, customer: Customer, name: str) -> Tag:
    require_fleet(actor, customer)
    name = clean_tag_name(name)
    try:
        with transaction.atomic():
            tag = Tag.objects.create(customer=customer, name=name)
    except IntegrityError as exc:
        raise ActionError(_("A tag with this name exists already."), field="name") from exc
    record(actor=actor, action="tag.created", customer=customer, obj=tag, after={"name": name})
    return tag


@transaction.atomic
def lines_set_tags(
    *, actor: Actor, lines: Sequence[Line], add: Sequence[Tag] = (), remove: Sequence[Tag] = ()
) -> list[Line]:
    """Put tags on many lines and/or take them off, set-based. Tags are labels, not a change of
    the line itself: the lines' versions stay."""
    require_fleet_lines(actor, lines)
    customers = {line.customer_id for line in lines}
    if any({tag.customer_id} != customers for tag in [*add, *remove]):
        raise ActionError(_("Choose tags of this customer."), field="tags")
    if not add and not remove:
        raise ActionError(_("Choose tags to add or remove."), field="tags")
    through = Line.tags.through
    ids = [line.pk for line in lines]
    if remove:
        through.objects.filter(line_id__in=ids, tag__in=remove).delete()
    through.objects.bulk_create(
        [through(line_id=line_id, tag_id=tag.pk) for line_id in ids for tag in add],
        ignore_conflicts=True,
    )
    tags = {"added": sorted(t.name for t in add), "removed": sorted(t.name for t in remove)}
    audit_lines(actor, "line.tags_changed", ((line, {}, tags) for line in lines))
    return list(lines)

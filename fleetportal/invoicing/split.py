"""Split bill (F-63, R-B1..R-B3): which part of a line's items the employer pays, and when the
employee's part becomes a private invoice. Pure functions: the run feeds them and stores what
they answer.

- The employer pays the plan fee and the options when the profile says so (pro rata items as
  they are), group bundles always (they are the contract's, not a line's).
- Out-of-bundle usage of the kinds and zones the profile names is the employer's up to its
  monthly cap, taken item by item in a fixed order (kind, zone), an item split at the cap to
  the cent; the cap starts afresh every period, what is left is not carried over (R-B2).
- Third-party charges are always the employee's (R-B1), and any traffic the profile does not name.
- A private invoice is issued when what is still to pay (this period's part and the parts of
  earlier periods without a private invoice) exceeds the minimum (EUR 5), or, whatever the
  amount (above 0), when the two periods before went without one (R-B3: every third month).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from fleetportal.billing.models import SplitBillProfile

from .items import Item, Kind

# Periods in a row a line may go without a private invoice before one is issued anyway.
MAX_PERIODS_WITHOUT = 2


@dataclass(frozen=True)
class Coverage:
    plan: bool
    options: bool
    cap: Decimal
    kinds: frozenset[str]
    zones: frozenset[str]

    @classmethod
    def of(cls, profile: SplitBillProfile) -> Coverage:
        return cls(
            plan=profile.employer_pays_plan,
            options=profile.employer_pays_options,
            cap=profile.employer_usage_cap,
            kinds=frozenset(profile.employer_kinds or ()),
            zones=frozenset(profile.employer_zones or ()),
        )


def split(items: Iterable[Item], coverage: Coverage) -> tuple[list[Item], list[Item]]:
    """(the employer's items, the employee's items); each item's amount is in one of them or
    split between both, so their sums equal the items' sum exactly."""
    employer: list[Item] = []
    personal: list[Item] = []
    usage: list[Item] = []
    for item in items:
        if item.kind == Kind.USAGE:
            usage.append(item)
        elif item.kind == Kind.PLAN:
            (employer if coverage.plan else personal).append(item)
        elif item.kind == Kind.OPTION:
            (employer if coverage.options else personal).append(item)
        elif item.kind == Kind.THIRD_PARTY:
            personal.append(item)  # R-B1
        else:
            employer.append(item)
    left = max(coverage.cap, Decimal(0))
    for item in sorted(usage, key=lambda i: (i.usage_kind, i.zone, i.description)):
        covered = item.usage_kind in coverage.kinds and item.zone in coverage.zones
        employer_part = min(left, item.amount) if covered and item.amount > 0 else Decimal(0)
        left -= employer_part
        if employer_part:
            employer.append(item.part(employer_part))
        if item.amount - employer_part:
            personal.append(item.part(item.amount - employer_part))
    return employer, personal


def private_invoice_due(*, open_amount: Decimal, periods_without: int, minimum: Decimal) -> bool:
    """R-B3: issue a private invoice for `open_amount` (this period's part plus the earlier
    ones not invoiced) after `periods_without` periods in a row without one?"""
    if open_amount <= 0:
        return False
    return open_amount > minimum or periods_without >= MAX_PERIODS_WITHOUT

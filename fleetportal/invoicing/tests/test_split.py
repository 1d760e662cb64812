"""Split bill (F-63, R-B1..R-B3): the employer's and the employee's parts of a line, and when
the employee's part becomes a private invoice."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fleetportal.accounts.models import User
from fleetportal.billing.models import TRAFFIC_KINDS, TRAFFIC_ZONES, SplitBillProfile
from fleetportal.catalog.models import UsageZone
from fleetportal.core.models import Customer
from fleetportal.invoicing.amounts import rounded
from fleetportal.invoicing.items import Item, Kind
from fleetportal.invoicing.models import Invoice, InvoiceItem, PersonalCharge
from fleetportal.invoicing.split import Coverage, private_invoice_due, split
from fleetportal.usage.models import UsageRecord

from .conftest import priced_line, rated, run_period

pytestmark = pytest.mark.spec("F-63")
MONTHS = [dt.date(2026, m, 1) for m in (6, 7, 8, 9, 10, 11)]

cents = st.integers(min_value=0, max_value=2_000).map(lambda c: Decimal(c) / 100)
usage_items = st.lists(
    st.builds(
        lambda kind, zone, amount: Item(Kind.USAGE, 1, f"{kind} {zone}", amount, usage_kind=kind, zone=zone),
        st.sampled_from(TRAFFIC_KINDS),
        st.sampled_from(TRAFFIC_ZONES),
        cents,
    ),
    max_size=8,
)
coverages = st.builds(
    Coverage,
    plan=st.booleans(),
    options=st.booleans(),
    cap=cents,
    kinds=st.frozensets(st.sampled_from(TRAFFIC_KINDS)),
    zones=st.frozensets(st.sampled_from(TRAFFIC_ZONES)),
)


def test_the_profiles_traffic_codes_are_the_usage_codes() -> None:
    assert set(TRAFFIC_KINDS) == set(UsageRecord.Kind.values) - {UsageRecord.Kind.THIRD_PARTY}
    assert set(TRAFFIC_ZONES) == set(UsageZone.values)


@pytest.mark.spec("R-B1", "R-B2")
@given(usage_items, cents, cents, coverages)
def test_split_keeps_every_cent_and_gives_third_party_to_the_employee(
    usage: list[Item], plan: Decimal, third_party: Decimal, coverage: Coverage
) -> None:
    items = [
        Item(Kind.PLAN, 1, "plan", plan),
        Item(Kind.OPTION, 1, "option", Decimal("2.50")),
        Item(Kind.THIRD_PARTY, 1, "parking", third_party),
        *usage,
    ]
    employer, personal = split(items, coverage)
    assert sum(i.amount for i in employer) + sum(i.amount for i in personal) == sum(i.amount for i in items)
    assert all(i.amount > 0 or i.kind != Kind.USAGE for i in employer + personal)
    assert not [i for i in employer if i.kind == Kind.THIRD_PARTY]  # R-B1
    covered = sum(i.amount for i in usage if i.usage_kind in coverage.kinds and i.zone in coverage.zones)
    employer_usage = sum(i.amount for i in employer if i.kind == Kind.USAGE)
    assert employer_usage == min(coverage.cap, covered)  # up to the cap, exactly
    assert bool([i for i in employer if i.kind == Kind.PLAN]) == coverage.plan
    assert bool([i for i in employer if i.kind == Kind.OPTION]) == coverage.options


@pytest.mark.spec("R-B3")
def test_five_euro_and_third_period_rule() -> None:
    five = Decimal(5)
    assert not private_invoice_due(open_amount=Decimal("5.00"), periods_without=0, minimum=five)
    assert private_invoice_due(open_amount=Decimal("5.01"), periods_without=0, minimum=five)
    assert not private_invoice_due(open_amount=Decimal("0.40"), periods_without=1, minimum=five)
    assert private_invoice_due(open_amount=Decimal("0.40"), periods_without=2, minimum=five)
    assert not private_invoice_due(open_amount=Decimal(0), periods_without=5, minimum=five)


# Generated months of rated usage for one split-bill line: per month, records (kind, zone, price).
records = st.lists(
    st.tuples(
        st.sampled_from(["data", "voice", "sms", "third_party"]),
        st.sampled_from(["national", "world_1"]),
        st.integers(min_value=1, max_value=40_000).map(lambda n: Decimal(n) / 10_000),  # 0.0001..4.0000
    ),
    max_size=6,
)


@pytest.mark.django_db
@pytest.mark.spec("R-B1", "R-B2", "R-B3")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    months=st.lists(records, min_size=len(MONTHS), max_size=len(MONTHS)),
    pays_plan=st.booleans(),
    cap=st.sampled_from([Decimal(0), Decimal("1.50"), Decimal(10)]),
    kinds=st.sampled_from([["data"], ["data", "voice"], ["voice", "sms", "data"]]),
)
def test_employer_and_employee_invoices_add_up_to_the_rated_usage_and_fees(
    customer: Customer, member: User, months: list[list[tuple[str, str, Decimal]]], pays_plan: bool, cap: Decimal,
    kinds: list[str],
) -> None:  # fmt: skip
    """Over six months: every month the company invoice plus the month's personal part equal
    the line's fee and rated usage (rounded per line, kind and zone) to the cent; the personal
    part is what the profile leaves (cap afresh each month: no carry-over); a private invoice
    comes when the open part exceeds EUR 5 or after two months without one, with all of it."""
    with transaction.atomic():
        profile = SplitBillProfile.objects.create(
            customer=customer,
            name="Split",
            employer_pays_plan=pays_plan,
            employer_usage_cap=cap,
            employer_kinds=kinds,
            employer_zones=["national", "world_1"],
        )
        fee = Decimal("12.34")
        line = priced_line(
            customer, fee, split_bill_profile=profile, user=member, activated_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
        )
        open_parts: list[Decimal] = []
        for period, month in zip(MONTHS, months, strict=True):
            sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
            for kind, zone, price in month:
                rated(line, price, kind=kind, zone=zone, period=period)
                sums[(kind, "" if kind == "third_party" else zone)] += price
            items = {key: rounded(value, "EUR") for key, value in sums.items()}
            covered = sum(a for (k, _z), a in items.items() if k in kinds)
            employer_usage = min(cap, covered)
            expected_personal = sum(items.values()) - employer_usage + (0 if pays_plan else fee)

            run_period(period=period)

            invoice = Invoice.objects.get(kind=Invoice.Kind.COMPANY, period=period)
            charge = PersonalCharge.objects.get(line=line, period=period)
            assert invoice.total_excl_vat + charge.amount == fee + sum(items.values())
            assert charge.amount == expected_personal
            assert invoice.total_excl_vat == (fee if pays_plan else 0) + employer_usage
            assert sum(Decimal(i["amount"]) for i in charge.items) == charge.amount
            # R-B3
            open_total = sum(open_parts) + charge.amount
            private = Invoice.objects.filter(kind=Invoice.Kind.PRIVATE, period=period).first()
            if open_total > 5 or (len(open_parts) >= 2 and open_total > 0):
                assert private is not None and private.total_excl_vat == open_total
                assert (private.line, private.member) == (line, member)
                assert private.vat == rounded(open_total * Decimal("0.21"), "EUR")
                assert set(private.personal_charges.values_list("period", flat=True)) == set(
                    MONTHS[MONTHS.index(period) - len(open_parts) : MONTHS.index(period) + 1]
                )
                open_parts = []
            else:
                assert private is None
                open_parts.append(charge.amount)
        # Nothing lost, nothing counted twice.
        all_personal = sum(PersonalCharge.objects.filter(line=line).values_list("amount", flat=True))
        invoiced = sum(Invoice.objects.filter(kind=Invoice.Kind.PRIVATE).values_list("total_excl_vat", flat=True))
        assert invoiced + sum(open_parts) == all_personal
        assert sum(InvoiceItem.objects.filter(invoice__kind=Invoice.Kind.PRIVATE).values_list("amount", flat=True)) == (
            invoiced
        )
        transaction.set_rollback(True)

"""The demo's invoices (issue 8 "Demo") on two small customers: six closed months invoiced by
the real run, some paid, one overdue, one credited, the latest open to pay; the Hungarian one
in HUF at 27 %; a split-bill member's private invoices with skipped months (R-B3); the older
months counted as sent; idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fleetportal.accounts.models import User
from fleetportal.catalog.demo import load_catalogue, retain_for
from fleetportal.catalog.models import ContractPlan, TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.models import Contract, Customer, EventDelivery
from fleetportal.core.scope import scope
from fleetportal.demo.billing import CREDIT_REASON, MONTHS, closed_periods, forint_price, load_billing
from fleetportal.demo.usage import MEMBER_NUMBER
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.models import Invoice, PersonalCharge
from fleetportal.invoicing.selectors import is_overdue
from fleetportal.payments.policy import may_pay

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-60", "F-61", "F-62", "F-63", "R-B3")]


@pytest.fixture
def small(customer: Customer, other_customer: Customer, member: User) -> dict[str, object]:
    load_catalogue()
    retain_for(customer.contracts.get())
    retain_for(other_customer.contracts.get())
    plan = TariffPlan.objects.order_by("list_price", "code").first()
    long_ago = timezone.now() - dt.timedelta(days=400)
    own = LineFactory.create(customer=customer, plan=plan, msisdn=MEMBER_NUMBER, user=member, activated_at=long_ago)
    lines = [LineFactory.create(customer=customer, plan=plan, activated_at=long_ago) for _ in range(3)]
    globex = [LineFactory.create(customer=other_customer, plan=plan, activated_at=long_ago) for _ in range(2)]
    price = ContractPlan.objects.get(contract=other_customer.contracts.get(), plan=plan).monthly_price
    return {"own": own, "lines": lines, "globex": globex, "eur_price": price}


def test_six_months_of_invoices_told_as_the_story(small, customer, other_customer, member) -> None:
    today = timezone.localdate()
    periods = closed_periods(today)
    issued = load_billing()
    company = Invoice.objects.filter(kind=Invoice.Kind.COMPANY)
    assert issued == company.count() + Invoice.objects.filter(kind=Invoice.Kind.PRIVATE).count()
    acme = {i.period: i for i in company.filter(customer=customer)}
    globex = {i.period: i for i in company.filter(customer=other_customer)}
    assert sorted(acme) == sorted(globex) == periods and len(periods) == MONTHS
    # Acme: paid, the third-latest overdue, the fourth-latest credited, the latest open.
    latest, overdue, credited = acme[periods[-1]], acme[periods[-3]], acme[periods[-4]]
    assert latest.status == Invoice.Status.OPEN and not is_overdue(latest, today) and latest.balance > 0
    assert is_overdue(overdue, today)
    assert credited.status == Invoice.Status.CREDITED
    assert credited.credit_notes.get().reason == CREDIT_REASON
    paid = [acme[p] for p in periods if acme[p] not in (latest, overdue, credited)]
    assert paid and all(i.status == Invoice.Status.PAID and i.balance == 0 for i in paid)
    # Issued after each month, numbered in that order.
    assert [acme[p].issued_on > p for p in periods] == [True] * MONTHS
    assert sorted(acme.values(), key=lambda i: i.period) == sorted(acme.values(), key=lambda i: i.sequence)
    # Globex in forints, Hungarian VAT, its prices turned into forints once.
    other_customer.refresh_from_db()
    assert other_customer.country == "HU" and Contract.objects.get(customer=other_customer).currency == "HUF"
    g = globex[periods[-2]]
    assert (g.currency, g.vat_rate, g.status) == ("HUF", Decimal(27), Invoice.Status.PAID)
    assert g.total_excl_vat == 2 * forint_price(small["eur_price"])
    assert globex[periods[-1]].status == Invoice.Status.OPEN


@pytest.mark.parametrize(
    ("eur", "huf"),
    [("29.70", 11990), ("4.50", 1990), ("2.70", 990), ("405.00", 161990), ("2.30", 890), ("0.10", 40), ("0", 0)],
)
def test_globex_prices_are_round_forints(eur: str, huf: int) -> None:
    assert forint_price(Decimal(eur)) == huf


def _invoiced_in_its_month(charge: PersonalCharge) -> bool:
    return charge.invoice is not None and charge.invoice.period == charge.period


def test_split_bill_members_private_invoices_skip_months(small, customer, member) -> None:
    load_billing()
    own: Line = small["own"]
    privates = list(Invoice.objects.filter(kind=Invoice.Kind.PRIVATE, line=own).order_by("period"))
    charges = list(PersonalCharge.objects.filter(line=own).order_by("period"))
    assert len(charges) == MONTHS
    skipped = [c.period for c in charges if not _invoiced_in_its_month(c)]
    assert skipped, "a month under EUR 5 goes without a private invoice"
    assert 2 < len(privates) < MONTHS
    assert all(p.member == member for p in privates)
    assert privates[0].status == Invoice.Status.PAID and privates[-1].status == Invoice.Status.OPEN
    # Never three months in a row without one (R-B3), except the months still to come.
    months_without = 0
    for charge in charges[:-1]:
        months_without = 0 if _invoiced_in_its_month(charge) else months_without + 1
        assert months_without <= 2
    # The split lines' company invoice keeps the plan fees; third-party charges are the employee's.
    assert Line.objects.filter(customer=customer, split_bill_profile__isnull=False).count() == 3


def test_older_months_count_as_sent_and_loading_again_changes_nothing(small) -> None:
    load_billing()
    pending = EventDelivery.objects.filter(event_name="invoice.issued", status=EventDelivery.Status.PENDING)
    assert pending.exists()  # the latest month's and the credit note's wait for the worker
    done = EventDelivery.objects.filter(event_name="invoice.issued", status=EventDelivery.Status.DONE).count()
    assert done >= 2 * (MONTHS - 1)
    count, paid = Invoice.objects.count(), list(Invoice.objects.values_list("pk", "paid", "status"))
    assert load_billing() == 0
    assert Invoice.objects.count() == count and list(Invoice.objects.values_list("pk", "paid", "status")) == paid


@pytest.mark.spec("F-64", "F-74", "F-08")
def test_the_member_s_number_login_has_an_open_private_invoice_to_pay(small, member) -> None:
    """The demo's split-bill member logs in by her number (README: +32 470 00 00 03) and finds
    private invoices of her line left open for her to pay online."""
    load_billing()
    by_number = Actor(user=member, membership=member.memberships.get(), number=MEMBER_NUMBER)
    assert member.phone == MEMBER_NUMBER
    payable = [invoice for invoice in scope(by_number, Invoice) if may_pay(by_number, invoice) and invoice.balance > 0]
    assert payable and all(invoice.kind == Invoice.Kind.PRIVATE for invoice in payable)

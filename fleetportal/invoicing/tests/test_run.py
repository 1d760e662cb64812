"""The invoice run (F-60): items, pro rata, VAT, numbers, re-runs, credit notes, payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from fleetportal.accounts.models import User
from fleetportal.bundles.models import GroupBundle
from fleetportal.catalog.tests.factories import (
    ContractGroupBundleFactory,
    ContractOptionFactory,
    GroupBundleOfferFactory,
    OptionFactory,
)
from fleetportal.core.actor import SYSTEM
from fleetportal.core.errors import ActionError
from fleetportal.core.models import AuditEvent, Customer, DomainEvent
from fleetportal.core.tests.factories import BillingAccountFactory
from fleetportal.fleet.actions.history import record_products
from fleetportal.fleet.models import Line, LineOption
from fleetportal.invoicing.actions import invoice_credit, invoice_payment_record, invoice_run_start
from fleetportal.invoicing.models import Invoice, InvoiceItem, InvoiceRun
from fleetportal.invoicing.ogm import is_valid
from fleetportal.usage.periods import bounds

from .conftest import PERIOD, priced_line, rated, run_period

pytestmark = [pytest.mark.spec("F-60"), pytest.mark.django_db]
DAY = dt.timedelta(days=1)
START = bounds(PERIOD)[0]


def company(customer: Customer) -> Invoice:
    return Invoice.objects.get(customer=customer, kind=Invoice.Kind.COMPANY)


def test_one_invoice_per_account_with_fees_options_usage_and_vat(customer: Customer) -> None:
    line = priced_line(customer, "20.00")
    option = OptionFactory.create(name="Roaming pack")
    ContractOptionFactory.create(contract=customer.contracts.get(), option=option, monthly_price=Decimal("5.00"))
    LineOption.objects.filter(pk=LineOption.objects.create(line=line, option=option).pk).update(added_at=START - DAY)
    rated(line, "1.23454", kind="data", zone="eu")
    rated(line, "0.00555", kind="data", zone="eu")  # summed before rounding: 1.24009 → 1.24
    rated(line, "2.5", kind="voice", zone="world_1", quantity="600")
    rated(line, "3.33", kind="third_party")
    rated(line, "9.99", kind="third_party", outcome="refused")  # refused: not charged
    rated(line, "7.00", day=1, period=dt.date(2026, 10, 1))  # another period

    run = run_period()

    invoice = company(customer)
    items = {(i.kind, i.description): i.amount for i in invoice.items.all()}
    assert sorted(items.values()) == sorted(
        [Decimal("20.00"), Decimal("5.00"), Decimal("1.24"), Decimal("2.50"), Decimal("3.33")]
    )
    voice = invoice.items.get(kind=InvoiceItem.Kind.USAGE, unit="min")
    assert voice.quantity == Decimal(10)
    assert invoice.total_excl_vat == Decimal("32.07")
    assert invoice.vat_rate == 21 and invoice.vat == Decimal("6.73")  # 6.7347 half up
    assert invoice.total_incl_vat == Decimal("38.80")
    assert invoice.issued_on == dt.date(2026, 12, 1) and invoice.due_on == dt.date(2026, 12, 31)
    assert invoice.number == f"2026/{invoice.sequence:06d}" and is_valid(invoice.structured_communication)
    assert invoice.language == customer.language and invoice.status == Invoice.Status.OPEN
    assert (run.status, run.accounts, run.accounts_done, run.invoices, run.skipped) == ("done", 1, 1, 1, 0)
    assert run.total_incl_vat == invoice.total_incl_vat
    assert AuditEvent.objects.filter(action="invoice.issued", object_id=str(invoice.pk)).exists()
    assert DomainEvent.objects.filter(name="invoice.issued", object_id=str(invoice.pk)).exists()


def test_re_running_a_period_issues_nothing_twice(customer: Customer) -> None:
    priced_line(customer)
    run_period()
    again = run_period()
    assert Invoice.objects.filter(customer=customer).count() == 1
    assert (again.invoices, again.skipped, again.status) == (0, 1, InvoiceRun.Status.DONE)


def test_pro_rata_by_day_for_activation_stop_and_plan_change(customer: Customer) -> None:
    started = priced_line(customer, "30.00", activated_at=START + 10 * DAY)  # from the 11th: 20/30
    stopped = priced_line(
        customer, "30.00", status=Line.Status.STOPPED, stopped_at=START + 6 * DAY
    )  # until the 6th: 6/30
    changed = priced_line(customer, "30.00")
    cheaper = priced_line(customer, "15.00", status=Line.Status.PENDING)  # only for its plan and price
    record_products([(changed.pk, changed.plan_id, [])], at=START - 40 * DAY)
    record_products([(changed.pk, cheaper.plan_id, [])], at=START + 15 * DAY + dt.timedelta(hours=10))
    Line.objects.filter(pk=changed.pk).update(plan=cheaper.plan)

    run_period()

    amounts = {
        line.pk: sorted(InvoiceItem.objects.filter(line=line, kind="plan").values_list("amount", flat=True))
        for line in (started, stopped, changed)
    }
    assert amounts[started.pk] == [Decimal("20.00")]
    assert amounts[stopped.pk] == [Decimal("6.00")]
    assert amounts[changed.pk] == [Decimal("7.50"), Decimal("15.00")]  # 15 days at 30, 15 days at 15
    assert not InvoiceItem.objects.filter(line=cheaper).exists()  # pending: not invoiced


def test_options_are_charged_for_the_days_the_line_had_them(customer: Customer) -> None:
    """From the product history: an option removed on the 11th is charged 10 days, one added
    on the 21st 10 days, one removed and added again twice; the plan stays whole."""
    line = priced_line(customer, "30.00")
    contract = customer.contracts.get()
    removed, added, again = (
        ContractOptionFactory.create(contract=contract, option=OptionFactory.create(name=name, sort_order=n),
                                     monthly_price=Decimal("3.00")).option
        for n, name in enumerate(("Removed", "Added", "Again"))
    )  # fmt: skip
    history = [
        (START - 40 * DAY, [removed.pk, again.pk]),
        (START + 10 * DAY + dt.timedelta(hours=9), [again.pk]),  # the 11th: Removed goes
        (START + 15 * DAY, []),  # the 16th: Again goes...
        (START + 20 * DAY + dt.timedelta(hours=23), [added.pk, again.pk]),  # back on the 21st, with Added
    ]
    for at, options in history:
        record_products([(line.pk, line.plan_id, options)], at=at)

    run_period()

    items = InvoiceItem.objects.filter(line=line).order_by("kind", "starts_on", "id")
    charged = []
    for i in items:
        assert i.starts_on and i.ends_on
        days = (i.ends_on - i.starts_on).days
        charged.append((i.kind, i.description.split(" (")[0], i.starts_on.day, days, i.amount))
    assert charged == [
        ("option", "Removed", 1, 10, Decimal("1.00")),
        ("option", "Again", 1, 15, Decimal("1.50")),
        ("option", "Added", 21, 10, Decimal("1.00")),
        ("option", "Again", 21, 10, Decimal("1.00")),
        ("plan", line.plan.name, 1, 30, Decimal("30.00")),
    ]


@pytest.mark.parametrize(
    ("country", "rate", "vat"),
    [
        ("BE", 21, "2.10"),
        ("HU", 27, "2.70"),
        ("DE", 19, "1.90"),
        ("NL", 21, "2.10"),
        ("FR", 20, "2.00"),
        ("LU", 17, "1.70"),
    ],
)
def test_vat_by_the_customers_country(customer: Customer, country: str, rate: int, vat: str) -> None:
    Customer.objects.filter(pk=customer.pk).update(country=country)
    priced_line(customer, "10.00")
    run_period()
    invoice = company(customer)
    assert (invoice.vat_rate, invoice.vat) == (rate, Decimal(vat))


def test_an_unknown_country_is_a_problem_of_that_account_not_of_the_run(
    customer: Customer, other_customer: Customer
) -> None:
    Customer.objects.filter(pk=customer.pk).update(country="XX")
    priced_line(customer)
    priced_line(other_customer)
    run = run_period()
    assert run.status == InvoiceRun.Status.DONE and (run.invoices, run.problems) == (1, 1)
    problem = run.problem_rows.get()
    assert problem.code == "vat_country" and "XX" in problem.message
    assert not Invoice.objects.filter(customer=customer).exists()
    Customer.objects.filter(pk=customer.pk).update(country="BE")  # fixed: the next run invoices it
    assert run_period().invoices == 1


def test_huf_is_rounded_to_the_forint(other_customer: Customer) -> None:
    other_customer.contracts.update(currency="HUF")
    Customer.objects.filter(pk=other_customer.pk).update(country="HU")
    line = priced_line(other_customer, "4990.00")
    rated(line, "100.5")
    rated(line, "33.49", zone="eu")
    run_period()
    invoice = company(other_customer)
    assert sorted(invoice.items.values_list("amount", flat=True)) == [Decimal(33), Decimal(101), Decimal(4990)]
    assert invoice.currency == "HUF" and invoice.vat == Decimal(1383)  # 5124 × 27 % = 1383.48


def test_group_bundle_on_the_contracts_main_account(customer: Customer) -> None:
    contract = customer.contracts.get()
    main = customer.billing_accounts.get()
    second = BillingAccountFactory.create(customer=customer, contract=contract, number="ZZ-2")
    priced_line(customer, billing_account=second)
    offer = ContractGroupBundleFactory.create(
        contract=contract, offer=GroupBundleOfferFactory.create(name="Pool 50 GB"), monthly_price=Decimal("60.00")
    )
    GroupBundle.objects.create(
        customer=customer, contract=contract, offer=offer, name="Sales", started_at=START + 15 * DAY
    )
    run_period()
    pool = InvoiceItem.objects.get(kind=InvoiceItem.Kind.POOL)
    assert pool.invoice.billing_account == main and pool.amount == Decimal("30.00")
    assert Invoice.objects.filter(billing_account=second).count() == 1


def test_a_period_not_closed_is_refused_naming_period(customer: Customer) -> None:
    this_month = timezone.localdate().replace(day=1)
    for period in (this_month, this_month + dt.timedelta(days=40)):
        with pytest.raises(ActionError) as refused:
            invoice_run_start(actor=SYSTEM, period=period)
        assert refused.value.field == "period"
    with pytest.raises(CommandError, match="period"):
        call_command("invoice_run", period=f"{this_month:%Y-%m}")
    assert not InvoiceRun.objects.exists()


def test_only_staff_or_the_system_start_a_run(actor_for, holder: User, staff: User) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ActionError) as refused:
        invoice_run_start(actor=actor_for(holder), period=PERIOD)
    assert refused.value.code == "forbidden"
    assert invoice_run_start(actor=actor_for(staff), period=PERIOD).status == InvoiceRun.Status.QUEUED


def test_command_and_monthly_job(customer: Customer, capsys: pytest.CaptureFixture[str]) -> None:
    priced_line(customer)
    call_command("invoice_run", period="2026-11", customer=customer.login_domain)
    assert "invoices 1" in capsys.readouterr().out
    from fleetportal.invoicing.tasks import monthly_invoice_run

    monthly_invoice_run.call_local()  # the month before today: nothing to invoice twice
    assert InvoiceRun.objects.count() == 2


def test_a_credit_note_cancels_exactly_once(customer: Customer, actor_for, staff: User) -> None:  # type: ignore[no-untyped-def]
    line = priced_line(customer, "19.99")
    rated(line, "1.115")
    run_period()
    invoice = company(customer)
    note = invoice_credit(actor=actor_for(staff), invoice=invoice, reason="wrong plan price")
    assert note.kind == Invoice.Kind.CREDIT_NOTE and note.corrects == invoice and note.sequence == invoice.sequence + 1
    assert note.total_incl_vat == -invoice.total_incl_vat and note.vat == -invoice.vat
    assert sorted(note.items.values_list("amount", flat=True)) == sorted(
        -a for a in invoice.items.values_list("amount", flat=True)
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED
    assert DomainEvent.objects.filter(name="invoice.credited", object_id=str(invoice.pk)).exists()
    for target, code in ((invoice, "already_credited"), (note, "credit_note")):
        with pytest.raises(ActionError) as refused:
            invoice_credit(actor=actor_for(staff), invoice=target, reason="again")
        assert refused.value.code == code
    with pytest.raises(ActionError) as refused:
        invoice_credit(actor=actor_for(staff), invoice=invoice, reason=" ")
    assert refused.value.field == "reason"
    assert Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count() == 1


def test_payments_add_up_and_never_pay_twice(customer: Customer) -> None:
    priced_line(customer, "10.00")
    run_period()
    invoice = company(customer)  # 12.10 incl. VAT
    for bad, field in (("abc", "amount"), ("0", "amount"), ("-1", "amount")):
        with pytest.raises(ActionError) as refused:
            invoice_payment_record(actor=SYSTEM, invoice=invoice, amount=bad, reference="x")
        assert refused.value.field == field
    with pytest.raises(ActionError) as refused:
        invoice_payment_record(actor=SYSTEM, invoice=invoice, amount="12.11", reference="x")
    assert refused.value.code == "over_balance"
    part = invoice_payment_record(actor=SYSTEM, invoice=invoice, amount="2.10", reference="bank 1")
    assert (part.paid, part.status, part.balance) == (Decimal("2.10"), Invoice.Status.PARTLY_PAID, Decimal("10.00"))
    paid = invoice_payment_record(actor=SYSTEM, invoice=invoice, amount=Decimal("10.00"), reference="bank 2")
    assert (paid.status, paid.balance) == (Invoice.Status.PAID, 0)
    with pytest.raises(ActionError) as refused:
        invoice_payment_record(actor=SYSTEM, invoice=invoice, amount="1", reference="x")
    assert refused.value.code == "already_paid"
    assert DomainEvent.objects.filter(name="invoice.paid", object_id=str(invoice.pk)).count() == 2
    assert AuditEvent.objects.filter(action="invoice.paid", object_id=str(invoice.pk)).count() == 2

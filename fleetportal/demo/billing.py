"""Six months of invoices for the demo's Acme and Globex (issue 8 "Demo"), made by the real
invoice run after the usage demo, then paid, credited and left open through the invoicing
actions, so every invoice page, status and payment has something to show:

- Globex is Hungarian: country HU (27 % VAT), contract in HUF, its retained prices turned into
  round forint prices (`forint_price`: 11,990 Ft, not 11,880) when the currency is first set;
- Acme has a split-bill profile (the employer pays the plan, options and usage; third-party
  charges are the employee's, R-B1) on three lines, among them the member's own line, whose
  third-party charges (`PERSONAL_CHARGES`, EUR per closed month, oldest first) give private
  invoices over EUR 5, months skipped under it and a third-month invoice anyway (R-B3);
- one run (`invoice_run_start` + `invoice_run_execute`) per closed month, oldest first, each
  issued on the 2nd of the month after (today for the latest), due 30 days later;
- company invoices paid by bank transfer (`invoice_payment_record`), except: the latest month's
  open (ready to pay with the test provider), Acme's third-latest left open past its due date
  (overdue) and Acme's fourth-latest credited (`invoice_credit`); the member's oldest private
  invoice paid, the others open for her to pay.

The latest month's invoices (and the credit note) get their PDFs and e-mails from the
"invoice.issued" consumer on the worker after the demo is loaded; the older months' count as
sent back then (`sent_back_then`) and get their PDF on its first download. Rendering them all
here would take most of `make demo`'s time (measured: an Acme invoice of ~1,000 lines 58 s,
Globex's ~300 lines 15 s, a private invoice 0.7 s; the six months' runs without PDFs 2.5 s).
Idempotent: a customer with invoices is left as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from fleetportal.billing.models import SplitBillProfile
from fleetportal.catalog.models import ContractGroupBundle, ContractOption, ContractPlan
from fleetportal.core.actor import SYSTEM
from fleetportal.core.models import Contract, Customer, DomainEvent, EventDelivery
from fleetportal.demo.usage import MEMBER_NUMBER, run_event_consumers
from fleetportal.fleet.actions import lines_change_billing
from fleetportal.fleet.models import Line
from fleetportal.invoicing.actions import invoice_credit, invoice_payment_record, invoice_run_execute, invoice_run_start
from fleetportal.invoicing.events import INVOICE_ISSUED
from fleetportal.invoicing.models import Invoice
from fleetportal.usage.actions import usage_ingest_records, usage_job_create
from fleetportal.usage.models import IngestJob
from fleetportal.usage.periods import bounds, next_period

MONTHS = 6  # closed months invoiced
HUF_PER_EUR = Decimal(400)
SPLIT_PROFILE = "Employee pays third-party charges"
SPLIT_LINES = 3
# The split-bill lines' third-party charges per closed month, oldest first (EUR): over 5 an
# invoice; 2.00 and 1.50 skipped (under 5); the 4th month invoiced anyway with what was left
# open (R-B3: never three months in a row without one); the latest skipped again.
PERSONAL_CHARGES = ("12.00", "2.00", "1.50", "1.00", "7.00", "3.00")
CREDIT_REASON = "Plan price charged at list price instead of the contract's"
OVERDUE_AGO = 3  # Acme's invoice of the third-latest month stays open past its due date
CREDITED_AGO = 4  # and the fourth-latest is credited


def closed_periods(today: dt.date, months: int = MONTHS) -> list[dt.date]:
    """The last `months` months that have ended, oldest first."""
    periods = [today.replace(day=1)]
    for _ in range(months):
        periods.append((periods[-1] - dt.timedelta(days=1)).replace(day=1))
    return periods[:0:-1]


def issue_day(period: dt.date, today: dt.date) -> dt.date:
    return min(next_period(period) + dt.timedelta(days=1), today)


def forint_price(eur: Decimal) -> Decimal:
    """A euro price as a Hungarian price list writes it: about `HUF_PER_EUR` forints to the
    euro, to the nearest thousand (hundred under 950) less 10, so 11,990 and 990, not 11,880 and
    1,080; an amount that rounds to nothing stays in whole forints."""
    huf = eur * HUF_PER_EUR
    step = Decimal(1000) if huf >= 950 else Decimal(100)
    rounded = (huf / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    return rounded - 10 if rounded else huf.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def make_hungarian(customer: Customer) -> None:
    """Country HU and the contract in HUF, its retained prices in round forints (once)."""
    Customer.objects.filter(pk=customer.pk).exclude(country="HU").update(country="HU")
    for contract in Contract.objects.filter(customer=customer).exclude(currency="HUF"):
        for model in (ContractPlan, ContractOption, ContractGroupBundle):
            for row in model.objects.filter(contract=contract):  # type: ignore[attr-defined]
                row.monthly_price = forint_price(row.monthly_price)
                row.save(update_fields=["monthly_price"])
        Contract.objects.filter(pk=contract.pk).update(currency="HUF")


def split_lines(customer: Customer, count: int = SPLIT_LINES) -> list[Line]:
    """The member's own line (when the customer has it) and other active lines with an e-mail
    address (their private invoices go there)."""
    active = Line.objects.filter(customer=customer, status=Line.Status.ACTIVE).order_by("msisdn")
    own = list(active.filter(msisdn=MEMBER_NUMBER))
    others = list(active.exclude(msisdn=MEMBER_NUMBER).exclude(email="")[: count - len(own)])
    return own + others


def set_up_split_bill(customer: Customer, lines: Sequence[Line], periods: Sequence[dt.date]) -> None:
    """The profile on the lines (through the fleet's action) and their third-party charges,
    ingested and rated like the rest of the usage."""
    profile, _ = SplitBillProfile.objects.get_or_create(
        customer=customer,
        name=SPLIT_PROFILE,
        defaults={"employer_pays_plan": True, "employer_pays_options": True, "employer_usage_cap": Decimal(25)},
    )
    lines_change_billing(actor=SYSTEM, lines=list(lines), split_bill_profile=profile)
    records = [
        {
            "record_id": f"DEMO-SPLIT-{line.pk}-{period:%Y%m}",
            "number": line.msisdn,
            "kind": "third_party",
            "zone": "national",
            "started_at": (bounds(period)[0] + dt.timedelta(days=14, hours=12)).isoformat(),
            "amount": amount,
            "merchant": "App Store",
        }
        for line in lines
        for period, amount in zip(periods, PERSONAL_CHARGES, strict=False)
    ]
    job = usage_job_create(
        actor=SYSTEM, source=IngestJob.Source.COMMAND, file_name="demo-split-bill.json", customer=customer
    )
    usage_ingest_records(actor=SYSTEM, job=job, records=records)
    run_event_consumers()


def settle(
    customer: Customer, periods: Sequence[dt.date], *, overdue_ago: int | None, credited_ago: int | None
) -> None:
    """Pay, credit or leave open the customer's invoices, as the module's story says."""
    latest = periods[-1]
    overdue = periods[-overdue_ago] if overdue_ago else None
    credited = periods[-credited_ago] if credited_ago else None
    invoices = Invoice.objects.filter(customer=customer, period__in=periods).order_by("period", "sequence")
    for invoice in invoices.filter(kind=Invoice.Kind.COMPANY):
        if invoice.period == credited:
            invoice_credit(actor=SYSTEM, invoice=invoice, reason=CREDIT_REASON)
        elif invoice.period not in (latest, overdue) and invoice.balance > 0:
            invoice_payment_record(
                actor=SYSTEM, invoice=invoice, amount=invoice.balance, reference=f"Bank transfer {invoice.number}"
            )
    first_private: dict[int | None, Invoice] = {}
    for invoice in invoices.filter(kind=Invoice.Kind.PRIVATE):
        first_private.setdefault(invoice.line_id, invoice)
    for invoice in first_private.values():
        if invoice.balance > 0:
            invoice_payment_record(
                actor=SYSTEM, invoice=invoice, amount=invoice.balance, reference=f"Bank transfer {invoice.number}"
            )


def sent_back_then(invoices: QuerySet[Invoice]) -> int:
    """The older months' invoices were e-mailed when they were issued: their "invoice.issued"
    deliveries are marked done, so the worker does not render and mail them all once the demo
    is loaded (an Acme invoice of ~1,000 lines takes about a minute to render); their PDFs are
    made on their first download. Answers the deliveries marked."""
    ids = [str(pk) for pk in invoices.values_list("pk", flat=True)]
    batches = DomainEvent.objects.filter(name=INVOICE_ISSUED.name, object_type="invoice", object_id__in=ids)
    return EventDelivery.objects.filter(
        event_name=INVOICE_ISSUED.name,
        batch__in=batches.values("batch"),
        status=EventDelivery.Status.PENDING,
    ).update(status=EventDelivery.Status.DONE)


def load_billing(
    domains: Sequence[str] = ("acme", "globex"), *, hungarian: str = "globex", today: dt.date | None = None
) -> int:
    """Invoice the customers' last six closed months (see the module's story); answers the
    invoices issued (0 when they had invoices already)."""
    today = today or timezone.localdate()
    periods = closed_periods(today)
    customers = [
        c
        for c in Customer.objects.filter(login_domain__in=domains).order_by("pk")
        if not Invoice.objects.filter(customer=c).exists()
    ]
    if not customers:
        return 0
    for customer in customers:
        if customer.login_domain == hungarian:
            make_hungarian(customer)
        lines = split_lines(customer) if customer.login_domain != hungarian else []
        if lines:
            set_up_split_bill(customer, lines, periods)
    issued = 0
    for period in periods:
        for customer in customers:
            run = invoice_run_start(actor=SYSTEM, period=period, customer=customer)
            issued += invoice_run_execute(actor=SYSTEM, run=run, today=issue_day(period, today)).invoices
    sent_back_then(Invoice.objects.filter(customer__in=customers, period__in=periods[:-1]))
    with transaction.atomic():
        for customer in customers:
            foreign = customer.login_domain == hungarian
            settle(
                customer,
                periods,
                overdue_ago=None if foreign else OVERDUE_AGO,
                credited_ago=None if foreign else CREDITED_AGO,
            )
    return issued

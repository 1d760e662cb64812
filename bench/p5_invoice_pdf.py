"""P5: one invoice PDF (F-60), rendered as the delivery renders it after the run: the HTML in
the invoice's language (totals, details per line, out-of-bundle costs and their rated records)
and WeasyPrint's layout, for a typical company invoice of 25 lines, 3 items each, and 100 priced
usage records; side by side the UBL e-invoice of the same invoice (the queries and the XML
without a layout). Goal (QUALITY P5): one PDF ≤ 300 ms.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import harness

GOAL_MS = 300.0
LINES = 25
RECORDS = 100
RUNS = 20
PERIOD = dt.date(2026, 3, 1)


def invoice_of(customer: object) -> object:
    """A company invoice of the customer's first billing account: plan, option and usage per line."""
    from django.utils import timezone

    from fleetportal.invoicing.models import Invoice, InvoiceItem
    from fleetportal.invoicing.ogm import structured_communication
    from fleetportal.usage.models import IngestJob, UsageRecord

    account = customer.billing_accounts.first()  # type: ignore[attr-defined]
    lines = list(account.lines.order_by("msisdn")[:LINES])
    invoice = Invoice.objects.create(
        number="P5PDF0000001",
        year=2026,
        sequence=999_999,
        customer=customer,
        billing_account=account,
        period=PERIOD,
        issued_on=dt.date(2026, 4, 2),
        due_on=dt.date(2026, 5, 2),
        language="nl",
        vat_rate=Decimal(21),
        structured_communication=structured_communication(2026_999_999),
    )
    items = []
    for n, line in enumerate(lines):
        items += [
            InvoiceItem(invoice=invoice, line=line, kind="plan", description="Business Unlimited", amount=Decimal(40)),
            InvoiceItem(invoice=invoice, line=line, kind="option", description="Roaming World", amount=Decimal(5)),
            InvoiceItem(invoice=invoice, line=line, kind="usage", description="Data EU", amount=Decimal(n) / 10),
        ]
    InvoiceItem.objects.bulk_create(items)
    excl = sum((item.amount for item in items), Decimal(0))
    vat = (excl * Decimal("0.21")).quantize(Decimal("0.01"))
    Invoice.objects.filter(pk=invoice.pk).update(total_excl_vat=excl, vat=vat, total_incl_vat=excl + vat)
    job = IngestJob.objects.first() or IngestJob.objects.create(source="api", file_name="p5", created_by_label="P5")
    started = timezone.make_aware(dt.datetime(2026, 3, 10, 12))
    UsageRecord.objects.bulk_create(
        UsageRecord(
            record_id=f"P5PDF-{n}",
            line=lines[n % len(lines)],
            customer_id=customer.pk,  # type: ignore[attr-defined]
            started_at=started + dt.timedelta(minutes=n),
            kind="data",
            zone="eu",
            quantity=Decimal(12),
            unit="mb",
            period=PERIOD,
            job=job,
            row=n,
            outcome="out_of_bundle",
            out_quantity=Decimal(12),
            price=Decimal("0.1644"),
        )
        for n in range(RECORDS)
    )
    return Invoice.objects.get(pk=invoice.pk)


def main(backend: str) -> None:
    from fleetportal.invoicing.documents import invoice_pdf
    from fleetportal.invoicing.ubl import invoice_ubl

    print(f"P5 one invoice PDF ({LINES} lines, {LINES * 3} items, {RECORDS} rated records), {backend}")
    customer, _manager = harness.big_fleet(LINES)
    invoice = invoice_of(customer)
    pdf_times, ubl_times = harness.timed_pair(lambda: invoice_pdf(invoice), lambda: invoice_ubl(invoice), RUNS)
    print(f"  PDF  {harness.summary(pdf_times)}")
    print(f"  UBL  {harness.summary(ubl_times)}")
    p95 = harness.percentile(pdf_times, 0.95) * 1000
    verdict = "within" if p95 <= GOAL_MS else "OUTSIDE"
    print(f"  one PDF: p95 {p95:.0f} ms ({verdict} the goal of {GOAL_MS:.0f} ms)")


if __name__ == "__main__":
    harness.run(main)

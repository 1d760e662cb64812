"""An invoice as a PDF (F-60), made once with WeasyPrint when it is issued and stored with it.

In the invoice's language: page 1 the totals and how to pay (the structured communication of a
bank transfer, or "paid by direct debit" with the mandate), then the details per line (number,
user, items), then at the end every out-of-bundle cost: the usage items and the rated records
behind them (`usage.UsageRecord` of the invoice's lines and period that carry a price), as the
seeds' invoices have them. `invoice_render` also stores the UBL e-invoice (`ubl.py`): both are
what the invoice says for good, so they are written once and never again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.core.files.base import ContentFile
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from weasyprint import CSS

from fleetportal.catalog.msa import html_to_pdf
from fleetportal.core.gc_pause import collector_paused
from fleetportal.fleet.models import Line
from fleetportal.usage.models import UsageRecord

from . import ubl
from .mandates import active_mandate
from .models import Invoice, InvoiceItem
from .seller import seller
from .templatetags.invoicing import amount

OUT_OF_BUNDLE = (InvoiceItem.Kind.USAGE, InvoiceItem.Kind.THIRD_PARTY, InvoiceItem.Kind.PERSONAL)


@dataclass
class LineDetail:
    """One number's part of the invoice: its items and their sum."""

    line: Line | None
    items: list[InvoiceItem] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)  # the items as fixed columns, then the subtotal

    @property
    def total(self) -> Decimal:
        return sum((item.amount for item in self.items), Decimal(0))


ITEM_COLUMNS = "{description:<44} {kind:<22} {quantity:>12} {amount:>17}"


def _item_rows(detail: LineDetail, currency: str) -> list[str]:
    """The items of a line as preformatted rows: WeasyPrint lays out a table cell per value
    about five times slower than a line of text, which a 1,000-line invoice feels (P5)."""
    rows = []
    for item in detail.items:
        period = ""
        if item.starts_on and item.ends_on:
            period = (
                f" {date_format(item.starts_on, 'SHORT_DATE_FORMAT')}-{date_format(item.ends_on, 'SHORT_DATE_FORMAT')}"
            )
        quantity = f"{item.quantity.normalize():f} {item.unit}" if item.unit else ""
        rows.append(
            ITEM_COLUMNS.format(
                description=(item.description + period)[:44],
                kind=str(item.get_kind_display())[:22],
                quantity=quantity[:12],
                amount=amount(item.amount, currency),
            )
        )
    rows.append(
        ITEM_COLUMNS.format(description=_("Subtotal"), kind="", quantity="", amount=amount(detail.total, currency))
    )
    return rows


def by_line(items: Iterable[InvoiceItem]) -> list[LineDetail]:
    """The items per number (in number order), the account's own items (no line) first."""
    details: dict[int | None, LineDetail] = {}
    for item in items:
        details.setdefault(item.line_id, LineDetail(item.line)).items.append(item)
    return sorted(details.values(), key=lambda detail: (detail.line is not None, detail.line and detail.line.msisdn))


def rated_records(invoice: Invoice) -> QuerySet[UsageRecord]:
    """The priced records of the invoice's lines in its period (out of bundle or charged)."""
    if invoice.line_id is not None:
        lines = Q(line_id=invoice.line_id)
    else:
        lines = Q(line__in=InvoiceItem.objects.filter(invoice=invoice, line__isnull=False).values("line_id"))
    return (
        UsageRecord.objects.filter(lines, period=invoice.period)
        .filter(Q(price__gt=0) | Q(outcome=UsageRecord.Outcome.CHARGED))
        .select_related("line")
        .order_by("line__msisdn", "started_at", "id")
    )


def invoice_context(invoice: Invoice) -> dict[str, object]:
    items = list(invoice.items.select_related("line"))
    account = invoice.billing_account
    details = by_line(items)
    for detail in details:
        detail.rows = _item_rows(detail, invoice.currency)
    return {
        "invoice": invoice,
        "account": account,
        "customer": invoice.customer,
        "seller": seller(),
        "mandate": active_mandate(account),
        "details": details,
        "items_header": ITEM_COLUMNS.format(
            description=_("Description"), kind=_("Type"), quantity=_("Quantity"), amount=_("Amount excl. VAT")
        ),
        "costs_header": COST_COLUMNS.format(
            number=_("Phone number"), description=_("Description"), amount=_("Amount excl. VAT")
        ),
        "out_of_bundle": [_cost_row(item, invoice.currency) for item in items if item.kind in OUT_OF_BUNDLE],
        "records_header": RECORD_COLUMNS.format(
            number=_("Phone number"), when=_("Date"), kind=_("Type"), quantity=_("Quantity"), price=_("Price")
        ),
        "records": [_record_line(record) for record in rated_records(invoice)],
    }


COST_COLUMNS = "{number:<15} {description:<64} {amount:>17}"


def _cost_row(item: InvoiceItem, currency: str) -> str:
    """An out-of-bundle item as a line of fixed columns (number, description, amount)."""
    number = item.line.msisdn if item.line else ""
    return COST_COLUMNS.format(number=number, description=item.description[:64], amount=amount(item.amount, currency))


RECORD_COLUMNS = "{number:<15} {when:<17} {kind:<28} {quantity:>14} {price:>10}"


def _record_line(record: UsageRecord) -> str:
    """One rated record as a line of fixed columns (number, start, type, quantity, price)."""
    charged = record.outcome == UsageRecord.Outcome.CHARGED
    kind = record.get_kind_display() + (f" · {record.merchant}" if record.merchant else "")
    quantity = f"{record.out_quantity.normalize():f} {record.get_unit_display()}" if not charged else ""
    return RECORD_COLUMNS.format(
        number=record.line.msisdn,
        when=date_format(timezone.localtime(record.started_at), "SHORT_DATETIME_FORMAT"),
        kind=kind[:28],
        quantity=quantity[:12],
        price=f"{(record.amount if charged else record.price) or 0:.2f}",
    )


def invoice_html(invoice: Invoice) -> str:
    with translation.override(invoice.language):
        return render_to_string("invoicing/invoice_pdf.html", invoice_context(invoice))


@cache
def stylesheet() -> CSS:
    """The PDF's own small stylesheet, parsed once per process rather than once per invoice."""
    return CSS(string=render_to_string("invoicing/invoice_pdf.css"))


def invoice_pdf(invoice: Invoice) -> bytes:
    """Laid out with the garbage collector paused: WeasyPrint's box tree lives through the whole
    layout, so the collector's passes would promote it to the oldest generation and bring on a
    full pass over the process's every object (about 150 ms, one PDF in eight: P5's 95th
    percentile); reference counting frees the tree at the end either way."""
    html = invoice_html(invoice)
    with collector_paused():
        return html_to_pdf(html, stylesheets=[stylesheet()])


def invoice_render(invoice: Invoice) -> Invoice:
    """Store the invoice's PDF and UBL e-invoice once (an invoice that has them keeps them)."""
    changed = []
    if not invoice.pdf:
        invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(invoice_pdf(invoice)), save=False)
        changed.append("pdf")
    if not invoice.ubl:
        invoice.ubl.save(f"{invoice.number}.xml", ContentFile(ubl.invoice_ubl(invoice)), save=False)
        changed.append("ubl")
    if changed:
        invoice.save(update_fields=changed)
    return invoice

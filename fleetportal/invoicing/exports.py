"""The invoices overview as a spreadsheet (F-61): the filter's invoices to .xlsx with numbers
as numbers and dates as dates, streamed from a temporary file (XlsxWriter in constant memory
mode); a text cell that a spreadsheet would read as a formula is shown as typed (QUALITY S11,
as the SIM overview's export does)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.fleet.exports import FORMULA_STARTS

from . import selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000
WIDTHS = (12, 16, 16, 10, 14, 14, 14, 12, 12, 6)


@dataclass
class Export:
    filename: str
    body: Iterator[bytes]


def _titles() -> list[str]:
    return [
        _("Date"),
        _("Invoice"),
        _("Billing account"),
        _("Period"),
        _("Amount excl. VAT"),
        _("Amount incl. VAT"),
        _("Open balance incl. VAT"),
        _("Status"),
        _("Due date"),
        _("Currency"),
    ]


def _write(target: Any, invoices: Any, sheet: str) -> None:
    today = timezone.localdate()
    labels = {code: str(label) for code, label in selectors.STATUSES.items()}
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    month = workbook.add_format({"num_format": "mm/yyyy"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    as_text = workbook.add_format({"quote_prefix": True})
    for col, width in enumerate(WIDTHS):
        worksheet.set_column(col, col, width)
    for col, title in enumerate(_titles()):
        worksheet.write_string(0, col, title, bold)
    worksheet.freeze_panes(1, 0)

    def text(row: int, col: int, value: str) -> None:
        worksheet.write_string(row, col, value, as_text if value.startswith(FORMULA_STARTS) else None)

    row = 0
    for row, invoice in enumerate(invoices.iterator(chunk_size=CHUNK), start=1):
        worksheet.write_datetime(row, 0, invoice.issued_on, day)
        text(row, 1, invoice.number)
        text(row, 2, invoice.billing_account.number)
        worksheet.write_datetime(row, 3, invoice.period, month)
        worksheet.write_number(row, 4, invoice.total_excl_vat, money)
        worksheet.write_number(row, 5, invoice.total_incl_vat, money)
        worksheet.write_number(row, 6, invoice.balance, money)
        text(row, 7, labels.get(selectors.status_of(invoice, today), invoice.status))
        worksheet.write_datetime(row, 8, invoice.due_on, day)
        text(row, 9, invoice.currency)
    worksheet.autofilter(0, 0, max(row, 1), len(WIDTHS) - 1)
    workbook.close()


def _body(invoices: Any, sheet: str) -> Iterator[bytes]:
    with tempfile.TemporaryFile() as target:
        _write(target, invoices, sheet)
        target.seek(0)
        while block := target.read(64 * 1024):
            yield block


def invoices_export(*, actor: Actor, criteria: dict[str, Any]) -> Export:
    """The overview's invoices (`criteria` as `selectors.filtered` takes them), audited."""
    if not selectors.sees_account_invoices(actor):
        raise PermissionDeniedError(_("You may not see the invoices of this customer."))
    invoices = selectors.filtered(selectors.invoices_for(actor), **criteria).select_related(None)
    invoices = invoices.select_related("billing_account")
    record(
        actor=actor,
        action="invoices.exported",
        customer=actor.customer,
        after={k: str(v) for k, v in criteria.items() if v not in ("", None)},
    )
    label = actor.customer.login_domain if actor.customer else "all"
    filename = f"invoices-{label}-{timezone.localdate():%Y-%m-%d}.xlsx"
    return Export(filename=filename, body=_body(invoices, str(_("Invoices"))))

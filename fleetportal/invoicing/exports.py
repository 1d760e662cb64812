"""The invoices overview as a spreadsheet (F-61): the filter's invoices to .xlsx with numbers
as numbers and dates as dates, streamed from a temporary file written by the portal's one
workbook writer (`core.spreadsheets`: constant memory, no text ever read as a formula)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.core.spreadsheets import Cell, Column, Sheet, xlsx_chunks

from . import selectors

CHUNK = 2000


@dataclass
class Export:
    filename: str
    body: Iterator[bytes]


def _columns() -> list[Column]:
    return [
        Column(_("Date"), 12, "day"),
        Column(_("Invoice"), 16),
        Column(_("Billing account"), 16),
        Column(_("Period"), 10, "month"),
        Column(_("Amount excl. VAT"), 14, "decimal"),
        Column(_("Amount incl. VAT"), 14, "decimal"),
        Column(_("Open balance incl. VAT"), 14, "decimal"),
        Column(_("Status"), 12),
        Column(_("Due date"), 12, "day"),
        Column(_("Currency"), 6),
    ]


def _rows(invoices: Any) -> Iterator[list[Cell]]:
    today = timezone.localdate()
    labels = {code: str(label) for code, label in selectors.STATUSES.items()}
    for invoice in invoices.iterator(chunk_size=CHUNK):
        yield [
            invoice.issued_on,
            invoice.number,
            invoice.billing_account.number,
            invoice.period,
            invoice.total_excl_vat,
            invoice.total_incl_vat,
            invoice.balance,
            labels.get(selectors.status_of(invoice, today), invoice.status),
            invoice.due_on,
            invoice.currency,
        ]


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
    return Export(filename=filename, body=xlsx_chunks(lambda: [Sheet(str(_("Invoices")), _columns(), _rows(invoices))]))

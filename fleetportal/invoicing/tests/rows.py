"""Issued invoices made directly as rows, as the invoice run leaves them (for the tests of the
documents, pages and API, which do not run the invoice run).

`issued(customer, items=[(line, kind, description, amount), ...], **fields)` makes an invoice
with those items, its totals summed and VAT at its rate (21 % unless told), a valid structured
communication, the next number of 2026, a period of its own (unless told).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line
from fleetportal.invoicing import ogm
from fleetportal.invoicing.models import Invoice, InvoiceItem

_sequence = itertools.count(9001)
Item = tuple[Line | None, str, str, Decimal]


def issued(customer: Customer, items: Sequence[Item] = (), **fields: Any) -> Invoice:
    n = next(_sequence)
    rate = fields.pop("vat_rate", Decimal(21))
    excl = sum((amount for *_, amount in items), Decimal(0))
    vat = (excl * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    values: dict[str, Any] = {
        "number": f"2026{n:08d}",
        "year": 2026,
        "sequence": n,
        "customer": customer,
        "billing_account": customer.billing_accounts.first(),
        "period": date(2000 + n // 12 % 90, n % 12 + 1, 1),  # one company invoice per account and period
        "issued_on": date(2026, 11, 3),
        "due_on": date(2026, 12, 3),
        "language": customer.language,
        "vat_rate": rate,
        "total_excl_vat": excl,
        "vat": vat,
        "total_incl_vat": excl + vat,
        "structured_communication": ogm.structured_communication(2026 * 10**6 + n),
    }
    values.update(fields)
    invoice = Invoice.objects.create(**values)
    InvoiceItem.objects.bulk_create(
        InvoiceItem(invoice=invoice, line=line, kind=kind, description=description, amount=amount, sort=sort)
        for sort, (line, kind, description, amount) in enumerate(items)
    )
    return invoice

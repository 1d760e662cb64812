"""Gap-free invoice numbers per operator and year (F-60).

`take_numbers` increments the year's `InvoiceNumber` row while holding its row lock
(SELECT … FOR UPDATE) in the caller's transaction, which is the transaction that stores the
invoices: if it rolls back, the numbers are given back with it; a parallel run waits for the
lock and continues after the last number committed, so no number is shared or skipped. The
row of a new year is created race-safely (a unique year, INSERT in a savepoint, then locked).
On SQLite the whole database is locked by the writing transaction (IMMEDIATE), which gives
the same guarantee.

Number format: `YYYY/NNNNNN`, e.g. "2026/000123" (sequence zero-padded to six digits, wider
past 999,999; fits the 20-character column). The Belgian structured communication is built
from year and sequence (`communication_base`: YYYY followed by six sequence digits), so it
needs the sequence to stay below one million per year.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import InvoiceNumber
from .ogm import structured_communication


def format_number(year: int, sequence: int) -> str:
    return f"{year}/{sequence:06d}"


def communication_base(year: int, sequence: int) -> int:
    if not 0 < sequence < 10**6:
        raise ValueError(f"sequence {sequence} does not fit a structured communication")
    return year * 10**6 + sequence


def communication_for(year: int, sequence: int) -> str:
    return structured_communication(communication_base(year, sequence))


def take_numbers(year: int, count: int) -> range:
    """The next `count` sequences of `year`, taken under the year's row lock. Call inside the
    transaction that stores the invoices (it holds the lock until it ends)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_numbers must run inside the transaction that stores the invoices")
    row = InvoiceNumber.objects.select_for_update().filter(year=year).first()
    if row is None:
        try:
            with transaction.atomic():
                InvoiceNumber.objects.create(year=year)
        except IntegrityError:  # created meanwhile by a parallel run
            pass
        row = InvoiceNumber.objects.select_for_update().get(year=year)
    first = row.last + 1
    row.last += count
    row.save(update_fields=["last"])
    return range(first, first + count)


def take_number(year: int) -> tuple[int, str]:
    """One number: (sequence, "YYYY/NNNNNN")."""
    sequence = take_numbers(year, 1)[0]
    return sequence, format_number(year, sequence)

"""The spreadsheets the portal hands out (the SIM overview, the invoices, the usage figures,
the audit trail): workbooks written by one writer, rust_xlsxwriter (through the
`rustpy-xlsxwriter` binding), and CSV for Excel in Belgium and Hungary.

rust_xlsxwriter rather than XlsxWriter: 4–7× faster on the same rows with the same flat memory
(its constant-memory row writer), and its files read alike in openpyxl and LibreOffice
(bench/p2_export.py). Every sheet has a bold, frozen header with filters and its columns'
widths; text cells carry Excel's quote prefix, so text that would start a formula (+32 470…,
=…) stays text when a person edits the cell, with no apostrophe in the value (OWASP CSV
injection, QUALITY S11): the writer never writes a string as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, BinaryIO, cast

from django.utils.functional import Promise
from rustpy_xlsxwriter import FastExcel, Format

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}  # format → content type
# A cell starting with one of these is a formula (or becomes one) in Excel and LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# How a column shows its values: text, whole numbers, amounts, days, months, date-times.
NUMBER_FORMATS = {
    "text": "",
    "count": "#,##0",
    "decimal": "#,##0.00",
    "day": "dd/mm/yyyy",
    "month": "mm/yyyy",
    "when": "dd/mm/yyyy hh:mm",
}

Cell = str | int | float | Decimal | dt.date | None


@dataclass(frozen=True)
class Column:
    """A worksheet column: its title, its width in characters, and how it shows its values
    (a key of `NUMBER_FORMATS`)."""

    label: str | Promise
    width: int
    kind: str = "text"


@dataclass
class Sheet:
    title: str  # at most 31 characters are kept
    columns: Sequence[Column]
    rows: Iterable[Sequence[Cell]]  # read once, as the sheet is written


def neutralise(text: str) -> str:
    """'=1+2' → "'=1+2": shown as typed, never run as a formula (CSV, where no quote prefix is)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _format(kind: str) -> Format:
    """A text column's cells carry the quote prefix; a figure's or date's their number format
    (a text in such a column is still written as text, never as a formula)."""
    return Format().set_num_format(NUMBER_FORMATS[kind]) if NUMBER_FORMATS[kind] else Format().set_quote_prefix()


def write_xlsx(target: IO[bytes], sheets: Sequence[Sheet]) -> int:
    """Write the sheets to `target`; returns how many rows they had (headers not counted)."""
    written = 0

    def records(sheet: Sheet, titles: list[str]) -> Iterator[dict[str, Cell]]:
        nonlocal written
        count = 0
        for count, values in enumerate(sheet.rows, start=1):  # noqa: B007  # counted for the caller
            yield {title: None if value == "" else value for title, value in zip(titles, values, strict=True)}
        written += count
        if not count:  # the header is the first record's keys: an empty sheet keeps its titles
            yield dict.fromkeys(titles)

    book = FastExcel(cast(BinaryIO, target)).format(datetime_format=NUMBER_FORMATS["when"], bold_headers=True)
    book = book.freeze(row=1)
    for sheet in sheets:
        titles = [str(column.label) for column in sheet.columns]
        if len(set(titles)) != len(titles):
            raise ValueError(f"sheet {sheet.title!r} names a column twice: {titles}")
        book = book.sheet(
            sheet.title[:31],
            records(sheet, titles),
            column_widths=[column.width for column in sheet.columns],
            column_formats=[_format(column.kind) for column in sheet.columns],
            autofilter=True,
        )
    book.save()
    return written


def xlsx_chunks(sheets: Callable[[], Sequence[Sheet]]) -> Iterator[bytes]:
    """The workbook for a streamed response: written into an anonymous temporary file (gone
    once closed), then read back in chunks."""
    with tempfile.TemporaryFile() as target:
        write_xlsx(target, sheets())
        target.seek(0)
        while block := target.read(64 * 1024):
            yield block


class _Echo:
    """csv.writer into a return value instead of a file, so a generator can yield each line."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(titles: Sequence[str], cells: Iterable[Sequence[str | dt.datetime | None]]) -> Iterator[str]:
    """The rows as CSV text in chunks of a few hundred lines, every text neutralised. A BOM and
    ";" make Excel in Belgium and Hungary open it in columns with the accents right."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff" + writer.writerow(titles)
    buffer: list[str] = []
    for values in cells:
        buffer.append(
            writer.writerow(
                [f"{v:%Y-%m-%d %H:%M}" if isinstance(v, dt.datetime) else neutralise(v or "") for v in values]
            )
        )
        if len(buffer) >= 500:
            yield "".join(buffer)
            buffer.clear()
    if buffer:
        yield "".join(buffer)

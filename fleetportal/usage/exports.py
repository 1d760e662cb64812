"""The usage page's figures as a spreadsheet (F-56): .xlsx with one sheet per table of the page
(summary, lines, billing accounts, tags, days, months), or one of those tables as CSV.

As the SIM overview's export (fleet/exports.py, whose CSV writer and formula guard this
reuses): the lines stream from the database in chunks, XlsxWriter writes in constant_memory
mode into a temporary file that the response then streams, and every text cell a spreadsheet
could read as a formula is neutralised (QUALITY S11). Figures are numbers in the workbook; in
CSV they are written with the reader's decimal separator, as the ";" already suits their Excel.
Headers and labels are taken in the request's language before the response streams.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from fleetportal.billing.models import BillingAccount
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.fleet.exports import FORMATS, FORMULA_STARTS, Export, csv_chunks
from fleetportal.fleet.models import Tag

from . import reports, selectors

CHUNK = 2000
Cell = str | Decimal | int | dt.date | None
TABLES = ("summary", "lines", "accounts", "tags", "days", "months")


@dataclass
class Table:
    key: str
    title: str  # the sheet's name
    header: list[str]
    rows: Callable[[], Iterable[Sequence[Cell]]]  # called when written
    decimals: Sequence[int]  # per column, for the figures
    widths: Sequence[int]


FIGURES = ("data_mb", "voice_minutes", "sms", "mms", "out_of_bundle_eur", "third_party_eur", "refused")
FIGURE_DECIMALS = (2, 2, 0, 0, 2, 2, 0)


def _figure_titles() -> list[str]:
    return [
        _("Mobile data (MB)"),
        _("Calls (minutes)"),
        _("SMS"),
        _("MMS"),
        _("Out of bundle (EUR)"),
        _("Third-party (EUR)"),
        _("Refused"),
    ]


def _figures(totals: reports.Totals) -> list[Cell]:
    return [getattr(totals, name) for name in FIGURES]


def tables(report: reports.CompanyReport) -> list[Table]:
    """The page's tables as the export writes them, titled in the active language."""
    figures = _figure_titles()
    totals = report.totals
    summary: list[list[Cell]] = [
        [_("Period"), f"{report.period:%Y-%m}"],
        [_("Lines with usage"), totals.lines],
        [_("Lines over their bundle"), totals.over_bundle],
        *([title, value] for title, value in zip(figures, _figures(totals), strict=True)),
    ]
    no = _("No")
    yes = _("Yes")

    def line_rows() -> Iterator[list[Cell]]:
        counters = reports.with_over(report.counters).order_by("line__msisdn", "pk")
        for row in counters.values(  # type: ignore[misc]  # `over` is with_over's annotation
            "line__msisdn",
            "line__description",
            "line__first_name",
            "line__last_name",
            "line__billing_account__number",
            "data_mb",
            "voice_seconds",
            "sms",
            "mms",
            "out_of_bundle_eur",
            "third_party_eur",
            "refused",
            "over",
        ).iterator(chunk_size=CHUNK):
            name = " ".join(p for p in (row["line__first_name"], row["line__last_name"]) if p)
            yield [
                row["line__msisdn"],
                name or row["line__description"],
                row["line__billing_account__number"],
                row["data_mb"],
                row["voice_seconds"] / reports.SECONDS_PER_MINUTE,
                row["sms"],
                row["mms"],
                row["out_of_bundle_eur"],
                row["third_party_eur"],
                row["refused"],
                yes if row["over"] else no,
            ]

    def group_rows(groups: list[reports.Group]) -> list[list[Cell]]:
        return [[g.label, g.name, g.totals.lines, *_figures(g.totals)] for g in groups]

    group_header = [_("Lines"), *figures]
    return [
        Table("summary", _("Summary"), [_("Figure"), _("Value")], lambda: summary, (0, 2), (28, 16)),
        Table(
            "lines",
            _("Lines"),
            [_("Phone number"), _("Name"), _("Billing account"), *figures, _("Over the bundle")],
            line_rows,
            (0, 0, 0, *FIGURE_DECIMALS, 0),
            (16, 24, 14, *[14] * len(FIGURES), 10),
        ),
        Table(
            "accounts",
            _("Billing accounts"),
            [_("Billing account"), _("Name"), *group_header],
            lambda: group_rows(report.accounts),
            (0, 0, 0, *FIGURE_DECIMALS),
            (14, 24, 8, *[14] * len(FIGURES)),
        ),
        Table(
            "tags",
            _("Tags"),
            [_("Tag / cost centre"), "", *group_header],
            lambda: group_rows(report.tags),
            (0, 0, 0, *FIGURE_DECIMALS),
            (20, 2, 8, *[14] * len(FIGURES)),
        ),
        Table(
            "days",
            _("Days"),
            [_("Day"), _("Mobile data (MB)"), _("Calls (minutes)"), _("SMS"), _("MMS")],
            lambda: [[d.day, d.data_mb, d.voice_minutes, d.sms, d.mms] for d in report.days],
            (0, 2, 2, 0, 0),
            (12, 16, 16, 10, 10),
        ),
        Table(
            "months",
            _("Months"),
            [_("Period"), _("Out of bundle (EUR)")],
            lambda: [[f"{period:%Y-%m}", cost] for period, cost in report.months],
            (0, 2),
            (12, 18),
        ),
    ]


def write_xlsx(target: Any, sheets: Sequence[Table]) -> None:
    """Every table as a worksheet: text as text (a formula's start neutralised), figures as
    numbers, days as dates."""
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
    bold = workbook.add_format({"bold": True})
    as_text = workbook.add_format({"quote_prefix": True})
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    number = {0: workbook.add_format({"num_format": "#,##0"}), 2: workbook.add_format({"num_format": "#,##0.00"})}
    for table in sheets:
        sheet = workbook.add_worksheet(table.title[:31])
        for col, width in enumerate(table.widths):
            sheet.set_column(col, col, width)
        for col, title in enumerate(table.header):
            sheet.write_string(0, col, title, bold)
        sheet.freeze_panes(1, 0)
        for row, values in enumerate(table.rows(), start=1):
            for col, value in enumerate(values):
                if isinstance(value, str):
                    if value.startswith(FORMULA_STARTS):
                        sheet.write_string(row, col, value, as_text)
                    elif value:
                        sheet.write_string(row, col, value)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), day)
                elif value is not None:
                    sheet.write_number(row, col, float(value), number[table.decimals[col]])
    workbook.close()


def _xlsx_body(sheets: Sequence[Table]) -> Iterator[bytes]:
    with tempfile.TemporaryFile() as target:
        write_xlsx(target, sheets)
        target.seek(0)
        while block := target.read(64 * 1024):
            yield block


def _as_text(table: Table, separator: str) -> Iterator[list[str | None]]:
    """A table's cells as CSV text: figures with `separator` as the decimal mark."""
    for values in table.rows():
        cells: list[str | None] = []
        for col, value in enumerate(values):
            if value is None or isinstance(value, str):
                cells.append(value)
            elif isinstance(value, dt.date):
                cells.append(value.isoformat())
            else:
                cells.append(f"{Decimal(value):.{table.decimals[col]}f}".replace(".", separator))
        yield cells


def usage_export(
    *,
    actor: Actor,
    report: reports.CompanyReport,
    fmt: str,
    table: str = "",
    account: BillingAccount | None = None,
    tag: Tag | None = None,
) -> Export:
    """The report as a file to download; audited as "usage.exported"."""
    if not selectors.sees_company_usage(actor):
        raise PermissionDeniedError(_("You may not see the usage of this customer."))
    customer = actor.tenant
    fmt = fmt if fmt in FORMATS else "xlsx"
    sheets = tables(report)
    if fmt == "csv":
        chosen = next((t for t in sheets if t.key == table), sheets[1])
        body: Iterator[Any] = csv_chunks(chosen.header, _as_text(chosen, str(get_format("DECIMAL_SEPARATOR"))))
        name = chosen.key
    else:
        body, name = _xlsx_body(sheets), "all"
    narrowed = {"account": account.number} if account else {"tag": tag.name} if tag else {}
    record(
        actor=actor,
        action="usage.exported",
        customer=customer,
        after={"format": fmt, "table": name, "period": f"{report.period:%Y-%m}", **narrowed},
    )
    filename = f"usage-{customer.login_domain}-{report.period:%Y-%m}"
    filename += f"-{name}.{fmt}" if fmt == "csv" else ".xlsx"
    return Export(filename=filename, content_type=FORMATS[fmt], body=body, count=report.totals.lines)

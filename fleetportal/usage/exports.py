"""The usage page's figures as a spreadsheet (F-56): .xlsx with one sheet per table of the page
(summary, lines, billing accounts, tags, days, months), or one of those tables as CSV.

As the SIM overview's export, with the same writers (`core.spreadsheets`): the lines stream
from the database in chunks, the workbook is written in constant memory into a temporary file
that the response then streams, and no text cell is ever read as a formula (QUALITY S11).
Figures are numbers in the workbook; in
CSV they are written with the reader's decimal separator, as the ";" already suits their Excel.
Headers and labels are taken in the request's language before the response streams.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.formats import get_format
from django.utils.translation import gettext as _

from fleetportal.billing.models import BillingAccount
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.core.spreadsheets import FORMATS, Cell, Column, Sheet, csv_chunks, xlsx_chunks
from fleetportal.fleet.exports import Export
from fleetportal.fleet.models import Tag

from . import reports, selectors

CHUNK = 2000
TABLES = ("summary", "lines", "accounts", "tags", "days", "months")


@dataclass
class Table:
    key: str
    title: str  # the sheet's name
    columns: list[Column]
    rows: Callable[[], Iterable[Sequence[Cell]]]  # called when written

    @property
    def header(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    def sheet(self) -> Sheet:
        return Sheet(self.title, self.columns, self.rows())


def _columns(*shapes: tuple[str, int, int | str]) -> list[Column]:
    """(title, width, decimals of a figure — 0 or 2 — or a column kind) → the columns."""
    kinds = {0: "count", 2: "decimal"}
    return [Column(title, width, kind if isinstance(kind, str) else kinds[kind]) for title, width, kind in shapes]


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

    group_figures = [(_("Lines"), 8, 0), *((title, 14, n) for title, n in zip(figures, FIGURE_DECIMALS, strict=True))]
    return [
        Table("summary", _("Summary"), _columns((_("Figure"), 28, "text"), (_("Value"), 16, 2)), lambda: summary),
        Table(
            "lines",
            _("Lines"),
            _columns(
                (_("Phone number"), 16, "text"),
                (_("Name"), 24, "text"),
                (_("Billing account"), 14, "text"),
                *((title, 14, n) for title, n in zip(figures, FIGURE_DECIMALS, strict=True)),
                (_("Over the bundle"), 10, "text"),
            ),
            line_rows,
        ),
        Table(
            "accounts",
            _("Billing accounts"),
            _columns((_("Billing account"), 14, "text"), (_("Name"), 24, "text"), *group_figures),
            lambda: group_rows(report.accounts),
        ),
        Table(
            "tags",
            _("Tags"),
            _columns((_("Tag / cost centre"), 20, "text"), ("", 2, "text"), *group_figures),
            lambda: group_rows(report.tags),
        ),
        Table(
            "days",
            _("Days"),
            _columns(
                (_("Day"), 12, "day"),
                (_("Mobile data (MB)"), 16, 2),
                (_("Calls (minutes)"), 16, 2),
                (_("SMS"), 10, 0),
                (_("MMS"), 10, 0),
            ),
            lambda: [[d.day, d.data_mb, d.voice_minutes, d.sms, d.mms] for d in report.days],
        ),
        Table(
            "months",
            _("Months"),
            _columns((_("Period"), 12, "text"), (_("Out of bundle (EUR)"), 18, 2)),
            lambda: [[f"{period:%Y-%m}", cost] for period, cost in report.months],
        ),
    ]


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
                places = 2 if table.columns[col].kind == "decimal" else 0
                cells.append(f"{Decimal(value):.{places}f}".replace(".", separator))
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
        body, name = xlsx_chunks(lambda: [table.sheet() for table in sheets]), "all"
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

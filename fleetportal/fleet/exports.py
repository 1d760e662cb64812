"""The SIM overview as a spreadsheet (F-31): the current filter's lines to .xlsx or CSV.

Memory stays flat however many lines: three queries stream side by side in the same order (the
lines, their options, their tags) and are merged as they come, so nothing is held per line;
the workbook is written by the portal's one writer (`core.spreadsheets`, in its constant-memory
row writer) into a temporary file that the response then streams, and CSV is written row by
row as the response is sent. No text cell is ever read as a formula (QUALITY S11). Above
`EXPORT_JOB_THRESHOLD` lines a worker writes the same file with the same code into storage
(`actions.export_jobs`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import groupby
from operator import itemgetter
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import PermissionDeniedError
from fleetportal.core.spreadsheets import FORMATS, Column, Sheet, csv_chunks, neutralise, write_xlsx, xlsx_chunks

from . import selectors
from .models import Line, LineOption

CHUNK = 2000

COLUMNS = [
    Column(_("Phone number"), 16),
    Column(_("Description"), 28),
    Column(_("First name"), 16),
    Column(_("Last name"), 18),
    Column(_("Tariff plan"), 18),
    Column(_("Status"), 12),
    Column(_("Billing account"), 14),
    Column(_("Options"), 40),
    Column(_("Tags / cost centres"), 24),
    Column(_("SIM card number (ICCID)"), 22),
    Column(_("Network"), 16),
    Column(_("Activated on"), 17, kind="when"),
]
# What the query reads per line, in the column order above (options and tags come per chunk).
FIELDS = (
    "pk",
    "msisdn",
    "description",
    "first_name",
    "last_name",
    "plan__name",
    "status",
    "billing_account__number",
    "sim__iccid",
    "network_state",
    "activated_at",
)

Cell = str | datetime | None


def header() -> list[str]:
    """The column titles in the active language."""
    return [neutralise(str(column.label)) for column in COLUMNS]


def _in_line_order(lines: QuerySet[Line], related: QuerySet[Any], name: str, *order: str) -> Iterator[tuple[int, str]]:
    """(line id, "name; name") for the lines that have any, in the lines' own order: `related`
    rows (with a `line` foreign key) sorted like `lines`, so they stream alongside them."""
    ordering = [
        f"-line__{field[1:]}" if field.startswith("-") else f"line__{field}"
        for field in lines.query.order_by
        if isinstance(field, str)
    ]
    pairs = (
        related.filter(line__in=lines.order_by().values("pk"))
        .order_by(*ordering, "line_id", *order)
        .values_list("line_id", name)
        .iterator(chunk_size=CHUNK)
    )
    for line_id, group in groupby(pairs, key=itemgetter(0)):
        yield line_id, "; ".join(value for _line_id, value in group)


def _merged(names: Iterator[tuple[int, str]]) -> Callable[[int], str]:
    """A function giving the names of each line id, asked in the stream's own order."""
    pending = next(names, None)

    def names_of(line_id: int) -> str:
        nonlocal pending
        if pending is None or pending[0] != line_id:
            return ""
        found, pending = pending[1], next(names, None)
        return found

    return names_of


def rows(lines: QuerySet[Line]) -> Iterator[list[Cell]]:
    """One list of cells per line, times in the current zone; the writers neutralise text.

    Labels and zone are taken now, in the request's language, not when the response streams."""
    statuses = {value: str(label) for value, label in Line.Status.choices}
    network = {value: str(label) for value, label in Line.NetworkState.choices}
    return _rows(lines, statuses, network, timezone.get_current_timezone())


def _rows(
    lines: QuerySet[Line], statuses: dict[str, str], network: dict[str, str], zone: tzinfo
) -> Iterator[list[Cell]]:
    # A total order (the pk last), the same in the three queries.
    lines = lines.prefetch_related(None).order_by(*(lines.query.order_by or Line._meta.ordering or ()), "pk")
    options_of = _merged(
        _in_line_order(lines, LineOption.objects.all(), "option__name", "option__sort_order", "option__name")
    )
    tags_of = _merged(_in_line_order(lines, Line.tags.through.objects.all(), "tag__name", "tag__name"))
    for pk, msisdn, description, first, last, plan, status, account, iccid, state, activated in lines.values_list(
        *FIELDS
    ).iterator(chunk_size=CHUNK):
        yield [
            msisdn,
            description,
            first,
            last,
            plan,
            statuses.get(status, status),
            account,
            options_of(pk),
            tags_of(pk),
            iccid or "",
            network.get(state, state),
            activated.astimezone(zone).replace(tzinfo=None) if activated else None,
        ]


Progress = Callable[[int, int], None]


@dataclass
class Export:
    filename: str
    content_type: str
    body: Iterator[Any]  # bytes chunks (xlsx) or str chunks (csv)
    count: int


@dataclass
class LinesExport:
    """The overview's rows with how to write them: streamed (`body`) or into a file (`write`,
    an export job's worker)."""

    filename: str
    content_type: str
    count: int
    fmt: str
    titles: list[str]
    cells: Iterator[list[Cell]]
    sheet: str

    @property
    def body(self) -> Iterator[Any]:
        """The file in chunks for a streamed response: bytes (xlsx) or str (csv)."""
        if self.fmt == "csv":
            return csv_chunks(self.titles, self.cells)
        return xlsx_chunks(self.sheets)

    def write(self, target: IO[bytes]) -> None:
        """The whole file into `target` (an export job's worker)."""
        if self.fmt == "csv":
            for chunk in csv_chunks(self.titles, self.cells):
                target.write(chunk.encode())
        else:
            write_xlsx(target, self.sheets())

    def sheets(self) -> list[Sheet]:
        return [Sheet(self.sheet, COLUMNS, self.cells)]


def _counted(cells: Iterator[list[Cell]], total: int, progress: Progress) -> Iterator[list[Cell]]:
    """The rows as they are written, telling `progress(done, total)` every `CHUNK` rows and at the end."""
    done = 0
    for done, values in enumerate(cells, start=1):
        yield values
        if done % CHUNK == 0:
            progress(done, total)
    progress(done, total)


def export_format(fmt: str) -> str:
    """The format asked for, .xlsx unless it is one we write."""
    return fmt if fmt in FORMATS else "xlsx"


def require_export(actor: Actor) -> None:
    """Reading the whole fleet is enough: an API key of scope `read` may export."""
    if not selectors.sees_whole_fleet(actor):
        raise PermissionDeniedError(_("You may not see the lines of this customer."))


def audit_export(actor: Actor, *, criteria: dict[str, Any], fmt: str, count: int) -> None:
    """ "lines.exported": who exported how many lines, of which filter, in which format."""
    after = {"format": fmt, "lines": count, **{k: str(v) for k, v in criteria.items() if v not in ("", None)}}
    record(actor=actor, action="lines.exported", customer=actor.tenant, after=after)


def lines_export(
    *,
    actor: Actor,
    criteria: dict[str, Any],
    fmt: str,
    progress: Progress | None = None,
    count: int | None = None,
    audited: bool = True,
) -> LinesExport:
    """The lines of the overview's filter (`criteria` as `selectors.lines_for` takes them) as a
    file to download; audited as "lines.exported" (`audit_export`) unless `audited` is False:
    an export job audits the file it hands in, once, not each attempt at writing it. Headers and
    labels in the active language. `progress(done, total)` follows the rows as they are written
    (an export job's); `count` is how many lines the criteria select, when the caller counted
    them already (to choose between streaming and a job), so they are not counted twice."""
    customer = actor.tenant
    require_export(actor)
    fmt = export_format(fmt)
    lines = selectors.lines_for(actor, **criteria)
    if count is None:
        count = lines.count()
    if audited:
        audit_export(actor, criteria=criteria, fmt=fmt, count=count)
    cells = rows(lines)
    return LinesExport(
        filename=f"fleet-{customer.login_domain}-{timezone.localdate():%Y-%m-%d}.{fmt}",
        content_type=FORMATS[fmt],
        count=count,
        fmt=fmt,
        titles=header(),
        cells=_counted(cells, count, progress) if progress else cells,
        sheet=str(_("SIM cards")),
    )

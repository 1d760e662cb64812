"""Reading a CSV of new lines (F-32): the upload checks (QUALITY S10) and the parser.

Whatever the file holds, reading it either refuses the file as a whole with one clear message
(`UploadError`: too big, binary, not UTF-8, no header) or gives one `CsvRow` per data row with
the problems found in that row: it never raises anything else (hypothesis-tested). What a row
means for the fleet (which SIM, plan, number) is checked by the import action with the same
rules as the add-SIM wizard. The reads of the pages and the API follow: the jobs of the
actor's customer and how far a running one got.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from huey.contrib.djhuey import HUEY

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.scope import CHANGE, scope

from .models import ImportJob

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# The template's columns, in its order. Only `iccid` and `plan` must be filled in every row.
COLUMNS = [
    "iccid",
    "description",
    "civility",
    "first_name",
    "last_name",
    "birth_date",
    "email",
    "phone",
    "language",
    "plan",
    "options",
    "billing_account",
    "number",
    "port_in_operator",
    "port_in_account",
    "tags",
]
REQUIRED = ("iccid", "plan")
TEMPLATE_EXAMPLE = [
    "8932 0100 0000 0001 234",
    "Account manager",
    "ms",
    "Lotte",
    "Peeters",
    "1988-04-17",
    "lotte.peeters@example.com",
    "0470 12 34 56",
    "nl",
    "mobile-start",
    "data-eu-5gb; roaming-world-1gb",
    "",
    "",
    "",
    "",
    "Sales",
]
# Signatures of files that are certainly not CSV text (zip/xlsx, PDF, images, executables…).
BINARY_MAGIC = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"MZ", b"\x7fELF", b"\xd0\xcf\x11\xe0")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BOM = "\ufeff"


class UploadError(ActionError):
    """The file as a whole cannot be read; nothing of it is imported."""

    def __init__(self, message: object):
        super().__init__(message, field="file")  # type: ignore[arg-type]


def read_upload(data: bytes) -> str:
    """The uploaded bytes as text: at most 5 MB, UTF-8 (with or without BOM), no binary."""
    if len(data) > MAX_BYTES:
        raise UploadError(_("The file is larger than 5 MB: split it into smaller files."))
    if not data.strip():
        raise UploadError(_("The file is empty."))
    if data.startswith(BINARY_MAGIC) or b"\x00" in data:
        raise UploadError(_('This is not a CSV text file. In Excel, save it as "CSV UTF-8".'))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadError(
            _('The file is not UTF-8 text (line %(line)s). In Excel, save it as "CSV UTF-8".')
            % {"line": data[: exc.start].count(b"\n") + 1}
        ) from exc
    text = text.removeprefix(_BOM)
    if _CONTROL.search(text):
        raise UploadError(_('This is not a CSV text file. In Excel, save it as "CSV UTF-8".'))
    return text


def template_csv() -> str:
    """The downloadable template: the header and one example row (a BOM so Excel reads UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return _BOM + out.getvalue()


@dataclass
class RowError:
    column: str  # one of COLUMNS, or "" for the row as a whole
    message: str


@dataclass
class CsvRow:
    number: int  # the line of the file it starts on (the header is line 1)
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    def error(self, column: str, message: object) -> None:
        self.errors.append(RowError(column, str(message)))


def _column_name(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _delimiter(header_line: str) -> str:
    """ ";" as Excel writes CSV in Belgium and Hungary, "," elsewhere: whichever the header uses."""
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def parse_csv(text: str) -> list[CsvRow]:
    """The data rows of the file, each with the problems a row can have on its own (too many
    values, a missing required value, a bad date, an ICCID twice in the file). Raises
    UploadError only for the file as a whole (no header, unknown or missing columns, too many
    rows)."""
    text = text.removeprefix(_BOM)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    header = _read_header(reader)
    rows: list[CsvRow] = []
    seen_iccids: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            row = CsvRow(line, {})
            row.error("", _("This row cannot be read as CSV (check the quotes)."))
            rows.append(row)
            continue
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, or the empty rows Excel leaves at the end
        if len(rows) >= MAX_ROWS:
            raise UploadError(_("The file has more than %(max)s rows: split it.") % {"max": f"{MAX_ROWS:,}"})
        rows.append(_row(line, header, cells, seen_iccids))
    if not rows:
        raise UploadError(_("The file has a header but no rows to import."))
    return rows


def _read_header(reader: Any) -> list[str]:
    try:
        header = [_column_name(cell) for cell in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise UploadError(_("The first line must name the columns, as in the template.")) from exc
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise UploadError(
            _("Unknown column “%(column)s”. The columns are: %(columns)s.")
            % {"column": unknown[0][:40], "columns": ", ".join(COLUMNS)}
        )
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise UploadError(_("The column “%(column)s” is missing.") % {"column": missing[0]})
    doubled = {name for name in header if name and header.count(name) > 1}
    if doubled:
        raise UploadError(_("The column “%(column)s” appears twice.") % {"column": sorted(doubled)[0]})
    return header


def _row(line: int, header: list[str], cells: list[str], seen_iccids: dict[str, int]) -> CsvRow:
    row = CsvRow(line, {})
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        row.error(
            "", _("This row has %(n)s values; the header has %(columns)s.") % {"n": len(cells), "columns": len(header)}
        )
    for name, cell in zip(header, cells, strict=False):
        if name:
            row.values[name] = cell.strip()
    for name in COLUMNS:
        row.values.setdefault(name, "")
    for name in REQUIRED:
        if not row.values[name]:
            row.error(name, _("This value is required."))
    iccid = re.sub(r"[\s\-.]", "", row.values["iccid"])
    if iccid:
        if iccid in seen_iccids:
            row.error("iccid", _("This SIM card is in the file twice (line %(line)s).") % {"line": seen_iccids[iccid]})
        else:
            seen_iccids[iccid] = line
    if row.values["birth_date"] and parse_date(row.values["birth_date"]) is None:
        row.error("birth_date", _("Write the date as YYYY-MM-DD or DD/MM/YYYY."))
    if row.values["port_in_operator"] and not row.values["number"]:
        row.error(
            "number",
            _("Give the number to port in from %(operator)s.") % {"operator": row.values["port_in_operator"][:40]},
        )
    return row


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD or DD/MM/YYYY (also with dots or dashes, as Excel may write it)."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def split_list(text: str) -> list[str]:
    """ "a; b, c" → ["a", "b", "c"]: options and tags are separated by semicolons (or commas)."""
    return [part.strip() for part in re.split(r"[;,]", text) if part.strip()]


# --- reads -----------------------------------------------------------------------------------------


def import_jobs_for(actor: Actor) -> QuerySet[ImportJob]:
    """The imports of the actor's customer, newest first: managers with the fleet function
    (policy.py; "change": the right itself, not the read scope)."""
    return scope(actor, ImportJob, CHANGE).select_related("created_by")


def import_job_for(actor: Actor, job_id: int) -> ImportJob:
    """One import of the actor's customer; another customer's is a 404 (QUALITY S1)."""
    job = import_jobs_for(actor).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job


def progress_key(job_id: int) -> str:
    """Where the worker running an import keeps how many rows it did (`fleet.jobs`): in the job
    queue's key-value store, readable while the import's transaction is still open."""
    return f"fleet-import-progress-{job_id}"


def rows_done(job: ImportJob) -> int:
    """How far a running job got (the job row itself is written when it ends)."""
    if job.status not in (ImportJob.Status.CHECKING, ImportJob.Status.APPLYING):
        return job.done
    return int(HUEY.get(progress_key(job.pk), peek=True) or 0)

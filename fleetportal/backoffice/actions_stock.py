"""The operator's number pool and SIM stock (F-93, F-21): an operator admin imports a range of
numbers, or a supplier's batch of SIM cards from a CSV file, for one customer or for the
operator's shared stock that every customer's Add SIM wizard uses.

- A range: from–to, E.164 numbers of the same length, at most `MAX_RANGE` numbers at once;
  numbers already in the pool (or on a line) are skipped and counted, the others are free.
- A SIM batch is all or nothing: one bad row (ICCID failing the Luhn check, an IMSI, PIN or
  PUK not in its format, a card already in stock, a duplicate in the file) refuses the whole
  file with every bad row's number and reason, so a supplier's file is fixed and sent again
  as a whole rather than half-imported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Length
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Customer
from fleetportal.fleet.iccid import is_valid_iccid, normalize_iccid
from fleetportal.fleet.models import Line, PoolNumber, SimCard

from .actions import require_operator_admin

MAX_RANGE = 100_000
MAX_SIM_ROWS = 10_000
MAX_SIM_FILE_BYTES = 2 * 1024 * 1024
BATCH = 5_000
E164 = re.compile(r"\+[1-9]\d{7,14}")
IMSI = re.compile(r"\d{6,15}")
PIN = re.compile(r"\d{4,8}")
PUK = re.compile(r"\d{8}")
COLUMNS = ("iccid", "imsi", "pin", "puk")


@dataclass(frozen=True)
class PoolImport:
    created: int
    skipped: int


def _number(text: str, field: str) -> str:
    number = re.sub(r"[\s./()-]", "", text or "")
    if not E164.fullmatch(number):
        raise ActionError(gettext_lazy("Enter a number in international format, such as +32470000000."), field=field)
    return number


@transaction.atomic
def pool_import_range(*, actor: Actor, first: str, last: str) -> PoolImport:
    """Add the numbers first..last (both included) to the pool as free numbers."""
    require_operator_admin(actor)
    first, last = _number(first, "first"), _number(last, "last")
    if len(first) != len(last):
        raise ActionError(gettext_lazy("Both ends of the range have the same number of digits."), field="last")
    low, high = int(first[1:]), int(last[1:])
    if low > high:
        raise ActionError(gettext_lazy("The range's last number comes before its first."), field="last")
    if high - low + 1 > MAX_RANGE:
        raise ActionError(
            gettext_lazy("A range holds at most %(max)s numbers; import it in parts.") % {"max": f"{MAX_RANGE:,}"},
            field="last",
        )
    width = len(first) - 1
    wanted = [f"+{n:0{width}d}" for n in range(low, high + 1)]
    present = set(
        PoolNumber.objects.annotate(size=Length("msisdn"))
        .filter(size=len(first), msisdn__gte=first, msisdn__lte=last)
        .values_list("msisdn", flat=True)
    )
    present |= set(
        Line.objects.annotate(size=Length("msisdn"))
        .filter(size=len(first), msisdn__gte=first, msisdn__lte=last)
        .values_list("msisdn", flat=True)
    )
    new = [PoolNumber(msisdn=msisdn) for msisdn in wanted if msisdn not in present]
    PoolNumber.objects.bulk_create(new, batch_size=BATCH)
    result = PoolImport(created=len(new), skipped=len(wanted) - len(new))
    record(
        actor=actor,
        action="pool.imported",
        after={"first": first, "last": last, "created": result.created, "skipped": result.skipped},
    )
    return result


@dataclass(frozen=True)
class RowError:
    row: int  # the file's line number, the header being line 1
    message: str


class SimRowsRefused(ActionError):
    """The batch was refused for these rows; nothing was imported."""

    def __init__(self, rows: list[RowError]):
        shown = "; ".join(_("row %(row)s: %(message)s") % {"row": r.row, "message": r.message} for r in rows[:5])
        if len(rows) > 5:
            shown += "; " + _("and %(more)s more") % {"more": len(rows) - 5}
        message = _("%(count)s rows are refused, nothing was imported: %(rows)s.") % {"count": len(rows), "rows": shown}
        super().__init__(message, field="file")
        self.rows = rows


def _read_rows(content: bytes) -> list[dict[str, str]]:
    if len(content) > MAX_SIM_FILE_BYTES:
        raise ActionError(gettext_lazy("The file is larger than 2 MB; import it in parts."), field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ActionError(gettext_lazy("The file is not a UTF-8 CSV file."), field="file") from None
    dialect = csv.excel_tab if "\t" in text.split("\n", 1)[0] else csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    try:  # a stray quote or carriage return, a field past the csv module's limit
        if reader.fieldnames is None or not set(COLUMNS) <= {name.strip().lower() for name in reader.fieldnames}:
            raise ActionError(gettext_lazy("The first line names the columns: iccid, imsi, pin, puk."), field="file")
        rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader]
    except csv.Error:
        raise ActionError(
            gettext_lazy("Row %(row)s cannot be read as CSV (check the quotes).") % {"row": reader.line_num + 1},
            field="file",
        ) from None
    if not rows:
        raise ActionError(gettext_lazy("The file holds no SIM card."), field="file")
    if len(rows) > MAX_SIM_ROWS:
        raise ActionError(
            gettext_lazy("A file holds at most %(max)s SIM cards.") % {"max": f"{MAX_SIM_ROWS:,}"}, field="file"
        )
    return rows


def _row_problem(row: dict[str, str], seen_iccids: set[str], seen_imsis: set[str]) -> str | None:
    iccid, imsi = normalize_iccid(row["iccid"]), row["imsi"]
    if not is_valid_iccid(iccid):
        return _("the SIM card number (ICCID) %(iccid)s is not 19–20 digits with a valid check digit") % {
            "iccid": row["iccid"]
        }
    if not IMSI.fullmatch(imsi):
        return _("the IMSI is 6 to 15 digits")
    if not PIN.fullmatch(row["pin"]):
        return _("the PIN is 4 to 8 digits")
    if not PUK.fullmatch(row["puk"]):
        return _("the PUK is 8 digits")
    if row.get("kind", "") not in ("", *SimCard.Kind.values):
        return _("the type is physical or esim")
    if iccid in seen_iccids or imsi in seen_imsis:
        return _("the same card is on an earlier row")
    seen_iccids.add(iccid)
    seen_imsis.add(imsi)
    return None


@transaction.atomic
def sim_stock_import(*, actor: Actor, content: bytes, customer: Customer | None) -> int:
    """Add a CSV batch of blank SIM cards (columns iccid, imsi, pin, puk, optionally kind) to
    `customer`'s stock, or to the operator's shared stock when None; returns how many."""
    require_operator_admin(actor)
    rows = _read_rows(content)
    seen_iccids: set[str] = set()
    seen_imsis: set[str] = set()
    errors = [
        RowError(number, problem)
        for number, row in enumerate(rows, start=2)
        if (problem := _row_problem(row, seen_iccids, seen_imsis)) is not None
    ]
    taken = set(SimCard.objects.filter(iccid__in=seen_iccids).values_list("iccid", flat=True))
    taken_imsis = set(SimCard.objects.filter(imsi__in=seen_imsis).values_list("imsi", flat=True))
    errors += [
        RowError(number, _("this card is in stock already"))
        for number, row in enumerate(rows, start=2)
        if normalize_iccid(row["iccid"]) in taken or row["imsi"] in taken_imsis
    ]
    if errors:
        raise SimRowsRefused(sorted(errors, key=lambda error: error.row))
    SimCard.objects.bulk_create(
        [
            SimCard(
                iccid=normalize_iccid(row["iccid"]),
                imsi=row["imsi"],
                pin=row["pin"],
                puk=row["puk"],
                kind=row.get("kind") or SimCard.Kind.PHYSICAL,
                customer=customer,
            )
            for row in rows
        ],
        batch_size=BATCH,
    )
    record(
        actor=actor,
        action="sim_stock.imported",
        customer=customer,
        after={"count": len(rows), "customer": customer.name if customer else "", "first": rows[0]["iccid"]},
    )
    return len(rows)

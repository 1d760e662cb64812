"""Reading a bank statement (CAMT.053 XML, or Belgian CODA) into the credits it books (F-61).

Pure functions, no database: `parse_statement(data)` gives the statement's booked credit
lines with the structured communication each carries (+++123/4567/89012+++, as the twelve
digits `Invoice.structured_communication` holds), or raises `StatementError` with a message
for the staff member who uploaded it; the import (`actions_bank.py`) matches the lines to
invoices only after the whole file has been read, so a malformed file changes nothing.

- CAMT.053 (ISO 20022 "BankToCustomerStatement", any version 001.02 to 001.13: elements are
  matched by local name) is read with defusedxml: no DTD, no entities, no external references,
  so an uploaded file can neither blow up memory nor make the server fetch anything.
- CODA (the Belgian banks' fixed-width statement, 128 characters a record) is read from its
  movement records (type 2.1) and the statement's currency (record 1).

Each line has a `reference` unique at the bank, used to import a statement at most once:
CAMT's AcctSvcrRef (the bank's own reference of the entry; else the statement id and the
entry's NtryRef or position), CODA's bank reference of the movement. An entry that batches
several transactions (TxDtls) gives one line per transaction, "<reference>/<n>".

Only booked credits are payments: debits and pending or information-only entries are counted
as `ignored` and otherwise left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from .ogm import is_valid

MAX_BYTES = 10 * 1024 * 1024
MAX_LINES = 20_000
# A structured communication in free text: +++123/4567/89012+++ (or with ***), or twelve digits.
_OGM_TEXT = re.compile(r"(?:\+{3}|\*{3})\s*(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})\s*(?:\+{3}|\*{3})")
_TWELVE_DIGITS = re.compile(r"(?<!\d)(\d{12})(?!\d)")


class StatementError(ValueError):
    """The file is not a statement this portal can read; `message` says why, translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StatementLine:
    """One credit booked on the operator's account."""

    reference: str  # unique at the bank: the import's idempotency key
    amount: Decimal
    currency: str
    booked_on: dt.date
    communication: str  # twelve digits with valid check digits, or "" (none or not valid)
    text: str  # the remittance information as given (for manual matching)
    counterparty: str = ""


@dataclass(frozen=True)
class Statement:
    identifier: str
    lines: tuple[StatementLine, ...]
    ignored: int  # debits, pending and information-only entries


def communication_in(*texts: str) -> str:
    """The first structured communication with valid check digits in the texts, as twelve
    digits ("" when there is none): the +++…+++ form, a bare Ref of twelve digits, or twelve
    digits in free text."""
    for text in texts:
        for match in _OGM_TEXT.finditer(text):
            digits = "".join(match.groups())
            if is_valid(digits):
                return digits
        for match in _TWELVE_DIGITS.finditer(re.sub(r"[+*/]", "", text)):
            if is_valid(match.group(1)):
                return match.group(1)
    return ""


def parse_statement(data: bytes) -> Statement:
    """CAMT.053 when the file is XML, else CODA."""
    if not data.strip():
        raise StatementError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise StatementError(_("The file is larger than 10 MB."))
    if data.lstrip().startswith(b"<"):
        return parse_camt053(data)
    return parse_coda(data)


# CAMT.053 ------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element | None, *path: str) -> Element | None:
    """The first descendant along `path` of local names (namespaces ignored)."""
    for name in path:
        if element is None:
            return None
        element = next((c for c in element if _local(c.tag) == name), None)
    return element


def _children(element: Element, name: str) -> list[Element]:
    return [c for c in element if _local(c.tag) == name]


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _amount(element: Element | None, where: str) -> tuple[Decimal, str]:
    if element is None:
        raise StatementError(_("An entry has no amount (%(where)s).") % {"where": where})
    try:
        amount = Decimal((element.text or "").strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    currency = (element.get("Ccy") or "").strip().upper()
    if not amount.is_finite() or amount <= 0 or len(currency) != 3:
        raise StatementError(_("An entry's amount or currency cannot be read (%(where)s).") % {"where": where})
    return amount, currency


def _date(element: Element | None, where: str) -> dt.date:
    value = _text(element, "Dt") or _text(element, "DtTm")[:10]
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise StatementError(_("An entry's booking date cannot be read (%(where)s).") % {"where": where}) from None


def _remittance(element: Element | None) -> tuple[list[str], str]:
    """(the structured references, the free text) of a RmtInf."""
    if element is None:
        return [], ""
    refs = [_text(strd, "CdtrRefInf", "Ref") for strd in _children(element, "Strd")]
    free = " ".join(t for t in ((u.text or "").strip() for u in _children(element, "Ustrd")) if t)
    return [r for r in refs if r], free


def _status(entry: Element) -> str:
    status = _child(entry, "Sts")
    if status is None:
        return ""
    return (_text(status, "Cd") or (status.text or "")).strip().upper()


def parse_camt053(data: bytes) -> Statement:
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise StatementError(_("The file declares a DTD or entities, which a bank statement does not.")) from None
    except ParseError as exc:
        raise StatementError(_("The file is not well-formed XML (%(error)s).") % {"error": exc}) from None
    report = _child(root, "BkToCstmrStmt")
    if _local(root.tag) != "Document" or report is None:
        raise StatementError(_("The file is not a CAMT.053 bank statement (no BkToCstmrStmt)."))
    statements = _children(report, "Stmt")
    if not statements:
        raise StatementError(_("The file holds no statement (Stmt)."))
    lines: list[StatementLine] = []
    ignored = 0
    for stmt in statements:
        identifier = _text(stmt, "Id")
        for position, entry in enumerate(_children(stmt, "Ntry"), start=1):
            where = _text(entry, "NtryRef") or f"{identifier} #{position}"
            amount, currency = _amount(_child(entry, "Amt"), where)
            if _text(entry, "CdtDbtInd") != "CRDT" or _status(entry) not in ("BOOK", ""):
                ignored += 1
                continue
            booked_on = _date(_child(entry, "BookgDt") or _child(entry, "ValDt"), where)
            reference = _text(entry, "AcctSvcrRef") or f"{identifier}/{_text(entry, 'NtryRef') or position}"
            lines += _entry_lines(entry, reference, amount, currency, booked_on, where)
            if len(lines) > MAX_LINES:
                raise StatementError(_("The file has more than %(max)s entries.") % {"max": MAX_LINES})
    return Statement(", ".join(_text(s, "Id") for s in statements), tuple(lines), ignored)


def _entry_lines(
    entry: Element, reference: str, amount: Decimal, currency: str, booked_on: dt.date, where: str
) -> Iterator[StatementLine]:
    """One line per transaction of the entry (one for an entry without details)."""
    transactions = [tx for details in _children(entry, "NtryDtls") for tx in _children(details, "TxDtls")]
    entry_refs, entry_text = _remittance(_child(entry, "RmtInf"))
    if not transactions:
        yield StatementLine(
            reference[:140], amount, currency, booked_on, communication_in(*entry_refs, entry_text), entry_text[:200]
        )
        return
    for n, tx in enumerate(transactions, start=1):
        refs, text = _remittance(_child(tx, "RmtInf"))
        tx_amount = _child(tx, "AmtDtls", "TxAmt", "Amt") or _child(tx, "Amt")
        value, tx_currency = _amount(tx_amount, where) if tx_amount is not None else (amount, currency)
        if len(transactions) > 1 and tx_amount is None:
            raise StatementError(_("A batched entry's transaction has no amount (%(where)s).") % {"where": where})
        yield StatementLine(
            (reference if len(transactions) == 1 else f"{reference}/{n}")[:140],
            value,
            tx_currency,
            booked_on,
            communication_in(*refs, text, *entry_refs, entry_text),
            (text or entry_text)[:200],
            _text(tx, "RltdPties", "Dbtr", "Nm") or _text(tx, "RltdPties", "Dbtr", "Pty", "Nm"),
        )


# CODA -----------------------------------------------------------------------------------------


def _coda_date(value: str, where: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%d%m%y").date()
    except ValueError:
        raise StatementError(_("A movement's date cannot be read (%(where)s).") % {"where": where}) from None


@dataclass
class _Movement:
    """A CODA movement being read (record 2.1, then its 2.2/2.3 continuations)."""

    reference: str
    credit: bool
    amount: Decimal
    booked_on: dt.date
    structured: str
    free: str
    counterparty: str = ""

    def line(self, currency: str) -> StatementLine:
        free = " ".join(self.free.split())
        communication = self.structured if is_valid(self.structured) else communication_in(free)
        return StatementLine(
            self.reference, self.amount, currency, self.booked_on, communication, free[:200], self.counterparty
        )


def _coda_movement(record: str) -> _Movement:
    where = record[10:31].strip() or record[2:10]
    try:
        amount = Decimal(record[32:47]) / 1000
    except InvalidOperation:
        amount = Decimal(0)
    if amount <= 0:
        raise StatementError(_("A movement's amount cannot be read (%(where)s).") % {"where": where})
    communication = record[62:115]
    structured = communication[3:15] if record[61] == "1" and communication.startswith("101") else ""
    return _Movement(
        reference=f"coda:{record[121:124]}:{where}"[:140],
        credit=record[31] == "0",
        amount=amount,
        booked_on=_coda_date(record[115:121], where),
        structured=structured,
        free="" if structured else communication,
    )


def parse_coda(data: bytes) -> Statement:
    """The movements (records 2.1, with their 2.2/2.3 continuations) of a CODA file.

    Positions (1-based, as Febelfin's standard gives them): record 0 the header; record 1 the
    old balance, the currency at 40-42; record 2.1: 11-31 the bank's reference, 32 the sign
    (0 credit, 1 debit), 33-47 the amount in thousandths, 62 the communication type (1
    structured), 63-115 the communication (structured: "101" then the twelve digits), 116-121
    the entry date (DDMMYY), 122-124 the statement number; record 2.2's 11-63 more free text;
    record 2.3's 48-82 the counterparty's name. A globalised movement (a batch booked as one
    total, globalisation code at 125) is read as its records come, so import the CAMT.053 of
    such a statement, whose batched entries give each transaction (the operator's incoming
    transfers are booked one by one).
    """
    records = [r.ljust(128) for r in data.decode("latin-1").splitlines() if r.strip()]
    if not records or not records[0].startswith("0") or not any(r.startswith("21") for r in records):
        raise StatementError(_("The file is neither CAMT.053 XML nor a CODA file."))
    currency = "EUR"
    movements: list[_Movement] = []
    for record in records:
        kind = record[:2]
        if record[0] == "1":
            currency = record[39:42].strip() or currency
        elif kind == "21":
            movements.append(_coda_movement(record))
            if len(movements) > MAX_LINES:
                raise StatementError(_("The file has more than %(max)s entries.") % {"max": MAX_LINES})
        elif kind == "22" and movements and not movements[-1].structured:
            movements[-1].free += record[10:63]
        elif kind == "23" and movements:
            movements[-1].counterparty = record[47:82].strip()
    credits = [m.line(currency) for m in movements if m.credit]
    return Statement("CODA", tuple(credits), len(movements) - len(credits))

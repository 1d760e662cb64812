"""Actions of the bank transfers staff receive (F-61, back office): import a bank statement
(CAMT.053 or CODA) and match its credits to invoices by structured communication, and match a
line by hand that named no payable invoice.

Every payment goes through `invoice_payment_record` (its refusals, audit and event). The
statement is read whole before anything is written (`bank_statements.parse_statement`), so a
file that cannot be read changes nothing. Each credit line is kept once by its bank reference
(`BankStatementEntry.reference`, unique): the same statement imported again, or at the same
time by two staff members, records each payment once; the second import reports the lines as
already imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError

from .actions import invoice_payment_record, require_billing_operator
from .bank_statements import StatementError, StatementLine, parse_statement
from .models import BankStatementEntry, Invoice
from .ogm import formatted

DUPLICATE = "duplicate"  # a report's outcome besides the entry's: imported before, nothing done


@dataclass(frozen=True)
class ReportLine:
    line: StatementLine
    outcome: str  # a BankStatementEntry.Outcome, or DUPLICATE
    message: str
    invoice: Invoice | None = None


@dataclass
class ImportReport:
    statement: str
    ignored: int  # debits, pending entries
    lines: list[ReportLine] = field(default_factory=list)

    def of(self, outcome: str) -> list[ReportLine]:
        return [line for line in self.lines if line.outcome == outcome]

    @property
    def matched(self) -> list[ReportLine]:
        return self.of(BankStatementEntry.Outcome.MATCHED)

    @property
    def already_paid(self) -> list[ReportLine]:
        return self.of(BankStatementEntry.Outcome.ALREADY_PAID)

    @property
    def unmatched(self) -> list[ReportLine]:
        return self.of(BankStatementEntry.Outcome.UNMATCHED)

    @property
    def duplicates(self) -> list[ReportLine]:
        return self.of(DUPLICATE)


def _pay(actor: Actor, invoice: Invoice, amount_line: StatementLine) -> tuple[str, str]:
    """Record the line's payment of `invoice`: (outcome, message)."""
    if invoice.currency != amount_line.currency:
        return BankStatementEntry.Outcome.UNMATCHED, _("Invoice %(number)s is in %(currency)s.") % {
            "number": invoice.number,
            "currency": invoice.currency,
        }
    try:
        paid = invoice_payment_record(
            actor=actor, invoice=invoice, amount=amount_line.amount, reference=f"bank {amount_line.reference}"
        )
    except ActionError as exc:
        if exc.code == "already_paid":
            return BankStatementEntry.Outcome.ALREADY_PAID, str(exc.message)
        return BankStatementEntry.Outcome.UNMATCHED, str(exc.message)
    return BankStatementEntry.Outcome.MATCHED, str(paid.get_status_display())


def _outcome(actor: Actor, line: StatementLine, invoice: Invoice | None) -> tuple[str, str]:
    if not line.communication:
        return BankStatementEntry.Outcome.UNMATCHED, _("No valid structured communication.")
    if invoice is None:
        return BankStatementEntry.Outcome.UNMATCHED, _("No invoice has the structured communication %(ogm)s.") % {
            "ogm": formatted(line.communication)
        }
    if invoice.status == Invoice.Status.PAID:
        return BankStatementEntry.Outcome.ALREADY_PAID, _("Invoice %(number)s is already paid.") % {
            "number": invoice.number
        }
    return _pay(actor, invoice, line)


def _book(actor: Actor, line: StatementLine, invoice: Invoice | None, statement: str) -> ReportLine:
    """Keep the line and record its payment, in one transaction; a line whose reference is
    kept already (imported before, or by a parallel import) does nothing."""
    try:
        with transaction.atomic():
            entry = BankStatementEntry.objects.create(
                reference=line.reference,
                statement=statement[:200],
                booked_on=line.booked_on,
                amount=line.amount,
                currency=line.currency,
                communication=line.communication,
                text=line.text,
                counterparty=line.counterparty[:140],
                outcome=BankStatementEntry.Outcome.UNMATCHED,
                imported_by_label=actor.label[:200],
            )
            outcome, message = _outcome(actor, line, invoice)
            if outcome != BankStatementEntry.Outcome.UNMATCHED:
                entry.invoice = invoice
                entry.matched_at = timezone.now() if outcome == BankStatementEntry.Outcome.MATCHED else None
            entry.outcome, entry.note = outcome, message[:200]
            entry.save(update_fields=["invoice", "matched_at", "outcome", "note"])
    except IntegrityError:
        return ReportLine(line, DUPLICATE, _("Imported before: nothing recorded."))
    return ReportLine(line, outcome, message, invoice if outcome != BankStatementEntry.Outcome.UNMATCHED else None)


def _invoices(lines: Iterable[StatementLine]) -> dict[str, Invoice]:
    communications = {line.communication for line in lines if line.communication}
    return {
        invoice.structured_communication: invoice
        for invoice in Invoice.objects.filter(structured_communication__in=communications)
        .exclude(kind=Invoice.Kind.CREDIT_NOTE)
        .select_related("customer")
    }


def bank_statement_import(*, actor: Actor, data: bytes, name: str = "") -> ImportReport:
    """Import a statement: each new credit line kept and, when its structured communication
    names an invoice with a balance, recorded as that invoice's payment. A malformed file is
    refused (field "file") and nothing is kept."""
    require_billing_operator(actor)
    try:
        statement = parse_statement(data)
    except StatementError as exc:
        raise ActionError(exc.message, field="file", code="statement") from None
    label = " ".join(filter(None, (name.strip(), statement.identifier)))
    report = ImportReport(statement=label, ignored=statement.ignored)
    known = set(
        BankStatementEntry.objects.filter(reference__in={line.reference for line in statement.lines}).values_list(
            "reference", flat=True
        )
    )
    invoices = _invoices(statement.lines)
    for line in statement.lines:
        if line.reference in known:
            report.lines.append(ReportLine(line, DUPLICATE, _("Imported before: nothing recorded.")))
            continue
        known.add(line.reference)
        report.lines.append(_book(actor, line, invoices.get(line.communication), label))
    record(
        actor=actor,
        action="bank_statement.imported",
        after={
            "statement": label[:200],
            "lines": len(report.lines),
            "matched": len(report.matched),
            "already_paid": len(report.already_paid),
            "unmatched": len(report.unmatched),
            "duplicates": len(report.duplicates),
            "ignored": report.ignored,
        },
    )
    return report


@transaction.atomic
def bank_entry_match(*, actor: Actor, entry: BankStatementEntry, number: str) -> BankStatementEntry:
    """Match an unmatched line by hand to the invoice numbered `number` and record its payment."""
    require_billing_operator(actor)
    locked = BankStatementEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.outcome != BankStatementEntry.Outcome.UNMATCHED:
        raise ActionError(_("This line is matched already."), field="number", code="matched")
    invoice = (
        Invoice.objects.exclude(kind=Invoice.Kind.CREDIT_NOTE)
        .select_related("customer")
        .filter(number=(number or "").strip())
        .first()
    )
    if invoice is None:
        raise ActionError(_("No invoice has this number."), field="number", code="unknown")
    if invoice.currency != locked.currency:
        raise ActionError(
            _("Invoice %(number)s is in %(currency)s.") % {"number": invoice.number, "currency": invoice.currency},
            field="number",
            code="currency",
        )
    invoice_payment_record(actor=actor, invoice=invoice, amount=locked.amount, reference=f"bank {locked.reference}")
    before = {"outcome": locked.outcome}
    locked.outcome, locked.invoice, locked.matched_at = BankStatementEntry.Outcome.MATCHED, invoice, timezone.now()
    locked.note = _("Matched by hand.")
    locked.save(update_fields=["outcome", "invoice", "matched_at", "note"])
    record(
        actor=actor,
        action="bank_entry.matched",
        customer=invoice.customer,
        obj=locked,
        before=before,
        after={"outcome": locked.outcome, "invoice": invoice.number, "amount": str(locked.amount)},
    )
    return locked

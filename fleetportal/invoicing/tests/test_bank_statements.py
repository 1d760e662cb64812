"""Bank statements (F-61, back office): CAMT.053 and CODA read into booked credits with their
structured communication; the import matches them to invoices through
`invoice_payment_record`, once per bank reference; what it cannot match is kept and reported;
a file it cannot read changes nothing."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.invoicing.actions_bank import bank_entry_match, bank_statement_import
from fleetportal.invoicing.bank_statements import StatementError, communication_in, parse_statement
from fleetportal.invoicing.models import BankStatementEntry, Invoice
from fleetportal.invoicing.ogm import formatted, structured_communication

from .camt import camt053, coda
from .rows import issued
from .test_numbers import retrying_while_locked

pytestmark = pytest.mark.spec("F-61", "F-62")

OGM = structured_communication(2026000912)  # "202600091290"-like twelve digits with valid checks


def test_camt053_credits_with_their_communication() -> None:
    statement = parse_statement(
        camt053(
            [
                {"reference": "B1", "amount": "121.00", "ogm": formatted(OGM)},
                {"reference": "B2", "amount": "5.00", "text": f"Factuur {formatted(OGM)} dank u"},
                {"reference": "B3", "amount": "9.99", "text": "no reference at all"},
                {"reference": "B4", "amount": "50.00", "indicator": "DBIT", "ogm": OGM},
                {"reference": "B5", "amount": "50.00", "status": "PDNG", "ogm": OGM},
            ]
        )
    )
    assert [(line.reference, line.amount, line.communication) for line in statement.lines] == [
        ("B1", Decimal("121.00"), OGM),
        ("B2", Decimal("5.00"), OGM),
        ("B3", Decimal("9.99"), ""),
    ]
    assert statement.ignored == 2  # the debit and the pending entry
    assert statement.lines[0].booked_on == dt.date(2026, 12, 3)
    assert statement.lines[0].counterparty == "Acme Belgium NV"
    assert statement.identifier == "STMT-1"


def test_a_communication_with_wrong_check_digits_is_none() -> None:
    wrong = OGM[:10] + f"{(int(OGM[10:]) % 97) + 1:02d}"
    assert communication_in(formatted(wrong), wrong) == ""
    assert communication_in(OGM) == OGM
    assert communication_in(f"***{OGM[:3]}/{OGM[3:7]}/{OGM[7:]}***") == OGM


def test_coda_movements() -> None:
    statement = parse_statement(
        coda(
            [
                {"reference": "CODA0001", "amount": "121.00", "ogm": OGM},
                {"reference": "CODA0002", "amount": "3.00", "credit": False, "ogm": OGM},
                {"reference": "CODA0003", "amount": "7.50", "text": "payment for october"},
            ]
        )
    )
    assert [(line.amount, line.communication, line.currency) for line in statement.lines] == [
        (Decimal("121.00"), OGM, "EUR"),
        (Decimal("7.50"), "", "EUR"),
    ]
    assert statement.ignored == 1
    assert statement.lines[0].booked_on == dt.date(2026, 12, 3)
    assert statement.lines[0].counterparty == "ACME BELGIUM NV"
    assert len({line.reference for line in statement.lines}) == 2


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<Document><BkToCstmrStmt><Stmt>",  # cut off
        b"<html><body>not a statement</body></html>",
        b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><Document>&lol;</Document>',
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "http://example.com/x">]><Document>&x;</Document>',
        camt053([{"reference": "B1", "amount": "twelve", "ogm": "x"}]),
        camt053([{"reference": "B1", "amount": "12.00", "booked": "3 Dec", "ogm": "x"}]),
        b"just some text\nin lines\n",
    ],
    ids=["empty", "cut", "html", "entities", "external", "amount", "date", "text"],
)
def test_unreadable_files_say_why(data: bytes) -> None:
    with pytest.raises(StatementError) as error:
        parse_statement(data)
    assert error.value.message


@pytest.fixture
def staff_actor(actor_for, staff) -> Actor:
    return actor_for(staff)


@pytest.fixture
def invoice(customer: Customer) -> Invoice:
    return issued(customer, total_incl_vat=Decimal("121.00"), structured_communication=OGM)


@pytest.mark.django_db
def test_import_matches_records_and_reports(staff_actor, customer, invoice) -> None:
    paid = issued(
        customer,
        period=dt.date(2026, 9, 1),
        total_incl_vat=Decimal("50.00"),
        status=Invoice.Status.PAID,
        paid=Decimal("50.00"),
    )
    unknown = structured_communication(1234567890)
    report = bank_statement_import(
        actor=staff_actor,
        data=camt053(
            [
                {"reference": "R1", "amount": "21.00", "ogm": OGM},
                {"reference": "R2", "amount": "100.00", "text": f"invoice {formatted(OGM)}"},
                {"reference": "R3", "amount": "50.00", "ogm": paid.structured_communication},
                {"reference": "R4", "amount": "10.00", "ogm": unknown},
                {"reference": "R5", "amount": "10.00", "text": "for the phones"},
            ]
        ),
        name="december.xml",
    )
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.status) == (Decimal("121.00"), Invoice.Status.PAID)
    assert [r.line.reference for r in report.matched] == ["R1", "R2"]
    assert [r.line.reference for r in report.already_paid] == ["R3"]
    assert [r.line.reference for r in report.unmatched] == ["R4", "R5"]
    assert formatted(unknown) in report.unmatched[0].message
    # Every line kept; the unmatched wait for staff with no invoice.
    entries = {e.reference: e for e in BankStatementEntry.objects.all()}
    assert {ref: e.outcome for ref, e in entries.items()} == {
        "R1": "matched",
        "R2": "matched",
        "R3": "already_paid",
        "R4": "unmatched",
        "R5": "unmatched",
    }
    assert entries["R1"].invoice == invoice and entries["R4"].invoice is None
    # The payments went through invoice_payment_record: audited, with the bank reference.
    payments = AuditEvent.objects.filter(action="invoice.paid", object_id=str(invoice.pk)).order_by("id")
    assert [p.after["reference"] for p in payments] == ["bank R1", "bank R2"]
    assert [p.after["status"] for p in payments] == ["partly_paid", "paid"]
    assert AuditEvent.objects.get(action="bank_statement.imported").after["matched"] == 2


@pytest.mark.django_db
def test_importing_twice_records_nothing_the_second_time(staff_actor, invoice) -> None:
    data = camt053([{"reference": "R1", "amount": "21.00", "ogm": OGM}, {"reference": "R2", "amount": "1.00"}])
    bank_statement_import(actor=staff_actor, data=data)
    again = bank_statement_import(actor=staff_actor, data=data)
    invoice.refresh_from_db()
    assert invoice.paid == Decimal("21.00")
    assert [r.line.reference for r in again.duplicates] == ["R1", "R2"]
    assert not again.matched and not again.unmatched
    assert BankStatementEntry.objects.count() == 2
    assert AuditEvent.objects.filter(action="invoice.paid").count() == 1
    # The same file as CODA has other references: a bank gives each format its own, but the
    # same CODA file twice is once as well.
    file = coda([{"reference": "C1", "amount": "10.00", "ogm": OGM}])
    bank_statement_import(actor=staff_actor, data=file)
    assert bank_statement_import(actor=staff_actor, data=file).duplicates
    invoice.refresh_from_db()
    assert invoice.paid == Decimal("31.00")


@pytest.mark.django_db
def test_over_the_balance_or_other_currency_stays_unmatched(staff_actor, invoice) -> None:
    report = bank_statement_import(
        actor=staff_actor,
        data=camt053(
            [
                {"reference": "R1", "amount": "200.00", "ogm": OGM},
                {"reference": "R2", "amount": "121.00", "currency": "HUF", "ogm": OGM},
            ]
        ),
    )
    assert [r.line.reference for r in report.unmatched] == ["R1", "R2"]
    assert "balance" in report.unmatched[0].message
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.status) == (Decimal(0), Invoice.Status.OPEN)


@pytest.mark.django_db
def test_a_malformed_file_changes_nothing(staff_actor, invoice) -> None:
    good = {"reference": "R1", "amount": "21.00", "ogm": OGM}
    with pytest.raises(ActionError) as error:
        bank_statement_import(actor=staff_actor, data=camt053([good, {"reference": "R2", "amount": "-", "ogm": OGM}]))
    assert error.value.field == "file"
    invoice.refresh_from_db()
    assert invoice.paid == 0 and not BankStatementEntry.objects.exists()
    assert not AuditEvent.objects.filter(action__in=("invoice.paid", "bank_statement.imported")).exists()


@pytest.mark.django_db
def test_only_staff_import(actor_for, holder, invoice) -> None:
    with pytest.raises(PermissionDeniedError):
        bank_statement_import(actor=actor_for(holder), data=camt053([{"reference": "R1", "amount": "1", "ogm": OGM}]))
    assert not BankStatementEntry.objects.exists()


@pytest.mark.django_db
def test_an_unmatched_line_matched_by_hand(staff_actor, invoice) -> None:
    bank_statement_import(actor=staff_actor, data=camt053([{"reference": "R1", "amount": "121.00", "text": "phones"}]))
    entry = BankStatementEntry.objects.get()
    with pytest.raises(ActionError) as error:
        bank_entry_match(actor=staff_actor, entry=entry, number="nope")
    assert error.value.field == "number"
    matched = bank_entry_match(actor=staff_actor, entry=entry, number=invoice.number)
    invoice.refresh_from_db()
    assert (matched.outcome, matched.invoice, invoice.status) == ("matched", invoice, Invoice.Status.PAID)
    with pytest.raises(ActionError):
        bank_entry_match(actor=staff_actor, entry=entry, number=invoice.number)
    assert AuditEvent.objects.filter(action="bank_entry.matched").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_statement_imported_at_once_pays_once(staff, customer) -> None:
    """Four staff members import the same file at the same moment (threads with their own
    connections; PostgreSQL in CI's second pass): each line is kept and paid once."""
    invoice = issued(customer, total_incl_vat=Decimal("121.00"), structured_communication=OGM)
    data = camt053([{"reference": f"R{n}", "amount": "10.00", "ogm": OGM} for n in range(5)])
    actor = Actor(user=staff)
    errors: list[str] = []

    def work() -> None:
        try:
            retrying_while_locked(lambda: bank_statement_import(actor=actor, data=data))
        except BaseException as exc:  # reported by the assertion below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.status) == (Decimal("50.00"), Invoice.Status.PARTLY_PAID)
    assert BankStatementEntry.objects.filter(outcome="matched").count() == 5
    assert AuditEvent.objects.filter(action="invoice.paid").count() == 5

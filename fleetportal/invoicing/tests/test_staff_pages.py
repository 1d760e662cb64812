"""Staff's billing back office (F-60, F-61, F-62): only staff open it; a run started from the
page invoices the period and shows its counts and progress; an invoice's credit note, its bank
transfer received in parts (partly paid, then paid; a bad amount names `amount`, more than the
balance refused); a bank statement imported from the page matches, is idempotent, reports the
unmatched and refuses a malformed file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fleetportal.accounts.models import StaffRole, User
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.core.tests.factories import StaffFactory
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.models import BankStatementEntry, Invoice, InvoiceItem, InvoiceRun
from fleetportal.notifications.models import OutboxMessage

from .camt import camt053
from .conftest import PERIOD, priced_line
from .rows import issued

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-60", "F-61", "F-62")]
Login = Callable[..., object]


@pytest.fixture
def invoice(customer: Customer) -> Invoice:
    line = LineFactory.create(customer=customer)
    return issued(customer, [(line, InvoiceItem.Kind.PLAN, "Business Unlimited", Decimal("100.00"))])


@pytest.fixture
def staff_client(client: Client, login: Login, staff: User) -> Client:
    login(client, staff)
    return client


def test_only_staff_open_the_back_office(client, login, billing_manager, holder, invoice) -> None:
    urls = [
        reverse("invoicing_staff:runs"),
        reverse("invoicing_staff:invoices"),
        reverse("invoicing_staff:invoice", args=[invoice.pk]),
        reverse("invoicing_staff:bank"),
    ]
    posts = [
        (reverse("invoicing_staff:credit", args=[invoice.pk]), {"reason": "wrong"}),
        (reverse("invoicing_staff:received", args=[invoice.pk]), {"amount": "1", "received_on": "2026-11-20"}),
        (reverse("invoicing_staff:send", args=[invoice.pk]), {}),
        (reverse("invoicing_staff:runs"), {"period": "2026-11"}),
    ]
    for user in (billing_manager, holder):
        login(client, user)
        assert [client.get(url).status_code for url in urls] == [403] * len(urls)
        assert [client.post(url, data).status_code for url, data in posts] == [403] * len(posts)
        client.logout()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid) == (Invoice.Status.OPEN, 0)
    assert not InvoiceRun.objects.exists() and not invoice.credit_notes.exists()


def test_start_a_run_for_one_customer_and_follow_it(staff_client, customer, django_capture_on_commit_callbacks) -> None:
    priced_line(customer, price="20.00")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("invoicing_staff:runs"), {"period": PERIOD.strftime("%Y-%m"), "customer": customer.pk}
        )
    run = InvoiceRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("invoicing_staff:run", args=[run.pk])
    assert (run.status, run.customer, run.period, run.invoices) == (InvoiceRun.Status.DONE, customer, PERIOD, 1)
    assert run.total_excl_vat == Decimal("20.00")
    page = staff_client.get(response["Location"]).content.decode()
    assert Invoice.objects.get(run=run).number in page
    # The progress panel stops polling when the run is done and reloads the page once.
    progress = staff_client.get(reverse("invoicing_staff:run_progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true" and "hx-get" not in progress.content.decode()
    listing = staff_client.get(reverse("invoicing_staff:runs")).content.decode()
    assert f'data-run="{run.pk}"' in listing and customer.name in listing


def test_a_running_run_is_polled(staff_client, customer) -> None:
    run = InvoiceRun.objects.create(
        period=PERIOD, status=InvoiceRun.Status.RUNNING, accounts=4, accounts_done=1, created_by_label="x"
    )
    progress = staff_client.get(reverse("invoicing_staff:run_progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    body = progress.content.decode()
    assert "HX-Refresh" not in progress and 'hx-trigger="every 2s"' in body and 'value="25"' in body


@pytest.mark.parametrize(("period", "message"), [("next-month", "has ended"), ("2026-13", "YYYY-MM"), ("", "required")])
def test_a_run_for_a_bad_period_is_refused(staff_client, period, message) -> None:
    if period == "next-month":
        period = (dt.date.today().replace(day=1) + dt.timedelta(days=32)).strftime("%Y-%m")
    response = staff_client.post(reverse("invoicing_staff:runs"), {"period": period})
    assert response.status_code == 200 and message in response.content.decode()
    assert 'id="id_period_error"' in response.content.decode()
    assert not InvoiceRun.objects.exists()


def test_credit_note_through_the_page(staff_client, invoice) -> None:
    url = reverse("invoicing_staff:credit", args=[invoice.pk])
    refused = staff_client.post(url, {"reason": "  "})
    assert refused.status_code == 400 and not invoice.credit_notes.exists()
    response = staff_client.post(url, {"reason": "Wrong plan price"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    note = invoice.credit_notes.get()
    assert invoice.status == Invoice.Status.CREDITED
    assert (note.total_incl_vat, note.reason) == (-invoice.total_incl_vat, "Wrong plan price")
    page = staff_client.get(response["Location"]).content.decode()
    assert note.number in page and 'data-testid="credit-form"' not in page
    again = staff_client.post(url, {"reason": "twice"})
    assert again.status_code == 400 and "already credited" in again.content.decode()
    assert invoice.credit_notes.count() == 1


def test_bank_transfer_received_in_two_parts(staff_client, invoice) -> None:
    url = reverse("invoicing_staff:received", args=[invoice.pk])
    first = staff_client.post(url, {"amount": "21.00", "received_on": "2026-11-20", "reference": "BANK-1"})
    assert first.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.status) == (Decimal("21.00"), Invoice.Status.PARTLY_PAID)
    second = staff_client.post(url, {"amount": "100.00", "received_on": "2026-11-25"})
    assert second.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.status, invoice.balance) == (Decimal("121.00"), Invoice.Status.PAID, 0)
    audits = AuditEvent.objects.filter(action="invoice.paid", object_id=str(invoice.pk)).order_by("id")
    assert [a.after["status"] for a in audits] == ["partly_paid", "paid"]
    assert "2026-11-20" in audits[0].after["reference"] and "BANK-1" in audits[0].after["reference"]
    assert audits[0].actor_label and audits[0].actor_id is not None
    page = staff_client.get(reverse("invoicing_staff:invoice", args=[invoice.pk])).content.decode()
    assert 'data-testid="received-form"' not in page  # nothing left to receive


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "twelve", "received_on": "2026-11-20"}, "amount", "Enter an amount"),
        ({"amount": "200.00", "received_on": "2026-11-20"}, "amount", "more than the balance"),
        ({"amount": "-5", "received_on": "2026-11-20"}, "amount", "above zero"),
        ({"amount": "10", "received_on": "2999-01-01"}, "received_on", "future"),
        ({"amount": "10", "received_on": "yesterday"}, "received_on", "valid date"),
    ],
)
def test_a_bad_transfer_is_refused_naming_its_field(staff_client, invoice, data, field, message) -> None:
    response = staff_client.post(reverse("invoicing_staff:received", args=[invoice.pk]), data)
    body = response.content.decode()
    assert response.status_code == 400 and f'id="id_{field}_error"' in body and message in body
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.status) == (0, Invoice.Status.OPEN)
    assert not AuditEvent.objects.filter(action="invoice.paid").exists()


def test_send_again(staff_client, invoice) -> None:
    response = staff_client.post(reverse("invoicing_staff:send", args=[invoice.pk]))
    assert response.status_code == 302
    message = OutboxMessage.objects.filter(recipient=invoice.billing_account.invoice_email).latest("id")
    assert invoice.number in message.subject or invoice.number in message.body


def test_find_an_invoice_by_communication(staff_client, invoice, other_customer) -> None:
    other = issued(other_customer)
    page = staff_client.get(reverse("invoicing_staff:invoices"), {"q": invoice.structured_communication}).content
    assert f'data-invoice="{invoice.number}"'.encode() in page and other.number.encode() not in page


def _upload(client: Client, data: bytes, name: str = "statement.xml"):  # type: ignore[no-untyped-def]
    return client.post(reverse("invoicing_staff:bank"), {"file": SimpleUploadedFile(name, data)})


def test_import_a_statement_from_the_page(staff_client, invoice) -> None:
    data = camt053(
        [
            {"reference": "R1", "amount": "121.00", "ogm": invoice.structured_communication},
            {"reference": "R2", "amount": "15.00", "text": "phones november"},
        ]
    )
    first = _upload(staff_client, data).content.decode()
    assert 'data-testid="matched">1<' in first and 'data-testid="unmatched">1<' in first
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    second = _upload(staff_client, data).content.decode()
    assert 'data-testid="matched">0<' in second and 'data-testid="duplicates">2<' in second
    invoice.refresh_from_db()
    assert invoice.paid == Decimal("121.00")
    # The unmatched line waits below for a hand match.
    entry = BankStatementEntry.objects.get(reference="R2")
    assert f'data-reference="{entry.reference}"' in second


def test_match_a_line_by_hand_from_the_page(staff_client, customer, invoice) -> None:
    _upload(staff_client, camt053([{"reference": "R9", "amount": "21.00", "text": "see invoice"}]))
    entry = BankStatementEntry.objects.get()
    url = reverse("invoicing_staff:bank_match", args=[entry.pk])
    staff_client.post(url, {"number": "2026/999999"})
    entry.refresh_from_db()
    assert entry.outcome == BankStatementEntry.Outcome.UNMATCHED
    staff_client.post(url, {"number": invoice.number})
    entry.refresh_from_db()
    invoice.refresh_from_db()
    assert (entry.outcome, entry.invoice, invoice.status) == ("matched", invoice, Invoice.Status.PARTLY_PAID)


def test_a_malformed_statement_is_refused(staff_client, invoice) -> None:
    response = _upload(staff_client, b"<Document><BkToCstmrStmt>", "broken.xml")
    body = response.content.decode()
    assert response.status_code == 400 and 'id="id_file_error"' in body and "well-formed" in body
    assert not BankStatementEntry.objects.exists()
    invoice.refresh_from_db()
    assert invoice.paid == 0


def test_the_menu_leads_staff_to_the_back_office(client, login, staff, billing_manager) -> None:
    runs = f'href="{reverse("invoicing_staff:runs")}"'
    login(client, staff)
    assert runs in client.get(reverse("invoicing_staff:bank")).content.decode()
    client.logout()
    login(client, billing_manager)
    assert runs not in client.get(reverse("invoicing:invoices")).content.decode()


@pytest.mark.spec("F-93")
def test_a_support_agent_reads_the_billing_back_office_and_moves_no_money(client, login, invoice) -> None:
    """The role matrix of /invoices/staff/: an agent reads every page and re-sends an invoice;
    runs, credit notes, payments and bank statements are an operator admin's (403, nothing done)."""
    agent = StaffFactory.create(email="agent@operator.example", staff_role=StaffRole.SUPPORT_AGENT)
    login(client, agent)
    pages = [
        reverse("invoicing_staff:runs"),
        reverse("invoicing_staff:invoices"),
        reverse("invoicing_staff:invoice", args=[invoice.pk]),
        reverse("invoicing_staff:bank"),
    ]
    assert [client.get(url).status_code for url in pages] == [200] * len(pages)
    statement = SimpleUploadedFile("s.xml", b"<x/>", content_type="application/xml")
    refused = [
        (reverse("invoicing_staff:runs"), {"period": "2026-11"}),
        (reverse("invoicing_staff:credit", args=[invoice.pk]), {"reason": "wrong"}),
        (reverse("invoicing_staff:received", args=[invoice.pk]), {"amount": "1", "received_on": "2026-11-20"}),
        (reverse("invoicing_staff:bank"), {"file": statement}),
    ]
    assert [client.post(url, data).status_code for url, data in refused] == [403] * len(refused)
    sent = client.post(reverse("invoicing_staff:send", args=[invoice.pk]))
    assert sent.status_code == 302 and OutboxMessage.objects.filter(kind="email").exists()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN and invoice.paid == 0
    assert not InvoiceRun.objects.exists() and not invoice.credit_notes.exists()

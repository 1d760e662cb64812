"""Actions of invoicing: start and carry out an invoice run (F-60, F-63), credit an invoice,
record a payment (bank transfer by staff; online payments through `payments`, F-62).

An invoice is never edited: a wrong one is cancelled by a credit note; its only changes are
its payments and, once, its status CREDITED.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import Channel, Customer
from fleetportal.usage.periods import period_of

from . import events
from .models import Invoice, InvoiceItem, InvoiceRun
from .numbers import communication_for, format_number, take_numbers
from .run import accounts_to_invoice, invoice_chunk, issued_summary

log = logging.getLogger(__name__)
ACCOUNTS_PER_CHUNK = 200
Start = Callable[[int], object]


def _is_portal(actor: Actor) -> bool:
    """An operator admin, or the portal's own job (the periodic run, a command). A support
    agent reads the billing back office but moves no money (F-93 staff roles)."""
    return actor.is_operator_admin or (
        actor.user is None and actor.api_key is None and actor.channel in (Channel.SYSTEM, Channel.JOB)
    )


def require_billing_operator(actor: Actor) -> None:
    """Runs, credit notes, payments received and bank statements: an operator admin's or a job's."""
    if not _is_portal(actor):
        raise PermissionDeniedError(_("Only an operator admin may run invoices, credit them or record payments."))


def invoice_run_start(
    *, actor: Actor, period: dt.date, customer: Customer | None = None, start: Start | None = None
) -> InvoiceRun:
    """Record a run for a closed period (one customer, or all); `start(run_id)` queues the
    worker after commit (the periodic job runs it at once instead)."""
    require_billing_operator(actor)
    if not isinstance(period, dt.date):
        raise ActionError(_("Choose a month to invoice."), field="period")
    period = period.replace(day=1)
    if period >= period_of(timezone.now()):
        raise ActionError(_("Only a month that has ended can be invoiced."), field="period")
    with transaction.atomic():
        run = InvoiceRun.objects.create(period=period, customer=customer, created_by_label=actor.label[:200])
        record(
            actor=actor,
            action="invoice_run.started",
            customer=customer,
            obj=run,
            after={"period": period.isoformat(), "customer": customer.name if customer else ""},
        )
        if start is not None:
            transaction.on_commit(lambda: start(run.pk))
    return run


def invoice_run_execute(*, actor: Actor, run: InvoiceRun, today: dt.date | None = None) -> InvoiceRun:
    """Carry out a run: the billing accounts to invoice, `ACCOUNTS_PER_CHUNK` at a time, each
    chunk committed with the run's counts (a progress bar reads them). Safe to repeat: an
    account already invoiced for the period is skipped and counted as such."""
    require_billing_operator(actor)
    today = today or timezone.localdate()
    ids = accounts_to_invoice(run.period, run.customer)
    InvoiceRun.objects.filter(pk=run.pk).update(
        status=InvoiceRun.Status.RUNNING, started_at=timezone.now(), accounts=len(ids), error=""
    )
    try:
        for first in range(0, len(ids), ACCOUNTS_PER_CHUNK):
            invoice_chunk(actor=actor, run=run, account_ids=ids[first : first + ACCOUNTS_PER_CHUNK], today=today)
    except Exception as exc:
        log.exception("invoice run %s failed", run.pk)
        InvoiceRun.objects.filter(pk=run.pk).update(
            status=InvoiceRun.Status.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:200]
        )
        raise
    InvoiceRun.objects.filter(pk=run.pk).update(status=InvoiceRun.Status.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return run


@transaction.atomic
def invoice_credit(*, actor: Actor, invoice: Invoice, reason: str) -> Invoice:
    """Cancel `invoice` with a credit note of the opposite items (staff); returns the note."""
    require_billing_operator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("Say why the invoice is credited."), field="reason")
    locked = Invoice.objects.select_for_update().select_related("customer", "billing_account").get(pk=invoice.pk)
    if locked.kind == Invoice.Kind.CREDIT_NOTE:
        raise ActionError(_("A credit note cannot be credited."), field="invoice", code="credit_note")
    if locked.status == Invoice.Status.CREDITED or locked.credit_notes.exists():
        raise ActionError(_("This invoice is already credited."), field="invoice", code="already_credited")
    today = timezone.localdate()
    sequence = take_numbers(today.year, 1)[0]
    note = Invoice.objects.create(
        kind=Invoice.Kind.CREDIT_NOTE,
        number=format_number(today.year, sequence),
        year=today.year,
        sequence=sequence,
        customer=locked.customer,
        billing_account=locked.billing_account,
        line=locked.line,
        member=locked.member,
        corrects=locked,
        period=locked.period,
        issued_on=today,
        due_on=today,
        currency=locked.currency,
        language=locked.language,
        vat_rate=locked.vat_rate,
        total_excl_vat=-locked.total_excl_vat,
        vat=-locked.vat,
        total_incl_vat=-locked.total_incl_vat,
        structured_communication=communication_for(today.year, sequence),
        reason=reason[:200],
    )
    InvoiceItem.objects.bulk_create(
        InvoiceItem(
            invoice=note,
            kind=item.kind,
            line_id=item.line_id,
            description=item.description,
            quantity=item.quantity,
            unit=item.unit,
            unit_price=item.unit_price,
            amount=-item.amount,
            starts_on=item.starts_on,
            ends_on=item.ends_on,
            sort=item.sort,
        )
        for item in locked.items.all()
    )
    Invoice.objects.filter(pk=locked.pk).update(status=Invoice.Status.CREDITED, version=F("version") + 1)
    summary = {**issued_summary(note), "corrects": locked.number, "reason": note.reason}
    record(
        actor=actor,
        action="invoice.credited",
        customer=locked.customer,
        obj=locked,
        before={"status": locked.status},
        after={"status": Invoice.Status.CREDITED, "credit_note": note.number, "reason": note.reason},
    )
    record(actor=actor, action="invoice.issued", customer=locked.customer, obj=note, after=summary)
    events.INVOICE_CREDITED.record(customer=locked.customer, obj=locked, data=summary)
    events.INVOICE_ISSUED.record(customer=locked.customer, obj=note, data=summary)
    return note


def _amount(value: object) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ActionError(_("Enter an amount, e.g. 12.50."), field="amount") from None
    if not amount.is_finite() or amount <= 0:
        raise ActionError(_("Enter an amount above zero."), field="amount")
    return amount


@transaction.atomic
def invoice_payment_record(*, actor: Actor, invoice: Invoice, amount: Decimal | str, reference: str) -> Invoice:
    """Record a payment received for `invoice` (staff: a bank transfer; the payments app: a
    confirmed online payment, acting as the system). Adds to `paid`, sets PARTLY_PAID or PAID;
    a paid or credited invoice, or more than the balance, is refused and nothing changes."""
    require_billing_operator(actor)
    value = _amount(amount)
    locked = Invoice.objects.select_for_update().select_related("customer").get(pk=invoice.pk)
    if locked.kind == Invoice.Kind.CREDIT_NOTE:
        raise ActionError(_("A credit note is not paid."), field="invoice", code="credit_note")
    if locked.status == Invoice.Status.PAID:
        raise ActionError(_("This invoice is already paid."), field="invoice", code="already_paid")
    if locked.status == Invoice.Status.CREDITED:
        raise ActionError(_("This invoice is credited: nothing is to pay."), field="invoice", code="credited")
    if value > locked.balance:
        raise ActionError(
            _("The amount is more than the balance (%(balance)s).") % {"balance": locked.balance},
            field="amount",
            code="over_balance",
        )
    before = {"paid": str(locked.paid), "status": locked.status}
    locked.paid += value
    locked.status = Invoice.Status.PAID if locked.balance == 0 else Invoice.Status.PARTLY_PAID
    locked.version += 1
    locked.save(update_fields=["paid", "status", "version"])
    reference = (reference or "").strip()[:200]
    after = {"paid": str(locked.paid), "status": locked.status, "amount": str(value), "reference": reference}
    record(actor=actor, action="invoice.paid", customer=locked.customer, obj=locked, before=before, after=after)
    events.INVOICE_PAID.record(customer=locked.customer, obj=locked, data={**issued_summary(locked), **after})
    return locked

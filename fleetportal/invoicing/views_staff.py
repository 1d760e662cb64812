"""Staff's billing back office (F-60, F-61, F-62), under /invoices/staff/: the invoice runs
with their state, counts and totals, a run's progress (polled by htmx while it runs), starting a
run for a closed period and optionally one customer; an invoice's staff view to send it again,
credit it or mark a bank transfer received; importing a bank statement and matching by hand
what it could not match.

Staff only (`staff_required`: anyone else gets a 403); a support agent reads these pages and may
send an invoice again, but what moves money (a run, a credit note, a payment, a statement) is an
operator admin's (`require_billing_operator`: an agent's POST is a 403). Every change is one of the invoicing
actions (B1's run, credit and payment; the delivery's `invoice_send`; the bank import), so the
pages add no rule of their own beyond reading the forms.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fleetportal.accounts.decorators import staff_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.scope import scope
from fleetportal.core.views import form_error

from .actions import invoice_credit, invoice_payment_record, invoice_run_start, require_billing_operator
from .actions_bank import bank_entry_match, bank_statement_import
from .actions_delivery import invoice_send
from .forms_staff import CreditForm, MatchForm, ReceivedForm, RunForm, StatementForm
from .models import BankStatementEntry, Invoice, InvoiceRun
from .selectors import STATUSES, UNPAID, status_of
from .tasks import invoice_run

RUNS_SHOWN = 50
RUN_INVOICES_SHOWN = 100
UNMATCHED_SHOWN = 200
RUNNING = (InvoiceRun.Status.QUEUED, InvoiceRun.Status.RUNNING)
View = Callable[..., HttpResponse]


def billing_staff(view: View) -> View:
    """Staff pages; their POSTs (but re-sending an invoice) only for an operator admin (403)."""

    @staff_required
    @wraps(view)
    def wrapped(request: LoggedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            try:
                require_billing_operator(request.actor)
            except ActionError as exc:
                raise PermissionDenied(str(exc.message)) from exc
        return view(request, *args, **kwargs)

    return wrapped


@billing_staff
@require_http_methods(["GET", "POST"])
def runs(request: LoggedInRequest) -> HttpResponse:
    """The runs, newest first, and the form to start one."""
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = invoice_run_start(
                actor=request.actor,
                period=form.cleaned_data["period"],
                customer=form.cleaned_data["customer"],
                start=invoice_run,
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The invoice run for %(period)s was started.") % {"period": run})
            return redirect("invoicing_staff:run", run_id=run.pk)
    shown = InvoiceRun.objects.select_related("customer")[:RUNS_SHOWN]
    return render(request, "invoicing/staff/runs.html", {"form": form, "runs": shown})


def _run_context(run: InvoiceRun) -> dict[str, object]:
    percent = round(100 * run.accounts_done / run.accounts) if run.accounts else (100 if run.finished_at else 0)
    return {"run": run, "running": run.status in RUNNING, "percent": min(percent, 100)}


def _run(run_id: int) -> InvoiceRun:
    return get_object_or_404(InvoiceRun.objects.select_related("customer"), pk=run_id)


@staff_required
def run(request: LoggedInRequest, run_id: int) -> HttpResponse:
    shown = _run(run_id)
    context = _run_context(shown)
    context["problems"] = shown.problem_rows.select_related("billing_account")
    context["invoices"] = shown.issued.select_related("customer", "billing_account").order_by("sequence")[
        :RUN_INVOICES_SHOWN
    ]
    return render(request, "invoicing/staff/run.html", context)


@staff_required
def run_progress(request: LoggedInRequest, run_id: int) -> HttpResponse:
    """The progress panel alone, polled while the run goes on; once it ends the page reloads to
    show the invoices and problems."""
    context = _run_context(_run(run_id))
    response = render(request, "invoicing/staff/_run_progress.html", context)
    if not context["running"] and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@staff_required
def invoices(request: LoggedInRequest) -> HttpResponse:
    """Find an invoice: by number, structured communication or customer name; by status."""
    found = scope(request.actor, Invoice).select_related("customer", "billing_account")
    search = request.GET.get("q", "").strip()[:100]
    if search:
        digits = "".join(c for c in search if c.isdigit())
        match = Q(number__icontains=search) | Q(customer__name__icontains=search)
        if len(digits) == 12:
            match |= Q(structured_communication=digits)
        found = found.filter(match)
    status = request.GET.get("status", "")
    if status in Invoice.Status.values:
        found = found.filter(status=status)
    page = Paginator(found.order_by("-issued_on", "-sequence"), 50).get_page(request.GET.get("page"))
    rows = [(invoice, status_of(invoice)) for invoice in page]
    context = {"page": page, "rows": rows, "q": search, "status": status, "statuses": STATUSES}
    return render(request, "invoicing/staff/invoices.html", context)


def _invoice(request: LoggedInRequest, invoice_id: int) -> Invoice:
    invoices_seen = scope(request.actor, Invoice).select_related(
        "customer", "billing_account", "billing_account__contract", "line", "member", "corrects"
    )
    return get_object_or_404(invoices_seen, pk=invoice_id)


def _invoice_page(
    request: LoggedInRequest,
    invoice: Invoice,
    *,
    credit: CreditForm | None = None,
    received: ReceivedForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "invoice": invoice,
        "status": status_of(invoice),
        "statuses": STATUSES,
        "items": invoice.items.select_related("line"),
        "credit_notes": invoice.credit_notes.all(),
        "bank_entries": invoice.bank_entries.all(),
        "credit_form": credit or CreditForm(),
        "received_form": received or ReceivedForm(),
        # A refused form stays shown with its error even when nothing is left to do.
        "payable": received is not None or (invoice.kind != Invoice.Kind.CREDIT_NOTE and invoice.status in UNPAID),
        "creditable": credit is not None
        or (invoice.kind != Invoice.Kind.CREDIT_NOTE and invoice.status != Invoice.Status.CREDITED),
    }
    return render(request, "invoicing/staff/invoice.html", context, status=status)


@staff_required
def invoice(request: LoggedInRequest, invoice_id: int) -> HttpResponse:
    return _invoice_page(request, _invoice(request, invoice_id))


@require_POST
@staff_required
def invoice_resend(request: LoggedInRequest, invoice_id: int) -> HttpResponse:
    shown = _invoice(request, invoice_id)
    try:
        message = invoice_send(actor=request.actor, invoice=shown)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("Invoice %(number)s was sent to %(to)s.") % {"number": shown, "to": message.recipient}
        )
    return redirect("invoicing_staff:invoice", invoice_id=shown.pk)


@require_POST
@billing_staff
def invoice_credit_view(request: LoggedInRequest, invoice_id: int) -> HttpResponse:
    shown = _invoice(request, invoice_id)
    form = CreditForm(request.POST)
    if form.is_valid():
        try:
            note = invoice_credit(actor=request.actor, invoice=shown, reason=form.cleaned_data["reason"])
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("Credit note %(note)s cancels invoice %(number)s.") % {"note": note, "number": shown}
            )
            return redirect("invoicing_staff:invoice", invoice_id=shown.pk)
    return _invoice_page(request, shown, credit=form, status=400)


@require_POST
@billing_staff
def invoice_received(request: LoggedInRequest, invoice_id: int) -> HttpResponse:
    """A bank transfer received, recorded through `invoice_payment_record` (audited there); the
    day and the bank's reference go into the payment's reference."""
    shown = _invoice(request, invoice_id)
    form = ReceivedForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        reference = " ".join(
            filter(None, (_("Bank transfer received on %(day)s") % {"day": data["received_on"]}, data["reference"]))
        )
        try:
            paid = invoice_payment_record(
                actor=request.actor, invoice=shown, amount=data["amount"], reference=reference
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("The payment was recorded: invoice %(number)s is %(status)s.")
                % {"number": paid, "status": paid.get_status_display().lower()},
            )
            return redirect("invoicing_staff:invoice", invoice_id=shown.pk)
    return _invoice_page(request, shown, received=form, status=400)


@billing_staff
@require_http_methods(["GET", "POST"])
def bank(request: LoggedInRequest) -> HttpResponse:
    """Import a bank statement (its report shown at once) and the lines still to match."""
    posted = request.method == "POST"
    form = StatementForm(request.POST if posted else None, request.FILES if posted else None)
    report = None
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = bank_statement_import(actor=request.actor, data=upload.read(), name=upload.name or "")
            except ActionError as exc:
                form_error(form, exc)
            else:
                status = 200
                form = StatementForm()
    unmatched = BankStatementEntry.objects.filter(outcome=BankStatementEntry.Outcome.UNMATCHED)[:UNMATCHED_SHOWN]
    context = {"form": form, "report": report, "unmatched": unmatched}
    return render(request, "invoicing/staff/bank.html", context, status=status)


@require_POST
@billing_staff
def bank_match(request: LoggedInRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(BankStatementEntry, pk=entry_id)
    form = MatchForm(request.POST)
    if form.is_valid():
        try:
            matched = bank_entry_match(actor=request.actor, entry=entry, number=form.cleaned_data["number"])
        except ActionError as exc:
            messages.error(request, f"{entry.reference}: {exc.message}")
        else:
            messages.success(
                request,
                _("%(reference)s was matched to invoice %(number)s.")
                % {"reference": matched.reference, "number": matched.invoice},
            )
    else:
        messages.error(request, _("Enter an invoice number."))
    return redirect("invoicing_staff:bank")

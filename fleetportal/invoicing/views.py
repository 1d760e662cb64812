"""The invoice pages (F-61, F-64): the billing managers' overview per billing account with its
filters, totals and xlsx export; a member's own private invoices; the PDF and UBL downloads;
an account's payment mode (bank transfer or a SEPA direct debit mandate) and, for staff and
billing managers, sending an invoice again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from fleetportal.billing.selectors import billing_accounts_for
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.spreadsheets import XLSX
from fleetportal.core.views import form_error

from . import exports, selectors
from .actions_delivery import invoice_send
from .actions_mandates import mandate_request, payment_mode_transfer
from .documents import invoice_render
from .forms import InvoiceFilterForm, MandateForm
from .models import Invoice
from .policy import NUMBER_LOGIN_INVOICES

PAGE = 50
CONTENT_TYPES = {"pdf": "application/pdf", "ubl": "application/xml"}


def _filter(request: LoggedInRequest) -> tuple[InvoiceFilterForm, dict[str, object]]:
    visible = selectors.invoices_for(request.actor)
    accounts = [(a.pk, f"{a.number} {a.name}".strip()) for a in billing_accounts_for(request.actor)]
    form = InvoiceFilterForm(request.GET or None, accounts=accounts, years=selectors.years_of(visible))
    return form, form.criteria()


def _without_page(request: LoggedInRequest) -> str:
    """The filter's query string, for the page links (which add their own page)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _rows(invoices: list[Invoice]) -> list[tuple[Invoice, str]]:
    today = timezone.localdate()
    return [(invoice, selectors.status_of(invoice, today)) for invoice in invoices]


@never_cache
@login_required
def invoices(request: LoggedInRequest) -> HttpResponse:
    """Every invoice of the customer's billing accounts (billing managers); others: their own."""
    if not selectors.sees_account_invoices(request.actor):
        return redirect("me_invoices")
    form, criteria = _filter(request)
    visible = selectors.invoices_for(request.actor)
    chosen = selectors.filtered(visible, **criteria)  # type: ignore[arg-type]
    page = Paginator(chosen, PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": _rows(list(page.object_list)),
        "totals": selectors.totals_of(chosen),
        "accounts": selectors.accounts_overview(request.actor, visible),
        "statuses": selectors.STATUSES,
        "query": request.GET.urlencode(),
        "filters": _without_page(request),
    }
    return render(request, "invoicing/invoices.html", context)


@never_cache
@login_required
def mine(request: LoggedInRequest) -> HttpResponse:
    """A member's own private invoices (split bill, F-64), to download and pay; under /me/, so a
    phone-number login has them too (R-I5)."""
    if not request.actor.number_login_allows(NUMBER_LOGIN_INVOICES):
        raise Http404
    own = selectors.my_invoices(request.actor)
    page = Paginator(own, PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": _rows(list(page.object_list)),
        "totals": selectors.totals_of(own),
        "statuses": selectors.STATUSES,
    }
    return render(request, "invoicing/mine.html", context)


@login_required
def export(request: LoggedInRequest) -> HttpResponseBase:
    if not selectors.sees_account_invoices(request.actor):
        return redirect("me_invoices")
    _form, criteria = _filter(request)
    result = exports.invoices_export(actor=request.actor, criteria=criteria)
    response = StreamingHttpResponse(result.body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


def _file(document: FieldFile, filename: str, content_type: str) -> FileResponse:
    response = FileResponse(document.open("rb"), as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@login_required
def download(request: LoggedInRequest, invoice_id: int, kind: str) -> HttpResponseBase:
    """The invoice's stored PDF or UBL e-invoice, to whoever sees the invoice (else 404)."""
    invoice = invoice_render(selectors.invoice_for(request.actor, invoice_id))
    document = invoice.pdf if kind == "pdf" else invoice.ubl
    extension = "pdf" if kind == "pdf" else "xml"
    return _file(document, f"{invoice.number}.{extension}", CONTENT_TYPES[kind])


@require_http_methods(["GET", "POST"])
@login_required
def account(request: LoggedInRequest, account_id: int) -> HttpResponse:
    """How the account pays: bank transfer, or a direct debit mandate signed here."""
    billing_account = selectors.account_for(request.actor, account_id)
    form = MandateForm(request.POST if request.POST.get("mode") == "direct_debit" else None)
    if request.method == "POST":
        try:
            if request.POST.get("mode") == "transfer":
                payment_mode_transfer(actor=request.actor, account=billing_account)
                messages.success(request, _("The account is paid by bank transfer from now on."))
                return redirect("invoicing:account", billing_account.pk)
            if form.is_valid():
                mandate = mandate_request(actor=request.actor, account=billing_account, **_mandate_fields(form))
                messages.success(
                    request, _("Direct debit mandate %(reference)s is signed.") % {"reference": mandate.reference}
                )
                return redirect("invoicing:account", billing_account.pk)
        except ActionError as exc:
            form_error(form, exc)
    mandates = selectors.mandates_for(request.actor).filter(account=billing_account)
    visible = selectors.invoices_for(request.actor).filter(billing_account=billing_account)
    context = {
        "account": billing_account,
        "form": form,
        "mandates": mandates,
        "balance": selectors.totals_of(visible).balance,
    }
    return render(request, "invoicing/account.html", context, status=200)


def _mandate_fields(form: MandateForm) -> dict[str, str]:
    return {name: form.cleaned_data[name] for name in ("iban", "bic", "holder_name")}


@require_POST
@login_required
def send(request: LoggedInRequest, invoice_id: int) -> HttpResponse:
    """E-mail the invoice again to its delivery address."""
    invoice = selectors.invoice_for(request.actor, invoice_id)
    try:
        message = invoice_send(actor=request.actor, invoice=invoice)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("Invoice %(number)s is sent to %(to)s.") % {"number": invoice.number, "to": message.recipient}
        )
    return redirect("invoicing:invoices")

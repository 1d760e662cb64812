"""The pages of online payment (F-62, F-64): the "Pay" button's POST, the page the payer comes
back to, the providers' webhook, the built-in test provider's checkout, and the staff list of
refund cases and provider calls."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from fleetportal.accounts.decorators import staff_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest

from . import actions
from .forms import TestCheckoutForm
from .models import Payment, TestCheckout
from .providers import test as test_provider
from .selectors import invoice_to_pay, payment_for, payments_for, provider_calls, refund_cases

LOG_PAGE = 50
# How each refusal of a webhook call answers: a provider retries what is not a 2xx, which is
# what an id it sent before we stored it (a race at the start) or an outage of its API needs.
WEBHOOK_STATUS = {"bad_request": 400, "not_found": 404, "provider_unavailable": 503}


def _back(request: HttpRequest) -> str:
    """Where a refused "Pay" returns: the page the button was on (`next` or the Referer)."""
    for target in (request.POST.get("next"), request.headers.get("Referer")):
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
    return "/"


@never_cache
@login_required
def invoice_page(request: LoggedInRequest, invoice_id: int) -> HttpResponse:
    """The pay page of one invoice: its balance, its payments so far and the "Pay" button."""
    invoice = invoice_to_pay(request.actor, invoice_id)
    payments = payments_for(request.actor).filter(invoice=invoice)
    return render(request, "payments/invoice.html", {"invoice": invoice, "payments": payments})


@require_POST
@login_required
def pay(request: LoggedInRequest, invoice_id: int) -> HttpResponse:
    """Start paying the invoice's balance and go to the provider's checkout; with a payment
    under way already (the payer left its checkout), go back to that checkout instead."""
    invoice = invoice_to_pay(request.actor, invoice_id)
    try:
        payment = actions.payment_start(actor=request.actor, invoice=invoice)
    except ActionError as exc:
        under_way = payments_for(request.actor).filter(invoice=invoice, status=Payment.Status.OPEN).first()
        if exc.code == "payment_open" and under_way is not None and under_way.checkout_url:
            return redirect(under_way.checkout_url)
        messages.error(request, str(exc.message))
        return redirect(_back(request))
    return redirect(payment.checkout_url)


@never_cache
@login_required
def payment_return(request: LoggedInRequest, payment_id: int) -> HttpResponse:
    """The payer is back from the checkout: the payment's outcome and the invoice's balance."""
    payment = actions.payment_refresh(actor=request.actor, payment=payment_for(request.actor, payment_id))
    payment.invoice.refresh_from_db()
    return render(request, "payments/return.html", {"payment": payment, "invoice": payment.invoice})


def receive(provider: str, body: QueryDict) -> HttpResponse:
    """A provider's call, whoever brings it: the webhook view and the test provider's checkout.
    The body is used for the id alone; the state is re-fetched from the provider."""
    try:
        call = actions.payment_webhook(provider=provider, provider_id=body.get("id", ""))
    except ActionError as exc:
        return HttpResponse(str(exc.message), status=WEBHOOK_STATUS.get(exc.code, 400), content_type="text/plain")
    return HttpResponse(call.get_outcome_display(), content_type="text/plain")


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """POST `id=…` (form-encoded, as Mollie sends it). 200 once the state is applied (or was
    known), 404 for an unknown payment, 400 without an id, 503 while the provider is down."""
    return receive(provider, request.POST)


@never_cache
@require_http_methods(["GET", "POST"])
def test_checkout(request: HttpRequest, token: str) -> HttpResponse:
    """The test provider's checkout page (the provider's side: its secret address is the key):
    choose a method and succeed, fail or cancel; the provider then calls the webhook and sends
    the payer back to the portal."""
    if not test_provider.enabled():
        raise Http404
    row = get_object_or_404(TestCheckout, token=token)
    form = TestCheckoutForm(request.POST or None)
    if row.status != Payment.Status.OPEN:
        return redirect(row.redirect_url)
    if request.method == "POST" and form.is_valid():
        if test_provider.settle(row, outcome=form.cleaned_data["outcome"], method=form.cleaned_data["method"]):
            receive(test_provider.TestProvider.name, QueryDict(urlencode({"id": row.provider_id})))
        return redirect(row.redirect_url)
    return render(request, "payments/test_checkout.html", {"checkout": row, "form": form})


@never_cache
@staff_required
def staff_payments(request: LoggedInRequest) -> HttpResponse:
    """Refund cases (a payment confirmed for an invoice paid already) and the provider calls."""
    calls = Paginator(provider_calls(request.actor), LOG_PAGE).get_page(request.GET.get("page"))
    return render(request, "payments/staff.html", {"refunds": refund_cases(request.actor), "page": calls})


@require_POST
@staff_required
def refund_done(request: LoggedInRequest, payment_id: int) -> HttpResponse:
    payment = payment_for(request.actor, payment_id)
    try:
        actions.payment_refund_done(actor=request.actor, payment=payment)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The refund of payment %(payment)s is recorded.") % {"payment": payment})
    return redirect("payments:staff")

"""Operator staff pages (F-93): the back office's home, customers and their contracts
(add, edit, suspend, reinstate), and the outbox's dead letters. Catalogue prices are in
`views_catalog`, the number pool and SIM stock in `views_stock`.

Every page is for staff; a support agent reads, an operator admin also changes (the actions
refuse an agent, and the pages hide what an agent may not use)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fleetportal.accounts.decorators import staff_required
from fleetportal.accounts.models import CustomerSuspension
from fleetportal.accounts.selectors import holder_of
from fleetportal.billing.models import BillingAccount
from fleetportal.core import delivery
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.navigation import menu_for
from fleetportal.core.views import form_error
from fleetportal.fleet.models import PoolNumber, SimCard

from . import selectors
from .actions import (
    CustomerChange,
    NewCustomer,
    customer_onboard,
    customer_reinstate,
    customer_suspend,
    customer_update,
    dead_letter_redeliver,
)
from .forms import CustomerEditForm, CustomerFilterForm, CustomerForm, SuspendForm
from .pages import operator_admin_required, paged, refused


@staff_required
@require_GET
def staff_home(request: LoggedInRequest) -> HttpResponse:
    """Where staff start: what their role may use, a few figures, and the other apps' staff
    pages (ticket queue, invoice runs, …) as those apps register them in the navigation."""
    actor = request.actor
    figures = {
        "customers": selectors.customers_for(actor).count(),
        "suspended": CustomerSuspension.objects.count(),
        "free_numbers": selectors.pool_numbers_for(actor, status=PoolNumber.Status.FREE).count(),
        "shared_sims": selectors.sim_stock_for(actor, owner="shared", status=SimCard.Status.BLANK).count(),
    }
    linked = {reverse("audit_log")}  # the home's own tile
    others = [e for e in menu_for(actor) if not e.key.startswith("backoffice.") and e.href not in linked]
    return render(
        request,
        "backoffice/home.html",
        {"figures": figures, "others": others, "admin": actor.is_operator_admin, "role": actor.staff_role},
    )


@staff_required
@require_GET
def customers(request: LoggedInRequest) -> HttpResponse:
    form = CustomerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.customers_for(
        request.actor,
        search=filters.get("q", ""),
        status=filters.get("status", ""),
        country=filters.get("country", ""),
        language=filters.get("language", ""),
    )
    page, query = paged(request, rows)
    context = {"form": form, "page": page, "query": query, "admin": request.actor.is_operator_admin}
    return render(request, "backoffice/customers.html", context)


@operator_admin_required
@require_http_methods(["GET", "POST"])
def customer_new(request: LoggedInRequest) -> HttpResponse:
    """Add a customer; its contract holder gets the e-mail to create the login (F-04, F-93)."""
    form = CustomerForm(request.POST or None, initial={"language": "nl"})
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_onboard(actor=request.actor, new=NewCustomer(**form.cleaned_data))
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s was added; the contract holder was invited by e-mail.") % {"name": customer.name}
            )
            return redirect("staff_customer", pk=customer.pk)
    return render(request, "backoffice/customer_new.html", {"form": form})


def _customer_page(request: LoggedInRequest, pk: int, **forms: Any) -> HttpResponse:
    actor = request.actor
    customer = selectors.customer_for(actor, pk)
    contracts = customer.contracts.annotate(
        plan_count=Count("plans", distinct=True), line_count=Count("billing_accounts__lines", distinct=True)
    )
    context = {
        "customer": customer,
        "suspension": getattr(customer, "suspension", None),
        "contracts": contracts,
        "billing_accounts": BillingAccount.objects.filter(customer=customer).order_by("number"),
        "holder": holder_of(customer),
        "admin": actor.is_operator_admin,
        "customer_form": forms.get("customer_form") or CustomerEditForm.of(customer),
        "suspend_form": forms.get("suspend_form") or SuspendForm(prefix="suspend"),
        "lines": customer.lines.aggregate(total=Count("pk"), live=Count("pk", filter=~Q(status="stopped"))),
    }
    return render(request, "backoffice/customer.html", context)


@staff_required
@require_GET
def customer_detail(request: LoggedInRequest, pk: int) -> HttpResponse:
    return _customer_page(request, pk)


@require_POST
@staff_required
def customer_edit(request: LoggedInRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for(request.actor, pk)
    form = CustomerEditForm(request.POST, prefix="customer")
    if form.is_valid():
        change = CustomerChange(**{f.name: form.cleaned_data[f.name] for f in fields(CustomerChange)})
        try:
            customer_update(actor=request.actor, customer=customer, change=change)
        except PermissionDeniedError as exc:
            return refused(request, exc)
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The customer's details were saved."))
            return redirect("staff_customer", pk=pk)
    return _customer_page(request, pk, customer_form=form)


@require_POST
@staff_required
def customer_suspend_view(request: LoggedInRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for(request.actor, pk)
    form = SuspendForm(request.POST, prefix="suspend")
    if form.is_valid():
        try:
            customer_suspend(actor=request.actor, customer=customer, reason=form.cleaned_data["reason"])
        except PermissionDeniedError as exc:
            return refused(request, exc)
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s is suspended: its logins and API keys no longer work.") % {"name": customer.name}
            )
            return redirect("staff_customer", pk=pk)
    return _customer_page(request, pk, suspend_form=form)


@require_POST
@staff_required
def customer_reinstate_view(request: LoggedInRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for(request.actor, pk)
    try:
        customer_reinstate(actor=request.actor, customer=customer)
    except PermissionDeniedError as exc:
        return refused(request, exc)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(name)s is reinstated: its logins work again.") % {"name": customer.name})
    return redirect("staff_customer", pk=pk)


@staff_required
def staff_dead_letters(request: LoggedInRequest) -> HttpResponse:
    """Every channel's messages that failed for good (e-mail, SMS, network, event consumers)."""
    return render(request, "backoffice/dead_letters.html", {"dead": delivery.dead_rows()})


@require_POST
@staff_required
def staff_dead_letter_redeliver(request: LoggedInRequest, channel: str, pk: int) -> HttpResponse:
    try:
        dead_letter_redeliver(actor=request.actor, channel=channel, pk=pk)
    except (ActionError, KeyError):
        messages.error(request, _("This message cannot be sent again from here."))
    else:
        messages.success(request, _("The message will be sent again."))
    return redirect("staff_dead_letters")

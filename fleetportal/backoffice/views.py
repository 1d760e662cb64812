"""Operator staff pages (F-93): customers and their logins; later issues add the rest."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fleetportal.accounts.decorators import staff_required
from fleetportal.core import delivery
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.models import Customer
from fleetportal.core.views import form_error

from .actions import NewCustomer, customer_onboard, dead_letter_redeliver
from .forms import CustomerForm


@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:100]
    customers = Customer.objects.annotate(logins=Count("memberships"))
    if search:
        customers = customers.filter(Q(name__icontains=search) | Q(vat_number__icontains=search))
    page = Paginator(customers.order_by("name"), 50).get_page(request.GET.get("page"))
    return render(request, "backoffice/home.html", {"page": page, "q": search})


@staff_required
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
            return redirect("staff_home")
    return render(request, "backoffice/customer_new.html", {"form": form})


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

"""The blank SIM order pages (F-71) at /orders/: the customer's orders, the order form and an
order's page (its status, expected date, address and, once delivered, its cards), for managers
with the fleet right; staff open an order's page too (they ship to its address). Staff's
fulfilment page at /orders/staff/, where any staff member marks orders shipped or delivered
(the periodic job does it on the planned days otherwise)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fleetportal.accounts.decorators import manager_required, staff_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from . import actions, selectors
from .forms import OrderForm
from .models import SimOrder
from .policy import FLEET

PAGE_SIZE = 50


def _page(request: LoggedInRequest, rows: object) -> object:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]


@manager_required(FLEET)
@require_GET
def order_list(request: LoggedInRequest) -> HttpResponse:
    return render(request, "simorders/list.html", {"page": _page(request, selectors.orders_for(request.actor))})


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def order_new(request: LoggedInRequest) -> HttpResponse:
    actor = request.actor
    form = OrderForm(request.POST if request.method == "POST" else None, initial=selectors.address_initial(actor))
    if form.is_bound and form.is_valid():
        try:
            order = actions.sim_order_create(actor=actor, **form.cleaned_data)
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("Your order of %(count)s SIM cards is placed: expected on %(date)s.")
                % {"count": order.quantity, "date": order.expected_on.strftime("%d/%m/%Y")},
            )
            return redirect("simorders:detail", order_id=order.pk)
    return render(request, "simorders/new.html", {"form": form})


@manager_required(FLEET, staff=True)
@require_GET
def order_detail(request: LoggedInRequest, order_id: int) -> HttpResponse:
    order = selectors.order_for(request.actor, order_id)
    context = {"order": order, "cards": selectors.cards_of(order), "staff": request.actor.is_staff}
    return render(request, "simorders/order.html", context)


@staff_required
@require_GET
def staff_orders(request: LoggedInRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in SimOrder.Status.values:
        status = ""
    orders = selectors.orders_for(request.actor, status=status)
    context = {"page": _page(request, orders), "status": status, "statuses": SimOrder.Status.choices}
    return render(request, "simorders/staff.html", context)


@staff_required
@require_POST
def staff_advance(request: LoggedInRequest, order_id: int) -> HttpResponse:
    """Mark the order shipped (`step=ship`) or delivered (`step=deliver`)."""
    order = selectors.order_for(request.actor, order_id)
    step = actions.sim_order_deliver if request.POST.get("step") == "deliver" else actions.sim_order_ship
    try:
        done = step(actor=request.actor, order=order)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("Order #%(id)s is now %(status)s.") % {"id": done.pk, "status": done.get_status_display()}
        )
    return redirect("simorders:staff")

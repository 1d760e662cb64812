"""The webhooks pages (F-92): the endpoints with a form to add one (its secret shown once),
and one endpoint's settings, secret rotation and delivery log with "resend"."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fleetportal.accounts.decorators import manager_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from . import actions
from .forms import EndpointForm
from .models import Endpoint
from .policy import FLEET
from .selectors import deliveries_of, delivery_for, endpoint_for, endpoints_for

LOG_PAGE = 50


def _no_store(response: HttpResponse) -> HttpResponse:
    """A page that may show a secret is never cached."""
    response["Cache-Control"] = "no-store"
    return response


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def webhooks_page(request: LoggedInRequest) -> HttpResponse:
    actor = request.actor
    form = EndpointForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = actions.endpoint_create(actor=actor, **form.cleaned_data)
        except ActionError as exc:
            form_error(form, exc)
        else:
            form = EndpointForm()
    context = {"endpoints": endpoints_for(actor), "form": form, "created": created, "secret": secret}
    return _no_store(render(request, "webhooks/endpoints.html", context))


def _endpoint_page(
    request: LoggedInRequest, endpoint: Endpoint, form: EndpointForm | None = None, secret: str | None = None
) -> HttpResponse:
    initial = {name: getattr(endpoint, name) for name in ("url", "description", "events", "active")}
    log = Paginator(deliveries_of(request.actor, endpoint), LOG_PAGE).get_page(request.GET.get("page"))
    context = {"endpoint": endpoint, "form": form or EndpointForm(initial=initial), "page": log, "secret": secret}
    return _no_store(render(request, "webhooks/endpoint.html", context))


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def endpoint_page(request: LoggedInRequest, endpoint_id: int) -> HttpResponse:
    endpoint = endpoint_for(request.actor, endpoint_id)
    if request.method != "POST":
        return _endpoint_page(request, endpoint)
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            actions.endpoint_update(actor=request.actor, endpoint=endpoint, **form.cleaned_data)
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The endpoint was saved."))
            return redirect("webhook_endpoint", endpoint.pk)
    return _endpoint_page(request, endpoint, form)


@require_POST
@manager_required(FLEET)
def endpoint_rotate(request: LoggedInRequest, endpoint_id: int) -> HttpResponse:
    endpoint = endpoint_for(request.actor, endpoint_id)
    try:
        secret = actions.endpoint_rotate_secret(actor=request.actor, endpoint=endpoint)
    except ActionError as exc:
        messages.error(request, str(exc.message))
        return redirect("webhook_endpoint", endpoint.pk)
    return _endpoint_page(request, endpoint, secret=secret)


@require_POST
@manager_required(FLEET)
def endpoint_delete(request: LoggedInRequest, endpoint_id: int) -> HttpResponse:
    endpoint = endpoint_for(request.actor, endpoint_id)
    try:
        actions.endpoint_delete(actor=request.actor, endpoint=endpoint)
    except ActionError as exc:
        messages.error(request, str(exc.message))
        return redirect("webhook_endpoint", endpoint.pk)
    messages.success(request, _("The endpoint %(url)s was removed.") % {"url": endpoint.url})
    return redirect("webhooks")


@require_POST
@manager_required(FLEET)
def delivery_resend(request: LoggedInRequest, endpoint_id: int, delivery_id: int) -> HttpResponse:
    endpoint = endpoint_for(request.actor, endpoint_id)
    row = delivery_for(request.actor, endpoint, delivery_id)
    try:
        actions.delivery_resend(actor=request.actor, row=row)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The event %(event)s will be sent again.") % {"event": row.event_name})
    return redirect("webhook_endpoint", endpoint.pk)

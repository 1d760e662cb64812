"""The back office's single sign-on pages (F-11): the registered client apps with a form to
register one (its secret shown once), and one app's details with secret rotation and removal.
Operator staff with the operator admin role only; anyone else gets a 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from oauth2_provider.models import Application

from fleetportal.accounts.decorators import staff_required
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from . import actions
from .forms import ClientForm
from .selectors import client_for, clients_for

View = Callable[..., HttpResponse]


def _admin_page(view: View) -> View:
    @staff_required
    @wraps(view)
    def wrapped(request: LoggedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            actions.require_operator_admin(request.actor)
        except PermissionDeniedError as error:
            return render(request, "backoffice/refused.html", {"message": error.message}, status=403)
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"  # a page that may show a secret is never cached
        return response

    return wrapped


def _client_page(request: LoggedInRequest, client: Application, secret: str | None = None) -> HttpResponse:
    return render(request, "sso/client.html", {"client": client, "secret": secret})


@require_http_methods(["GET", "POST"])
@_admin_page
def clients_page(request: LoggedInRequest) -> HttpResponse:
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client, secret = actions.client_create(actor=request.actor, **form.cleaned_data)
        except ActionError as exc:
            form_error(form, exc)
        else:
            return _client_page(request, client, secret)
    return render(request, "sso/clients.html", {"clients": clients_for(request.actor), "form": form})


@require_http_methods(["GET"])
@_admin_page
def client_page(request: LoggedInRequest, client_id: int) -> HttpResponse:
    return _client_page(request, client_for(request.actor, client_id))


@require_POST
@_admin_page
def client_rotate(request: LoggedInRequest, client_id: int) -> HttpResponse:
    client = client_for(request.actor, client_id)
    secret = actions.client_rotate_secret(actor=request.actor, client=client)
    return _client_page(request, client, secret)


@require_POST
@_admin_page
def client_delete(request: LoggedInRequest, client_id: int) -> HttpResponse:
    client = client_for(request.actor, client_id)
    actions.client_delete(actor=request.actor, client=client)
    messages.success(request, _("The app %(name)s was removed.") % {"name": client.name})
    return redirect("sso_clients")

"""The managers' "API keys" page (F-91): list, create (the key shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from . import api_keys
from .decorators import manager_required
from .forms_api_keys import ApiKeyForm
from .models import ApiKey
from .policy import USERS
from .selectors import api_keys_for


def _rows(keys: QuerySet[ApiKey]) -> list[tuple[ApiKey, list[str]]]:
    labels = dict(ApiKey.Scope.choices)
    return [(key, [str(labels.get(s, s)) for s in key.scopes]) for key in keys.select_related("created_by")]


@manager_required(USERS)
@require_http_methods(["GET", "POST"])
def api_keys_page(request: LoggedInRequest) -> HttpResponse:
    """The key's plaintext is in this one response only; it is not kept anywhere to show again."""
    actor = request.actor
    form = ApiKeyForm(request.POST or None)
    created = plaintext = None
    if request.method == "POST" and form.is_valid():
        try:
            created, plaintext = api_keys.api_key_create(
                actor=actor, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            form = ApiKeyForm()
    response = render(
        request,
        "api/keys.html",
        {"keys": _rows(api_keys_for(actor)), "form": form, "created": created, "plaintext": plaintext},
    )
    response["Cache-Control"] = "no-store"
    return response


@manager_required(USERS)
@require_http_methods(["GET", "POST"])
def api_key_revoke(request: LoggedInRequest, key_id: int) -> HttpResponse:
    """GET asks to confirm, POST revokes."""
    actor = request.actor
    key = get_object_or_404(api_keys_for(actor), pk=key_id)
    if request.method == "POST":
        try:
            api_keys.api_key_revoke(actor=actor, api_key=key)
        except ActionError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The key %(name)s was revoked; it no longer works.") % {"name": key.name})
        return redirect("api_keys")
    return render(request, "api/key_revoke.html", {"key": key})

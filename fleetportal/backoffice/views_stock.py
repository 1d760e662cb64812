"""The number pool and the SIM stock (F-93): lists with search and filters for staff, imports
for an operator admin (`actions_stock`); and the operator's own side: its staff logins' roles
and staff API keys, an operator admin's."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fleetportal.accounts.decorators import staff_required
from fleetportal.accounts.staff_keys import staff_api_key_create, staff_api_key_revoke
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from . import selectors
from .actions import staff_role_set
from .actions_stock import SimRowsRefused, pool_import_range, sim_stock_import
from .forms import PoolFilterForm, PoolImportForm, SimFilterForm, SimImportForm, StaffKeyForm, StaffRoleForm
from .pages import operator_admin_required, paged


@staff_required
@require_GET
def pool(request: LoggedInRequest) -> HttpResponse:
    form = PoolFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.pool_numbers_for(request.actor, search=filters.get("q", ""), status=filters.get("status", ""))
    page, query = paged(request, rows)
    context = {"form": form, "page": page, "query": query, "admin": request.actor.is_operator_admin}
    return render(request, "backoffice/pool.html", context)


@operator_admin_required
@require_http_methods(["GET", "POST"])
def pool_import(request: LoggedInRequest) -> HttpResponse:
    form = PoolImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = pool_import_range(actor=request.actor, **form.cleaned_data)
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("%(created)s numbers were added to the pool; %(skipped)s were there already and were skipped.")
                % {"created": result.created, "skipped": result.skipped},
            )
            return redirect("staff_pool")
    return render(request, "backoffice/pool_import.html", {"form": form})


@staff_required
@require_GET
def sims(request: LoggedInRequest) -> HttpResponse:
    form = SimFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.sim_stock_for(
        request.actor,
        search=filters.get("q", ""),
        owner=filters.get("owner", ""),
        customer=filters.get("customer", ""),
        status=filters.get("status", ""),
        kind=filters.get("kind", ""),
    )
    page, query = paged(request, rows)
    context = {"form": form, "page": page, "query": query, "admin": request.actor.is_operator_admin}
    return render(request, "backoffice/sims.html", context)


@operator_admin_required
@require_http_methods(["GET", "POST"])
def sims_import(request: LoggedInRequest) -> HttpResponse:
    """A supplier's CSV batch: all or nothing, every bad row listed with its number."""
    form = SimImportForm(request.POST or None, request.FILES or None)
    refused_rows = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = sim_stock_import(actor=request.actor, content=upload.read(), customer=form.cleaned_data["customer"])
        except SimRowsRefused as exc:
            refused_rows = exc.rows
            form.add_error("file", _("%(count)s rows are refused; nothing was imported.") % {"count": len(exc.rows)})
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(count)s SIM cards were added to the stock.") % {"count": count})
            return redirect("staff_sims")
    return render(request, "backoffice/sims_import.html", {"form": form, "refused_rows": refused_rows})


@operator_admin_required
@require_http_methods(["GET", "POST"])
def staff_keys(request: LoggedInRequest) -> HttpResponse:
    """Staff API keys: made and revoked by an operator admin; the plaintext is shown once."""
    form = StaffKeyForm(request.POST or None)
    plaintext = None
    if request.method == "POST" and form.is_valid():
        try:
            _key, plaintext = staff_api_key_create(actor=request.actor, **form.cleaned_data)
        except ActionError as exc:
            form_error(form, exc)
        else:
            form = StaffKeyForm()
    context = {"form": form, "plaintext": plaintext, "keys": selectors.staff_keys_for(request.actor)}
    return render(request, "backoffice/staff_keys.html", context)


@require_POST
@operator_admin_required
def staff_key_revoke(request: LoggedInRequest, pk: int) -> HttpResponse:
    key = selectors.staff_keys_for(request.actor).filter(pk=pk).first()
    if key is None:
        messages.error(request, _("This key does not exist."))
    else:
        try:
            staff_api_key_revoke(actor=request.actor, key=key)
        except ActionError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("The key was revoked."))
    return redirect("staff_keys")


@operator_admin_required
@require_GET
def staff_team(request: LoggedInRequest) -> HttpResponse:
    """The operator's staff logins and their roles."""
    team = selectors.staff_logins_for(request.actor)
    rows = [(user, StaffRoleForm(initial={"role": user.staff_role}, auto_id=f"id_{user.pk}_%s")) for user in team]
    return render(request, "backoffice/staff_team.html", {"rows": rows})


@require_POST
@operator_admin_required
def staff_team_role(request: LoggedInRequest, pk: int) -> HttpResponse:
    user = selectors.staff_logins_for(request.actor).filter(pk=pk).first()
    form = StaffRoleForm(request.POST)
    if user is None:
        messages.error(request, _("This staff login does not exist."))
    elif not form.is_valid():
        messages.error(request, _("Choose support agent or operator admin."))
    else:
        try:
            staff_role_set(actor=request.actor, user=user, role=form.cleaned_data["role"])
        except ActionError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request, _("%(email)s is now: %(role)s.") % {"email": user.email, "role": user.get_staff_role_display()}
            )
    return redirect("staff_team")

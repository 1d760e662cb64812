"""The Manage SIM page (F-27): tabs user details, address, products, blocks and PayByMobile
limit (F-40..F-42, `controls`) and more; from the user details tab, resending an eSIM's
activation e-mail (F-23).

User details are the manager's to edit only until the employee confirmed them (R-F1); the
action refuses it then, and the page shows them read-only with the date of the confirmation.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fleetportal.accounts.decorators import manager_required
from fleetportal.core.audit_display import changes
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.selectors import audit_events_for
from fleetportal.core.views import form_error

from .. import selectors
from ..actions import TooManyResends, esim_resend_activation, line_update_details
from ..actions.details import ADDRESS_FIELDS, PERSONAL_FIELDS
from ..forms import AddressForm, EsimResendForm, UserDetailsForm
from ..models import Line, SimCard
from ..policy import FLEET
from . import controls
from .selection import posted_version

TABS = [
    ("details", gettext_lazy("User details")),
    ("address", gettext_lazy("Address")),
    ("products", gettext_lazy("Products")),
    *controls.TABS,
    ("more", gettext_lazy("More")),
]
TAB_KEYS = [key for key, _label in TABS]
HISTORY_SIZE = 50
EDITABLE = {"details": (UserDetailsForm, PERSONAL_FIELDS), "address": (AddressForm, ADDRESS_FIELDS)}


def details_initial(line: Line, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(line, name) for name in names}


def _tab_context(request: LoggedInRequest, line: Line, tab: str) -> dict[str, Any]:
    actor = request.actor
    if tab == "products":
        return {"options": list(line.options.all()), "tags": list(line.tags.all())}
    if tab == "more":
        events = audit_events_for(actor).filter(object_type="line", object_id=str(line.pk))[:HISTORY_SIZE]
        return {
            # Only what changed: an empty field before and after says nothing.
            "history": [(event, [row for row in changes(event) if row[1] != row[2]]) for event in events],
            "scheduled": list(selectors.scheduled_changes_for(actor, line=line)),
            "network_requests": selectors.requests_for(actor, line.pk, limit=20),
        }
    return {}


def _esim_resendable(line: Line) -> bool:
    """Whether to offer the resend button; the action checks the same rules again."""
    return line.sim is not None and line.sim.kind == SimCard.Kind.ESIM and line.status != Line.Status.STOPPED


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def fleet_line(request: LoggedInRequest, line_id: int) -> HttpResponse:
    actor = request.actor
    line = selectors.line_for(actor, line_id)
    tab = request.GET.get("tab", "details")
    tab = tab if tab in TAB_KEYS else "details"
    form: forms.Form | None = None
    saved = False
    if tab in EDITABLE:
        form_class, names = EDITABLE[tab]
        form = form_class(request.POST or None, initial=details_initial(line, names))
        if request.method == "POST" and form.is_valid():
            try:
                line_update_details(actor=actor, line=line, version=posted_version(request), **form.cleaned_data)
            except ActionError as exc:
                form_error(form, exc)
            else:
                saved = True
    elif tab in dict(controls.TABS):
        form, saved = controls.control_form(request, line, tab)
    if saved:
        messages.success(request, _("The changes were saved."))
        return redirect(f"{reverse('fleet_line', args=[line.pk])}?tab={tab}")
    context = {
        "line": line,
        "tab": tab,
        "tabs": TABS,
        "form": form,
        "confirmed": line.details_confirmed_at is not None,
        "esim_resend": _esim_resendable(line),
        "page_url": request.get_full_path(),
        "blocks": controls.blocks_of(line),
        **_tab_context(request, line, tab),
    }
    return render(request, "fleet/line.html", context)


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def fleet_esim_resend(request: LoggedInRequest, line_id: int) -> HttpResponse:
    """Send an eSIM's activation e-mail again (F-23). The details tab posts here; a refusal
    shows on this page's form (429 over the resend limit)."""
    actor = request.actor
    line = selectors.line_for(actor, line_id)
    form = EsimResendForm(request.POST or None)
    status = 200
    if form.is_bound and form.is_valid():
        try:
            message = esim_resend_activation(actor=actor, line=line, email=form.cleaned_data["email"])
        except ActionError as exc:
            form_error(form, exc)
            status = 429 if isinstance(exc, TooManyResends) else 200
        else:
            messages.success(request, _("The activation e-mail was sent to %(email)s.") % {"email": message.recipient})
            return redirect(f"{reverse('fleet_line', args=[line.pk])}?tab=details")
    return render(request, "fleet/esim_resend.html", {"line": line, "form": form}, status=status)

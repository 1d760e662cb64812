"""Pages of the network app: retry a line's failed change (R4) and the operator's view of the
network, with the simulator's rules (back office)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fleetportal.accounts.decorators import manager_required, staff_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from . import actions, selectors
from .forms import SimulatorRuleForm


def _back(request: LoggedInRequest) -> str:
    """The page the retry button was on (the snippet sends it), else home."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@require_POST
@manager_required("fleet", staff=True)
def network_retry(request: LoggedInRequest, line_id: int) -> HttpResponse:
    line = selectors.line_for(request.actor, line_id)
    try:
        actions.provisioning_retry(actor=request.actor, line=line)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The change was sent to the network again."))
    return redirect(_back(request))


@staff_required
@require_http_methods(["GET", "POST"])
def staff_network(request: LoggedInRequest) -> HttpResponse:
    """Requests still waiting or failed, and the simulator's rules (fail / time out)."""
    form = SimulatorRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.simulator_rule_add(actor=request.actor, **form.cleaned_data)
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The simulator rule was added."))
            return redirect("staff_network")
    context = {
        "form": form,
        "requests": selectors.open_and_failed_requests(request.actor),
        "rules": selectors.simulator_rules(request.actor),
    }
    return render(request, "network/staff_network.html", context)


@require_POST
@staff_required
def staff_network_rule_delete(request: LoggedInRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(selectors.simulator_rules(request.actor), pk=rule_id)
    actions.simulator_rule_delete(actor=request.actor, rule=rule)
    messages.success(request, _("The simulator rule was removed."))
    return redirect("staff_network")

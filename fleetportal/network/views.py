"""The operator's view of the network, with the simulator's rules (back office)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fleetportal.accounts.decorators import staff_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from . import actions, selectors
from .forms import SimulatorRuleForm


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

"""The usage rule pages (issue 7, go beyond): the customer's rules, a rule's form with what it
did (its firings), creating and deleting one, and the alerts recently sent (F-42, F-43).

Managers with the fleet right only; anyone else gets 403, another customer's rule a 404. The
pages call the same actions as the API (`actions_rules`), so the refusals are the same.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fleetportal.accounts.decorators import manager_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from . import actions_rules, selectors
from .forms import RuleForm
from .models import UsageRule
from .policy import FLEET

FIRINGS_SHOWN = 200


def _form(request: LoggedInRequest, rule: UsageRule | None = None) -> RuleForm:
    pools, tags = selectors.rule_targets(request.actor)
    data = request.POST if request.method == "POST" else None
    initial = RuleForm.initial_of(rule) if rule is not None else {"target": UsageRule.Target.COMPANY, "active": True}
    return RuleForm(data, pools=pools, tags=tags, initial=initial)


@manager_required(FLEET)
@require_GET
def rule_list(request: LoggedInRequest) -> HttpResponse:
    return render(request, "alerts/rules.html", {"rules": selectors.rules_for(request.actor)})


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def rule_new(request: LoggedInRequest) -> HttpResponse:
    form = _form(request)
    if form.is_bound and form.is_valid():
        try:
            rule = actions_rules.rule_create(
                actor=request.actor, customer=request.actor.tenant, data=form.rule_input(request.actor)
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The rule %(name)s is saved.") % {"name": rule.name})
            return redirect("alerts:detail", rule_id=rule.pk)
    return render(request, "alerts/rule.html", {"form": form, "rule": None})


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def rule_detail(request: LoggedInRequest, rule_id: int) -> HttpResponse:
    """The rule's form and its firings; POST saves the form (a refusal shows on it, as the
    fleet's forms do)."""
    rule = selectors.rule_for(request.actor, rule_id)
    form = _form(request, rule)
    if form.is_bound and form.is_valid():
        try:
            actions_rules.rule_change(actor=request.actor, rule=rule, data=form.rule_input(request.actor))
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The rule %(name)s is saved.") % {"name": form.cleaned_data["name"]})
            return redirect("alerts:detail", rule_id=rule.pk)
    context = {"form": form, "rule": rule, "firings": selectors.firings_of(request.actor, rule)[:FIRINGS_SHOWN]}
    return render(request, "alerts/rule.html", context)


@manager_required(FLEET)
@require_POST
def rule_delete(request: LoggedInRequest, rule_id: int) -> HttpResponse:
    rule = selectors.rule_for(request.actor, rule_id)
    try:
        actions_rules.rule_delete(actor=request.actor, rule=rule)
    except ActionError as exc:
        messages.error(request, str(exc.message))
        return redirect("alerts:detail", rule_id=rule.pk)
    messages.success(request, _("The rule %(name)s is deleted.") % {"name": rule.name})
    return redirect("alerts:list")


@manager_required(FLEET)
@require_GET
def alerts_recent(request: LoggedInRequest) -> HttpResponse:
    """What the alerts sent lately: the members' bundle SMS and the managers' e-mails."""
    actor = request.actor
    context = {
        "bundle_alerts": selectors.bundle_alerts_for(actor)[: selectors.RECENT],
        "cost_alerts": selectors.cost_alerts_for(actor)[: selectors.RECENT],
    }
    return render(request, "alerts/recent.html", context)

"""The Add SIM wizard (F-21): six steps and a summary, as in the seeds, each validated on the
server. What was entered lives in the session (raw form data per step, only once valid) and is
validated again as a whole before `line_add` runs. With htmx a step swaps in place; without,
every step is a plain POST of the same page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from fleetportal.accounts.decorators import manager_required
from fleetportal.billing import selectors as billing_selectors
from fleetportal.catalog.selectors import retained_options, retained_plans
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.phones import display
from fleetportal.core.views import form_error

from .. import selectors
from ..actions import LineDetails, NewNumber, PortIn, line_add
from ..forms import (
    BillingStepForm,
    NumberStepForm,
    PlanStepForm,
    SimStepForm,
    SplitBillStepForm,
    UserDetailsForm,
)
from ..models import Line
from ..policy import FLEET

SESSION_KEY = "fleet_add_wizard"
FREE_NUMBERS_SHOWN = 10


@dataclass(frozen=True)
class Step:
    key: str
    title: Promise  # the step's heading
    label: Promise  # its name in the "steps you followed" list


STEPS = [
    Step("sim", gettext_lazy("Add a SIM card"), gettext_lazy("Configure the SIM card")),
    Step("split", gettext_lazy("Is this a split bill?"), gettext_lazy("Choose a split-bill profile")),
    Step("profile", gettext_lazy("Create a new user profile"), gettext_lazy("User profile")),
    Step("plan", gettext_lazy("Choose a tariff plan"), gettext_lazy("Choose a tariff plan")),
    Step("billing", gettext_lazy("Billing account"), gettext_lazy("Billing account")),
    Step("number", gettext_lazy("Which phone number do you want to use?"), gettext_lazy("Phone number")),
]
KEYS = [step.key for step in STEPS]
SUMMARY = len(STEPS)  # the step index after the last form: the summary

# The field an action error names → the step that asks for it.
FIELD_STEPS = {
    "iccid": "sim",
    "split_bill_profile": "split",
    "plan": "plan",
    "options": "plan",
    "billing_account": "billing",
    "msisdn": "number",
    "donor_operator": "number",
    "donor_account": "number",
    "donor_sim": "number",
    **dict.fromkeys(UserDetailsForm.base_fields, "profile"),
}


def step_form(
    actor: Actor, key: str, data: QueryDict | MultiValueDict | None, initial: dict[str, Any] | None = None
) -> forms.Form:
    """The step's form with the actor's own choices (stock, plans, accounts, numbers)."""
    initial = initial or {}
    if key == "sim":
        return SimStepForm(data, initial=initial)
    if key == "split":
        return SplitBillStepForm(data, initial=initial, profiles=billing_selectors.split_bill_profiles_for(actor))
    if key == "profile":
        return UserDetailsForm(data, initial={"language": actor.tenant.language, **initial})
    if key == "plan":
        return PlanStepForm(data, initial=initial, plans=retained_plans(actor), options=retained_options(actor))
    if key == "billing":
        return BillingStepForm(data, initial=initial, billing_accounts=billing_selectors.billing_accounts_for(actor))
    return NumberStepForm(data, initial=initial, free_numbers=selectors.free_numbers(FREE_NUMBERS_SHOWN))


def replan(actor: Actor, post: QueryDict) -> forms.Form:
    """The plan step after the plan changed: unbound (no errors yet), the options that still
    apply kept ticked, the others shown disabled and "not applicable"."""
    form = step_form(actor, "plan", None, {"plan": post.get("plan", ""), "options": post.getlist("options")})
    widget = form.fields["options"].widget
    form.initial["options"] = [value for value in form.initial["options"] if value not in widget.not_applicable]
    return form


def check_step(actor: Actor, key: str, form: forms.Form) -> bool:
    """Step checks beyond the form: the SIM card must be a blank one the actor may take."""
    if not form.is_valid():
        return False
    if key == "sim":
        iccid = form.cleaned_data["iccid"]
        if not selectors.blank_sims_for(actor).filter(iccid=iccid).exists():
            # The same refusals as the action's (take_blank_sim), told at the first step already.
            in_use = selectors.lines_for(actor).filter(sim__iccid=iccid).exclude(status=Line.Status.STOPPED).exists()
            form.add_error(
                "iccid", _("This SIM card is already in use.") if in_use else _("This SIM card is not in your stock.")
            )
            return False
    return True


# --- the state in the session ---------------------------------------------------------------------


def _fresh() -> dict[str, Any]:
    return {"step": 0, "data": {}}


def _raw(form: forms.Form, post: QueryDict) -> dict[str, list[str]]:
    """The step's own fields from the POST, as lists (multi-value fields keep every value)."""
    names = {form.add_prefix(name) for name in form.fields}
    return {name: post.getlist(name) for name in post if name in names}


def _stored(state: dict[str, Any], key: str) -> MultiValueDict | None:
    data = state["data"].get(key)
    return MultiValueDict(data) if data is not None else None


def _valid_forms(actor: Actor, state: dict[str, Any]) -> tuple[dict[str, forms.Form], str | None]:
    """Every step's form from the session; the key of the first invalid or missing one."""
    built: dict[str, forms.Form] = {}
    for key in KEYS:
        form = step_form(actor, key, _stored(state, key))
        built[key] = form
        if not form.is_bound or not check_step(actor, key, form):
            return built, key
    return built, None


# --- what the sidebar and the summary say -----------------------------------------------------------


def _summary(key: str, form: forms.Form) -> str:
    data = form.cleaned_data
    if key == "sim":
        return data["iccid"]
    if key == "split":
        profile = data.get("profile")
        return _("Split-bill profile: %(name)s") % {"name": profile.name} if profile else _("Split-bill profile: No")
    if key == "profile":
        return f"{data['first_name']} {data['last_name']}"
    if key == "plan":
        options = [item.option.name for item in data.get("options") or []]
        return ", ".join([data["plan"].plan.name, *options])
    if key == "billing":
        return data["billing_account"].number
    if data["choice"] == NumberStepForm.EXISTING:
        return _("Existing number %(number)s from %(operator)s") % {
            "number": display(data["msisdn"]),
            "operator": data["donor_operator"],
        }
    if data.get("new_number"):
        return _("New number %(number)s") % {"number": display(data["new_number"])}
    return _("A new number from the pool")


def _sidebar(actor: Actor, state: dict[str, Any], current: int) -> list[dict[str, Any]]:
    items = []
    for index, step in enumerate(STEPS):
        summary = ""
        done = index < current and step.key in state["data"]
        if done:
            form = step_form(actor, step.key, _stored(state, step.key))
            summary = _summary(step.key, form) if form.is_valid() else ""
        items.append(
            {"index": index, "label": step.label, "done": done, "current": index == current, "summary": summary}
        )
    return items


# --- the page -------------------------------------------------------------------------------------------


def _render(
    request: LoggedInRequest, state: dict[str, Any], form: forms.Form | None, *, summary: list[Any] | None = None
) -> HttpResponse:
    index = state["step"]
    request.session[SESSION_KEY] = state
    step = STEPS[index] if index < SUMMARY else None
    context = {
        "step": step,
        "index": index,
        "number": index + 1,
        "total": SUMMARY,
        "form": form,
        "sidebar": _sidebar(request.actor, state, index),
        "summary": summary,
    }
    return render(request, "fleet/add.html", context)


def _show(request: LoggedInRequest, state: dict[str, Any], index: int) -> HttpResponse:
    """Go to a step, filled in with what was entered there before."""
    state["step"] = index
    if index == SUMMARY:
        built, missing = _valid_forms(request.actor, state)
        if missing is not None:
            state["step"] = KEYS.index(missing)
            return _render(request, state, built[missing])
        rows = [(step.title, _summary(step.key, built[step.key])) for step in STEPS]
        return _render(request, state, None, summary=rows)
    return _render(request, state, step_form(request.actor, KEYS[index], _stored(state, KEYS[index])))


def _finish(request: LoggedInRequest, state: dict[str, Any]) -> HttpResponse:
    actor = request.actor
    built, missing = _valid_forms(actor, state)
    if missing is not None:
        state["step"] = KEYS.index(missing)
        return _render(request, state, built[missing])
    data = {key: form.cleaned_data for key, form in built.items()}
    number = data["number"]
    if number["choice"] == NumberStepForm.EXISTING:
        choice: NewNumber | PortIn = PortIn(
            msisdn=number["msisdn"],
            donor_operator=number["donor_operator"],
            donor_account=number["donor_account"],
            donor_sim=number["donor_sim"],
        )
    else:
        choice = NewNumber(msisdn=number["new_number"])
    try:
        line = line_add(
            actor=actor,
            iccid=data["sim"]["iccid"],
            details=LineDetails(**data["profile"]),
            plan=data["plan"]["plan"].plan,
            options=[item.option for item in data["plan"]["options"]],
            billing_account=data["billing"]["billing_account"],
            number_choice=choice,
            split_bill_profile=data["split"]["profile"],
        )
    except ActionError as exc:
        key = FIELD_STEPS.get(exc.field or "", "")
        if not key:
            messages.error(request, str(exc.message))
            return _show(request, state, SUMMARY)
        form = built[key]
        # For a new number the action's "msisdn" is the number chosen from the pool.
        new_number = key == "number" and isinstance(choice, NewNumber) and exc.field == "msisdn"
        form_error(form, ActionError(exc.message, field="new_number" if new_number else exc.field))
        state["step"] = KEYS.index(key)
        return _render(request, state, form)
    request.session.pop(SESSION_KEY, None)
    messages.success(request, _("The SIM card was added. Activate it now or on a later date."))
    url = reverse("fleet_line", args=[line.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)  # type: ignore[attr-defined]


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def fleet_add(request: LoggedInRequest) -> HttpResponse:
    """GET starts afresh; every POST says where to go: next, back, goto=<step>, refresh, add."""
    actor = request.actor
    if request.method == "GET":
        return _show(request, _fresh(), 0)
    state = request.session.get(SESSION_KEY) or _fresh()
    index = min(max(int(state.get("step", 0)), 0), SUMMARY)
    nav = "goto" if "goto" in request.POST else request.POST.get("nav", "next")
    if index == SUMMARY:
        if nav == "add":
            return _finish(request, state)
        target = SUMMARY - 1 if nav == "back" else _goto(request, index)
        return _show(request, state, target)
    key = KEYS[index]
    form = step_form(actor, key, request.POST)
    valid = check_step(actor, key, form)
    if valid:
        state["data"][key] = _raw(form, request.POST)
    if nav == "back":
        return _show(request, state, max(index - 1, 0))
    if nav == "goto":
        return _show(request, state, _goto(request, index))
    state["step"] = index
    if nav == "refresh" and key == "plan":
        return _render(request, state, replan(actor, request.POST))
    if not valid:
        return _render(request, state, form)
    return _show(request, state, index + 1)


def _goto(request: LoggedInRequest, current: int) -> int:
    """A step of the sidebar: only one already passed (the later ones are not filled in yet)."""
    try:
        target = int(request.POST.get("goto", ""))
    except ValueError:
        return current
    return target if 0 <= target < current else current

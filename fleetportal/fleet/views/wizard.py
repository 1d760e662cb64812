"""The Add SIM wizard (F-21): six steps and a summary, as in the seeds, each validated on the
server, each at its own address (issue 11).

`/fleet/lines/add/` starts a draft and sends to its first step, `/fleet/lines/add/<draft>/<step>/`.
A draft lives in the session under its id: the raw form data of every step, as entered (checked
or not, and saved as one types, on every change), so reloading a step, the browser's back and
forward buttons, the sidebar and a later visit all find the input again; a manager keeps a few
drafts and resumes any of them. A step opens only once the steps before it are valid; everything is
validated again as a whole before `line_add` runs. With htmx a step swaps in place and its address
is pushed to the browser's history (not cached there: a step comes back from the server); without,
every step is a plain POST.

Step 1 searches the blank SIM cards the manager may take (`selectors.blank_sims_for`) as digits
are typed, and still takes a typed or scanned ICCID, checked (Luhn) like any other."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.forms.utils import ErrorDict
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect, push_url

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
from ..actions.sims import NOT_IN_STOCK, SIM_IN_USE
from ..forms import (
    BillingStepForm,
    NumberStepForm,
    PlanStepForm,
    SimStepForm,
    SplitBillStepForm,
    UserDetailsForm,
)
from ..iccid import normalize_iccid
from ..models import Line
from ..policy import FLEET

SESSION_KEY = "fleet_add_wizard"  # {draft id: {"data": {step key: raw form data}, "updated": epoch seconds}}
DRAFTS_KEPT = 5  # a manager's drafts in the session; the oldest goes when a sixth starts
FREE_NUMBERS_SHOWN = 10
SEARCH_DIGITS = 3  # digits to type before the blank SIM cards are searched
SEARCH_RESULTS = 10


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
URL_KEYS = [*KEYS, "summary"]  # a step's name in its address

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
        form = SimStepForm(data, initial=initial)
        # typing a few digits searches the stock (htmx); a full number is checked on "Continue"
        form.fields["iccid"].widget.attrs.update(
            {
                "hx-get": reverse("fleet_add_sims"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": "#sim-results",
                # not the step's: its swap ("none"), its selection ("#wizard") or its form
                "hx-swap": "innerHTML",
                "hx-select": "unset",
                "hx-include": "this",
                "hx-sync": "this:queue last",  # not abort: an aborted request is an error in the console
                "aria-controls": "sim-results",
                "type": "search",
            }
        )
        return form
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
            form.add_error("iccid", SIM_IN_USE if in_use else NOT_IN_STOCK)
            return False
    return True


# --- drafts in the session -----------------------------------------------------------------------


Draft = dict[str, Any]


def _drafts(request: LoggedInRequest) -> dict[str, Draft]:
    drafts = request.session.get(SESSION_KEY)
    return drafts if isinstance(drafts, dict) else {}


def _keep(request: LoggedInRequest, draft_id: str, draft: Draft) -> None:
    """Save the draft. Beyond DRAFTS_KEPT the ones with nothing entered go first (a wizard opened
    and left, perhaps still open in another tab), then the oldest; never this one."""
    draft["updated"] = time.time()
    drafts = {**_drafts(request), draft_id: draft}

    def worth(key: str) -> tuple[bool, bool, float]:
        return key == draft_id, bool(drafts[key].get("data")), drafts[key].get("updated", 0)

    kept = sorted(drafts, key=worth, reverse=True)[:DRAFTS_KEPT]
    request.session[SESSION_KEY] = {key: drafts[key] for key in kept}


def _drop(request: LoggedInRequest, draft_id: str) -> None:
    drafts = {key: value for key, value in _drafts(request).items() if key != draft_id}
    if drafts:
        request.session[SESSION_KEY] = drafts
    else:
        request.session.pop(SESSION_KEY, None)


def _raw(form: forms.Form, post: QueryDict) -> dict[str, list[str]]:
    """The step's own fields from the POST, as lists (multi-value fields keep every value)."""
    names = {form.add_prefix(name) for name in form.fields}
    return {name: post.getlist(name) for name in post if name in names}


def _stored(draft: Draft, key: str) -> MultiValueDict | None:
    data = draft["data"].get(key)
    return MultiValueDict(data) if data is not None else None


def _refilled(form: forms.Form) -> forms.Form:
    """A bound form shown with what was entered but none of its errors (yet): a step opened
    again, a reload, a search. Only for showing: `check_step` builds its own form."""
    form._errors = ErrorDict()  # type: ignore[attr-defined]  # a bound form with its errors set does not clean
    form.cleaned_data = {}
    return form


def _shown_form(actor: Actor, draft: Draft, key: str) -> forms.Form:
    data = _stored(draft, key)
    form = step_form(actor, key, data)
    return _refilled(form) if data is not None else form


@dataclass
class Progress:
    """Each step's form from the draft, whether it is valid, and the first one that is not."""

    forms: dict[str, forms.Form]
    valid: dict[str, bool]

    @property
    def first_open(self) -> int:
        """The first step not valid yet (SUMMARY when all are): the furthest one may go."""
        return next((index for index, key in enumerate(KEYS) if not self.valid[key]), SUMMARY)

    def reachable(self, index: int) -> bool:
        return 0 <= index <= self.first_open


def _progress(actor: Actor, draft: Draft) -> Progress:
    built, valid = {}, {}
    for key in KEYS:
        form = step_form(actor, key, _stored(draft, key))
        built[key] = form
        valid[key] = form.is_bound and check_step(actor, key, form)
    return Progress(forms=built, valid=valid)


def _step_url(draft_id: str, index: int) -> str:
    return reverse("fleet_add_step", args=[draft_id, URL_KEYS[index]])


# --- what the sidebar, the summary and the list of drafts say ---------------------------------------


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


def _sidebar(progress: Progress, current: int) -> list[dict[str, Any]]:
    items = []
    for index, step in enumerate(STEPS):
        done = index < current and progress.valid[step.key]
        summary = _summary(step.key, progress.forms[step.key]) if done else ""
        items.append(
            {"index": index, "label": step.label, "done": done, "current": index == current, "summary": summary}
        )
    return items


def _other_drafts(request: LoggedInRequest, draft_id: str) -> list[dict[str, Any]]:
    """The manager's other unfinished drafts, newest first, to resume one (or drop it)."""
    items = []
    for key, draft in sorted(_drafts(request).items(), key=lambda item: -item[1].get("updated", 0)):
        data = draft.get("data") or {}
        if key == draft_id or not data:
            continue
        iccid = normalize_iccid((data.get("sim", {}).get("iccid") or [""])[0])
        profile = data.get("profile", {})
        person = " ".join(
            (profile.get(name) or [""])[0].strip() for name in ("first_name", "last_name") if profile.get(name)
        )
        items.append(
            {
                "id": key,
                "iccid": iccid,
                "person": person.strip(),
                "step": min(len(data) + 1, SUMMARY),
                # the summary's address: the server goes back to the first step not done yet
                "url": _step_url(key, SUMMARY),
                "discard_url": _step_url(key, 0),
            }
        )
    return items


# --- the pages ----------------------------------------------------------------------------------------


def _render(
    request: LoggedInRequest,
    draft_id: str,
    progress: Progress,
    index: int,
    form: forms.Form | None,
    *,
    summary: list[Any] | None = None,
    sims: dict[str, Any] | None = None,
    push: bool = False,
) -> HttpResponse:
    """A step of the draft; `push`: its address goes to the browser's history (htmx)."""
    step = STEPS[index] if index < SUMMARY else None
    url = _step_url(draft_id, index)
    context = {
        "step": step,
        "index": index,
        "number": index + 1,
        "total": SUMMARY,
        "form": form,
        "sidebar": _sidebar(progress, index),
        "summary": summary,
        "step_url": url,
        "draft_id": draft_id,
        "drafts": _other_drafts(request, draft_id) if index == 0 else [],
        "sims": sims if sims is not None else (_sims(request.actor, form) if step and step.key == "sim" else None),
    }
    response = render(request, "fleet/add.html", context)
    if push and request.htmx:  # type: ignore[attr-defined]
        response = push_url(response, url)
    return response


def _show(
    request: LoggedInRequest,
    draft_id: str,
    draft: Draft,
    index: int,
    *,
    push: bool = False,
    progress: Progress | None = None,
) -> HttpResponse:
    """Go to a step, filled in with what was entered there before; to the first step not valid
    yet when this one cannot be reached."""
    progress = progress or _progress(request.actor, draft)
    if not progress.reachable(index):
        index = progress.first_open
    if index == SUMMARY:
        rows = [(step.title, _summary(step.key, progress.forms[step.key])) for step in STEPS]
        return _render(request, draft_id, progress, index, None, summary=rows, push=push)
    return _render(request, draft_id, progress, index, _shown_form(request.actor, draft, KEYS[index]), push=push)


def _finish(request: LoggedInRequest, draft_id: str, draft: Draft) -> HttpResponse:
    actor = request.actor
    progress = _progress(actor, draft)
    if progress.first_open < SUMMARY:
        index = progress.first_open
        return _render(request, draft_id, progress, index, progress.forms[KEYS[index]], push=True)
    data = {key: form.cleaned_data for key, form in progress.forms.items()}
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
            return _show(request, draft_id, draft, SUMMARY)
        form = progress.forms[key]
        # For a new number the action's "msisdn" is the number chosen from the pool.
        new_number = key == "number" and isinstance(choice, NewNumber) and exc.field == "msisdn"
        form_error(form, ActionError(exc.message, field="new_number" if new_number else exc.field))
        return _render(request, draft_id, progress, KEYS.index(key), form, push=True)
    _drop(request, draft_id)
    messages.success(request, _("The SIM card was added. Activate it now or on a later date."))
    url = reverse("fleet_line", args=[line.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)  # type: ignore[attr-defined]


@manager_required(FLEET)
@require_GET
def fleet_add(request: LoggedInRequest) -> HttpResponse:
    """A new draft, at its first step."""
    draft_id = secrets.token_urlsafe(9)
    _keep(request, draft_id, {"data": {}})
    return redirect(_step_url(draft_id, 0))


def _posted(key: str, post: QueryDict) -> QueryDict:
    """The step's POST; on the first step a SIM card picked from the search stands for the ICCID."""
    if key == "sim" and post.get("pick"):
        post = post.copy()
        post.setlist("iccid", [str(post.get("pick", ""))])
    return post


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def fleet_add_step(request: LoggedInRequest, draft_id: str, step: str) -> HttpResponse:
    """GET shows the step (a reload, back/forward, a resumed draft); every POST keeps what was
    entered and says where to go: next, back, goto=<step>, refresh (the plan's options), search
    (the stock, without JavaScript), save (as one types: nothing to show), discard, add."""
    if step not in URL_KEYS:
        return redirect("fleet_add")
    draft = _drafts(request).get(draft_id)
    if draft is None:
        messages.info(request, _("That SIM card draft is no longer there: start again here."))
        return redirect("fleet_add")
    index = URL_KEYS.index(step)
    if request.method == "GET":
        progress = _progress(request.actor, draft)
        if not progress.reachable(index):  # a later step's address, the steps before not done
            return redirect(_step_url(draft_id, progress.first_open))
        return _show(request, draft_id, draft, index, progress=progress)
    post: QueryDict = request.POST
    nav = "goto" if "goto" in post else post.get("nav", "next")
    if nav == "discard":
        _drop(request, draft_id)
        messages.info(request, _("The SIM card draft was discarded."))
        return HttpResponseClientRedirect(reverse("fleet_add")) if request.htmx else redirect("fleet_add")  # type: ignore[attr-defined]
    if index == SUMMARY:
        if nav == "add":
            return _finish(request, draft_id, draft)
        progress = _progress(request.actor, draft)
        target = SUMMARY - 1 if nav == "back" else _goto(post, index, progress)
        return _show(request, draft_id, draft, target, push=target != index, progress=progress)
    key = KEYS[index]
    post = _posted(key, post)
    form = step_form(request.actor, key, post)
    draft["data"][key] = _raw(form, post)  # kept as entered, valid or not
    _keep(request, draft_id, draft)
    if nav == "save":
        return HttpResponse(status=204)
    if nav == "back":
        return _show(request, draft_id, draft, max(index - 1, 0), push=True)
    if nav == "goto":
        progress = _progress(request.actor, draft)
        target = _goto(post, index, progress)
        return _show(request, draft_id, draft, target, push=target != index, progress=progress)
    if nav in ("refresh", "search"):
        progress = _progress(request.actor, draft)
        shown = replan(request.actor, post) if key == "plan" else _refilled(form)
        return _render(request, draft_id, progress, index, shown)
    if not check_step(request.actor, key, form):
        return _render(request, draft_id, _progress(request.actor, draft), index, form)
    return _show(request, draft_id, draft, index + 1, push=True)


def _goto(post: QueryDict, current: int, progress: Progress) -> int:
    """A step of the sidebar, if the steps before it are done; else the current one."""
    try:
        target = int(post.get("goto", ""))
    except ValueError:
        return current
    return target if progress.reachable(target) else current


# --- step 1: the blank SIM cards in stock ---------------------------------------------------------------


def _digits(text: str) -> str:
    return "".join(char for char in normalize_iccid(text) if char.isascii() and char.isdigit())


def _sims(actor: Actor, form: forms.Form | None = None, text: str | None = None) -> dict[str, Any]:
    """The blank SIM cards the actor may take whose number holds the digits typed so far."""
    if text is None:
        text = (form["iccid"].value() or "") if form is not None else ""
    digits = _digits(str(text))
    if len(digits) < SEARCH_DIGITS:
        in_stock = selectors.blank_sims_for(actor).count()
        return {"digits": digits, "searched": False, "in_stock": in_stock, "min_digits": SEARCH_DIGITS}
    found = selectors.blank_sims_matching(actor, digits, limit=SEARCH_RESULTS + 1)
    return {
        "digits": digits,
        "searched": True,
        "results": [
            {
                "iccid": sim.iccid,
                "label": " ".join(sim.iccid[n : n + 4] for n in range(0, len(sim.iccid), 4)),
                "kind": sim.get_kind_display(),
                "own": sim.customer_id is not None,
            }
            for sim in found[:SEARCH_RESULTS]
        ],
        "more": len(found) > SEARCH_RESULTS,
        "exact": len(digits) >= 19 and any(sim.iccid == digits for sim in found),
    }


@manager_required(FLEET)
@require_GET
def fleet_add_sims(request: LoggedInRequest) -> HttpResponse:
    """The search of step 1, as the ICCID is typed (htmx): the matching blank SIM cards to pick."""
    return render(request, "fleet/_blank_sims.html", {"sims": _sims(request.actor, text=request.GET.get("iccid", ""))})

"""Products of one line or a selection: tariff plan (F-28) and options (F-29) with their review
table, then cancel or apply; billing account and split-bill profile of a line (F-30).

The review is the actions' own (`review_plan_change`, `review_options_change`); the versions it
saw travel signed in the form, so applying refuses a line someone changed meanwhile (R2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from fleetportal.accounts.decorators import manager_required
from fleetportal.billing import selectors as billing_selectors
from fleetportal.catalog.models import Option
from fleetportal.catalog.selectors import retained_options, retained_plans
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from .. import selectors
from ..actions import (
    lines_change_billing,
    lines_change_options,
    lines_change_plan,
    load_current_options,
    review_options_change,
    review_plan_change,
)
from ..actions.common import date_label
from ..bulk_jobs import runs_as_job
from ..forms import BillingChangeForm, OptionsChangeForm, PlanChoiceForm
from ..models import BulkJob, Line, LineOption
from ..policy import FLEET
from .changes import with_selection
from .jobs import queue_bulk_job
from .selection import PREVIEW, Selection, next_url, posted_version

REVIEW_SALT = "fleet.review"
REVIEW_MAX_AGE = 3600  # a review older than an hour is shown again before it is applied


def _sign_review(choice: list[Any], versions: dict[int, int]) -> str:
    """What the review showed: the choice it was made for and each line's version then."""
    return signing.dumps(
        {"choice": choice, "versions": [[pk, version] for pk, version in versions.items()]},
        salt=REVIEW_SALT,
        compress=True,
    )


def _reviewed_versions(request: LoggedInRequest, choice: list[Any]) -> dict[int, int] | None:
    """The versions of the review of exactly this choice, or None (no review, another choice,
    forged or too old): then the review is shown (again) instead of applying."""
    try:
        token = signing.loads(request.POST.get("review", ""), salt=REVIEW_SALT, max_age=REVIEW_MAX_AGE)
    except signing.BadSignature:
        return None
    if token.get("choice") != choice:
        return None
    return {int(pk): int(version) for pk, version in token["versions"]}


def _reviewed_lines(selection: Selection) -> list[Line]:
    """The selection as the reviews read it: plan and current options, a few queries for any size."""
    return load_current_options(
        list(selection.lines.select_related(None).select_related("plan").prefetch_related(None))
    )


@dataclass(frozen=True)
class Flow:
    """One "choose → review → apply" page: what differs between plans and options."""

    template: str
    choice: Callable[[dict[str, Any]], list[Any]]  # the choice as plain ids (signed in the review)
    review: Callable[[list[Line], dict[str, Any]], Any]
    apply: Callable[..., int]  # (actor, lines, data, versions) → how many lines the action changed
    done: Callable[[int, dict[str, Any]], str]  # the flash message for `count` lines changed
    # Above the threshold the change runs as a job (F-32): its kind and the choice as it keeps it.
    job_kind: str
    job_params: Callable[[dict[str, Any]], dict[str, Any]]


def review_page(request: LoggedInRequest, selection: Selection, form: forms.Form, flow: Flow) -> HttpResponse:
    """The stage comes from the button: "choose" on arrival, "review", then "apply". Applying
    needs the review of the same choice; a refused change shows its reason over a fresh review.
    A selection above `BULK_JOB_THRESHOLD` lines is applied by a worker, the page following it."""
    stage = request.POST.get("stage", "choose") if request.method == "POST" else "choose"
    review, token = None, ""
    if stage != "choose" and form.is_valid():
        data = form.cleaned_data
        choice = flow.choice(data)
        versions = _reviewed_versions(request, choice) if stage == "apply" else None
        if versions is not None and runs_as_job(selection.count):
            try:
                return queue_bulk_job(
                    request,
                    kind=flow.job_kind,
                    lines=selection.locked_list(),
                    params=flow.job_params(data),
                    versions=versions,
                )
            except ActionError as exc:
                form_error(form, exc)
        elif versions is not None:
            try:
                changed = flow.apply(request.actor, selection.locked_list(), data, versions)
            except ActionError as exc:
                form_error(form, exc)
            else:
                messages.success(request, flow.done(changed, data))
                url = next_url(request, reverse("fleet_lines"))
                # Through htmx the whole page goes on, not just the review part.
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)  # type: ignore[attr-defined]
        review = flow.review(_reviewed_lines(selection), data)
        token = _sign_review(choice, review.versions)
    only_changes = request.POST.get("only_changes") == "1"
    rows = (review.changing if only_changes else review.rows) if review else []
    return render(
        request,
        flow.template,
        {
            "selection": selection,
            "form": form,
            "review": review,
            "rows": rows[:PREVIEW],
            "row_count": len(rows),
            "only_changes": only_changes,
            "token": token,
            "as_job": runs_as_job(selection.count),
            "next": next_url(request, ""),
            "back": next_url(request, reverse("fleet_lines")),
        },
    )


def _plan_done(count: int, data: dict[str, Any]) -> str:
    on, plan = data.get("date"), data["plan"].plan.name
    if on and on > timezone.localdate():
        return ngettext(
            "The tariff plan of %(count)d number will change to %(plan)s on %(date)s.",
            "The tariff plan of %(count)d numbers will change to %(plan)s on %(date)s.",
            count,
        ) % {"count": count, "plan": plan, "date": date_label(on)}
    return ngettext(
        "The tariff plan of %(count)d number was changed to %(plan)s.",
        "The tariff plan of %(count)d numbers was changed to %(plan)s.",
        count,
    ) % {"count": count, "plan": plan}


PLAN_FLOW = Flow(
    template="fleet/plan_change.html",
    choice=lambda data: [data["plan"].plan_id],
    review=lambda lines, data: review_plan_change(lines, data["plan"].plan),
    apply=lambda actor, lines, data, versions: len(
        lines_change_plan(
            actor=actor, lines=lines, plan=data["plan"].plan, on=data.get("date"), expected_versions=versions
        ).changing
    ),
    done=_plan_done,
    job_kind=BulkJob.Kind.PLAN,
    job_params=lambda data: {
        "plan": data["plan"].plan_id,
        "date": data["date"].isoformat() if data.get("date") else None,
    },
)


def _options(data: dict[str, Any], name: str) -> list[Option]:
    return [item.option for item in data[name]]


def _option_ids(data: dict[str, Any]) -> list[tuple[str, list[int]]]:
    """The options to add and to remove, as ids."""
    return [(name, sorted(item.option_id for item in data[name])) for name in ("add", "remove")]


OPTIONS_FLOW = Flow(
    template="fleet/options_change.html",
    choice=lambda data: [ids for _name, ids in _option_ids(data)],
    review=lambda lines, data: review_options_change(lines, add=_options(data, "add"), remove=_options(data, "remove")),
    apply=lambda actor, lines, data, versions: len(
        lines_change_options(
            actor=actor,
            lines=lines,
            add=_options(data, "add"),
            remove=_options(data, "remove"),
            expected_versions=versions,
        ).changing
    ),
    done=lambda count, data: (
        ngettext(
            "The options of %(count)d number were changed.", "The options of %(count)d numbers were changed.", count
        )
        % {"count": count}
    ),
    job_kind=BulkJob.Kind.OPTIONS,
    job_params=lambda data: dict(_option_ids(data)),
)


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
@with_selection
def fleet_plan_change(request: LoggedInRequest, selection: Selection) -> HttpResponse:
    """Choose a plan of the contract → review (number, previous plan, new plan, options that go)
    → apply, all or nothing (F-28, R-F2)."""
    data = request.POST if request.method == "POST" and "stage" in request.POST else None
    form = PlanChoiceForm(data, plans=retained_plans(request.actor))
    return review_page(request, selection, form, PLAN_FLOW)


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
@with_selection
def fleet_options_change(request: LoggedInRequest, selection: Selection) -> HttpResponse:
    """Options to add and remove → review per number ("not applicable" to its plan) → apply (F-29)."""
    data = request.POST if request.method == "POST" and "stage" in request.POST else None
    retained = retained_options(request.actor)
    # Only what the selected lines have can be removed.
    removable = retained.filter(option__in=LineOption.objects.filter(line__in=selection.lines).values("option"))
    form = OptionsChangeForm(data, options=retained, removable=removable)
    return review_page(request, selection, form, OPTIONS_FLOW)


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def fleet_line_billing(request: LoggedInRequest, line_id: int) -> HttpResponse:
    """Billing account and split-bill profile of a line (F-30)."""
    actor = request.actor
    line = selectors.line_for(actor, line_id)
    form = BillingChangeForm(
        request.POST or None,
        initial={"billing_account": line.billing_account_id, "split_bill_profile": line.split_bill_profile_id},
        billing_accounts=billing_selectors.billing_accounts_for(actor),
        profiles=billing_selectors.split_bill_profiles_for(actor),
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            lines_change_billing(
                actor=actor,
                lines=[line],
                billing_account=data["billing_account"],
                split_bill_profile=data["split_bill_profile"],
                expected_versions={line.pk: posted_version(request) or line.version},
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The billing of this number was changed."))
            return redirect(f"{reverse('fleet_line', args=[line.pk])}?tab=products")
    return render(request, "fleet/line_billing.html", {"line": line, "form": form})

"""Changes of many lines at once, all or none (R2): activation (F-22), suspension and
reactivation (F-25), plan (F-28), options (F-29), billing (F-30) and tags. Each takes
`line_ids`; one id of another customer answers 404 and nothing changes (S1).

A plan, options, billing or tags change of more lines than `BULK_JOB_THRESHOLD` runs on a
worker (F-32): it answers 202 with the job, to follow at `GET /jobs/{id}` (`jobs.py`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

from ninja import Router, Status

from fleetportal.core.actor import Actor
from fleetportal.core.api import api_actor
from fleetportal.core.http import PortalRequest

from .. import actions, selectors
from ..bulk_jobs import runs_as_job
from ..models import BulkJob, Line
from . import lookups
from .jobs import JobOut, queued
from .schemas import (
    RESPONSES,
    ActivateIn,
    ActivationOut,
    BillingChangeIn,
    LinesOut,
    LineStateOut,
    OptionsChangeIn,
    OptionsReviewOut,
    PlanChangeIn,
    PlanReviewOut,
    SwitchIn,
    TagsChangeIn,
)
from .scopes import WRITE

router = Router(tags=["fleet"])


class Switch(Protocol):
    """`actions.lines_suspend` or `actions.lines_reactivate`."""

    def __call__(
        self,
        *,
        actor: Actor,
        lines: Sequence[Line],
        on: date | None,
        reason: str,
        expected_versions: Mapping[int, int] | None,
    ) -> list[Line]: ...


@router.post(
    "/lines/activate", response={200: ActivationOut, **RESPONSES}, operation_id="lines_activate", summary="Activate"
)
def lines_activate(request: PortalRequest, payload: ActivateIn) -> ActivationOut:
    """Activate pending lines today or plan it for a later date (F-22). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    result = actions.line_activate(actor=actor, lines=selectors.lines_by_ids(actor, payload.line_ids), on=payload.date)
    return ActivationOut(
        date=result.on, scheduled=result.scheduled, lines=[LineStateOut.of(line) for line in result.lines]
    )


def _switch(request: PortalRequest, payload: SwitchIn, switch: Switch) -> LinesOut:
    """Suspend or reactivate (`switch`) the lines of `payload` now or on its date."""
    actor = api_actor(request, *WRITE)
    lines = switch(
        actor=actor,
        lines=selectors.lines_by_ids(actor, payload.line_ids),
        on=payload.date,
        reason=payload.reason,
        expected_versions=lookups.versions(payload.versions),
    )
    return LinesOut.of(lines)


@router.post("/lines/suspend", response={200: LinesOut, **RESPONSES}, operation_id="lines_suspend", summary="Suspend")
def lines_suspend(request: PortalRequest, payload: SwitchIn) -> LinesOut:
    """Suspend active lines now or on a date, all or none (F-25). Scope `fleet`."""
    return _switch(request, payload, actions.lines_suspend)


@router.post(
    "/lines/reactivate", response={200: LinesOut, **RESPONSES}, operation_id="lines_reactivate", summary="Reactivate"
)
def lines_reactivate(request: PortalRequest, payload: SwitchIn) -> LinesOut:
    """Reactivate suspended lines now or on a date, all or none (F-25). Scope `fleet`."""
    return _switch(request, payload, actions.lines_reactivate)


@router.post(
    "/lines/plan",
    response={200: PlanReviewOut, 202: JobOut, **RESPONSES},
    operation_id="lines_change_plan",
    summary="Change plan",
)
def lines_change_plan(request: PortalRequest, payload: PlanChangeIn) -> PlanReviewOut | Status[JobOut]:
    """Move lines to another plan, all or none; options that do not go with it are dropped and
    listed (F-28, R-F2). `dry_run` answers the review only. Above the threshold: 202 and a job
    (F-32). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    lines = selectors.lines_by_ids(actor, payload.line_ids)
    plan = lookups.plan(actor, payload.plan)
    versions = lookups.versions(payload.versions)
    if runs_as_job(len(lines)) and not payload.dry_run:
        params = {"plan": plan.pk, "date": str(payload.date) if payload.date else None}
        return queued(actor, kind=BulkJob.Kind.PLAN, lines=lines, params=params, versions=versions)
    review = actions.lines_change_plan(
        actor=actor,
        lines=lines,
        plan=plan,
        on=payload.date,
        expected_versions=versions,
        dry_run=payload.dry_run,
    )
    return PlanReviewOut.of(review, applied=not payload.dry_run)


@router.post(
    "/lines/options",
    response={200: OptionsReviewOut, 202: JobOut, **RESPONSES},
    operation_id="lines_change_options",
    summary="Add or remove options",
)
def lines_change_options(request: PortalRequest, payload: OptionsChangeIn) -> OptionsReviewOut | Status[JobOut]:
    """Add and remove options on lines, all or none; per line what is not applicable to its
    plan is listed and left out (F-29). `dry_run` answers the review only. Above the threshold:
    202 and a job (F-32). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    lines = selectors.lines_by_ids(actor, payload.line_ids)
    add = lookups.options(actor, payload.add, field="add")
    remove = lookups.options(actor, payload.remove, field="remove")
    versions = lookups.versions(payload.versions)
    if runs_as_job(len(lines)) and not payload.dry_run:
        params = {"add": [option.pk for option in add], "remove": [option.pk for option in remove]}
        return queued(actor, kind=BulkJob.Kind.OPTIONS, lines=lines, params=params, versions=versions)
    review = actions.lines_change_options(
        actor=actor,
        lines=lines,
        add=add,
        remove=remove,
        expected_versions=versions,
        dry_run=payload.dry_run,
    )
    return OptionsReviewOut.of(review, applied=not payload.dry_run)


@router.post(
    "/lines/billing",
    response={200: LinesOut, 202: JobOut, **RESPONSES},
    operation_id="lines_change_billing",
    summary="Change billing",
)
def lines_change_billing(request: PortalRequest, payload: BillingChangeIn) -> LinesOut | Status[JobOut]:
    """Move lines to another billing account and/or split-bill profile (F-30). Above the
    threshold: 202 and a job (F-32). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    lines = selectors.lines_by_ids(actor, payload.line_ids)
    account = lookups.billing_account(actor, payload.billing_account) if payload.billing_account else None
    profile = (
        lookups.split_bill_profile(actor, payload.split_bill_profile)
        if "split_bill_profile" in payload.model_fields_set
        else actions.KEEP
    )
    versions = lookups.versions(payload.versions)
    if runs_as_job(len(lines)):
        params = {
            "billing_account": account.pk if account else None,
            "split_bill_profile": "keep" if profile is actions.KEEP else getattr(profile, "pk", None),
        }
        return queued(actor, kind=BulkJob.Kind.BILLING_ACCOUNT, lines=lines, params=params, versions=versions)
    changed = actions.lines_change_billing(
        actor=actor, lines=lines, billing_account=account, split_bill_profile=profile, expected_versions=versions
    )
    return LinesOut.of(changed)


@router.post(
    "/lines/tags", response={200: LinesOut, 202: JobOut, **RESPONSES}, operation_id="lines_tags", summary="Tag lines"
)
def lines_tags(request: PortalRequest, payload: TagsChangeIn) -> LinesOut | Status[JobOut]:
    """Put tags (cost centres) on lines and/or take them off. Above the threshold: 202 and a job
    (F-32). Scope `fleet`."""
    actor = api_actor(request, *WRITE)
    lines = selectors.lines_by_ids(actor, payload.line_ids)
    add = lookups.tags(actor, payload.add, field="add")
    remove = lookups.tags(actor, payload.remove, field="remove")
    if runs_as_job(len(lines)):
        params = {"add": [tag.pk for tag in add], "remove": [tag.pk for tag in remove]}
        return queued(actor, kind=BulkJob.Kind.TAGS, lines=lines, params=params)
    return LinesOut.of(actions.lines_set_tags(actor=actor, lines=lines, add=add, remove=remove))

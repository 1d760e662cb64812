"""Bulk changes of many lines as worker jobs (F-32, R2): plan, options, blocks, billing account
and tags, above `BULK_JOB_THRESHOLD` lines.

The page or the API records the job (`bulk_job_create`) with what the review showed (the choice
as ids, each line's version) and hands in `start`, which queues it once committed (actions never
import the worker's tasks). The worker runs it (`bulk_job_run`) through the very actions the pages
use in the request, so the same rules, messages, audit and provisioning:

- as the person or API key who asked for it, with their rights as they are now (`requester`);
- all or nothing in ONE transaction that also marks the job done: a worker killed mid-job
  leaves nothing applied and the job running with an expired lease, which the next worker (or
  the periodic resume, `fleet.jobs`) runs again, at most `MAX_ATTEMPTS` times, else it is
  marked failed with a translated reason;
- the action first checks every line (its dry run, or its status rule and review), which sorts
  the lines into "applied" and "not applicable" (already as asked); then it applies to the
  former in chunks of `CHUNK` lines, telling `progress(done, total)` after each.

A refusal (a line stopped or changed meanwhile, a plan the contract dropped) fails the whole job
with the action's message; each line's result names its own refusal where the change's status
rule finds one, else the job's reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fleetportal.billing.models import BillingAccount, SplitBillProfile
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.catalog.rules import with_exclusions
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.fleet.bulk_jobs import APPLIED, FAILED, NOT_APPLICABLE
from fleetportal.fleet.models import BulkJob, Line, Tag

from .billing import (
    BILLING_CHANGEABLE,
    KEEP,
    NOT_YOUR_BILLING_ACCOUNT,
    Keep,
    lines_change_billing,
    lines_set_tags,
    tag_create,
)
from .bulk import PRODUCTS_CHANGEABLE, lines_change_options, lines_change_plan, load_current_options
from .common import (
    LINES_GONE,
    NO_LINES,
    NOT_YOUR_SPLIT_BILL_PROFILE,
    StatusRule,
    date_label,
    require_fleet,
    require_fleet_lines,
    today,
)
from .controls import CONTROLLABLE, lines_blocks_change, review_blocks_change
from .requester import requester

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Start = Callable[[int], object]
Kind = BulkJob.Kind
Status = BulkJob.Status
# A line's outcome: (APPLIED | NOT_APPLICABLE, a note or reason).
Outcome = tuple[str, str]
Versions = Mapping[int, int] | None  # each line's version when reviewed (R2)

CHUNK = 500  # lines per call of the action inside the job's one transaction (one progress step)
ALREADY_AS_ASKED = gettext_lazy("No change: already as asked.")
MAX_ATTEMPTS = 3  # runs of a job whose worker vanished, before it is marked failed
# How long a running job's worker is trusted before another may take the job over. The job's
# writes are one transaction, so the lease cannot be renewed while it runs: it is well above
# what 10,000 lines take (QUALITY P3: seconds).
LEASE = timedelta(minutes=15)


def _quiet(done: int, total: int) -> None:
    """No one follows the progress."""


# --- the changes a job can run -----------------------------------------------------------------


@dataclass(frozen=True)
class _Change:
    """How one kind of bulk change runs as a job, through its action.

    `prepare` reads what the params name (inside the job's transaction: a new tag is rolled back
    with the rest); `check` runs the action's checks over every line and answers each line's
    outcome, raising its refusal; `apply` calls the action for a chunk of the lines that change;
    `rule` is the change's status rule, to name each line's own refusal when the job fails."""

    prepare: Callable[[Actor, BulkJob], Any]
    check: Callable[[Actor, list[Line], Any, Versions], dict[int, Outcome]]
    apply: Callable[[Actor, list[Line], Any, Versions], object]
    rule: StatusRule | None


def _all_apply(actor: Actor, lines: list[Line], prepared: Any, versions: Versions) -> dict[int, Outcome]:
    """Billing and tags: the action checks each line as it applies; every line is changed."""
    return {line.pk: (APPLIED, "") for line in lines}


def _names(items: Sequence[Any]) -> str:
    return ", ".join(item.name for item in items)


# Plan (F-28): {"plan": id, "date": "YYYY-MM-DD" | None}


@dataclass(frozen=True)
class _PlanChoice:
    plan: TariffPlan
    on: date | None


def _plan_prepare(actor: Actor, job: BulkJob) -> _PlanChoice:
    plan = TariffPlan.objects.filter(pk=job.params.get("plan")).first()
    if plan is None:
        raise ActionError(_("This tariff plan is no longer offered."), field="plan")
    on = job.params.get("date")
    return _PlanChoice(plan=plan, on=date.fromisoformat(on) if on else None)


def _plan_check(actor: Actor, lines: list[Line], choice: _PlanChoice, versions: Versions) -> dict[int, Outcome]:
    review = lines_change_plan(
        actor=actor, lines=lines, plan=choice.plan, on=choice.on, expected_versions=versions, dry_run=True
    )
    planned = _("From %(date)s.") % {"date": date_label(choice.on)} if choice.on and choice.on > today() else ""
    outcomes: dict[int, Outcome] = {}
    for row in review.rows:
        if not row.changes:
            outcomes[row.line.pk] = (NOT_APPLICABLE, _("Already on this plan."))
        elif row.dropped:
            dropped = _("Options removed: %(options)s.") % {"options": _names(row.dropped)}
            outcomes[row.line.pk] = (APPLIED, f"{planned} {dropped}".strip())
        else:
            outcomes[row.line.pk] = (APPLIED, planned)
    return outcomes


def _plan_apply(actor: Actor, lines: list[Line], choice: _PlanChoice, versions: Versions) -> object:
    return lines_change_plan(actor=actor, lines=lines, plan=choice.plan, on=choice.on, expected_versions=versions)


# Options (F-29): {"add": [option ids], "remove": [option ids]}


@dataclass(frozen=True)
class _OptionsChoice:
    add: list[Option]
    remove: list[Option]


def _options_prepare(actor: Actor, job: BulkJob) -> _OptionsChoice:
    return _OptionsChoice(
        add=list(with_exclusions(Option.objects.filter(pk__in=job.params.get("add", [])))),
        remove=list(Option.objects.filter(pk__in=job.params.get("remove", []))),
    )


def _options_check(actor: Actor, lines: list[Line], choice: _OptionsChoice, versions: Versions) -> dict[int, Outcome]:
    review = lines_change_options(
        actor=actor, lines=lines, add=choice.add, remove=choice.remove, expected_versions=versions, dry_run=True
    )
    outcomes: dict[int, Outcome] = {}
    for row in review.rows:
        not_for_plan = (
            _("Not applicable to the plan %(plan)s: %(options)s.")
            % {"plan": row.line.plan.name, "options": _names(row.not_applicable)}
            if row.not_applicable
            else ""
        )
        if row.changes:
            outcomes[row.line.pk] = (APPLIED, not_for_plan)
        else:
            outcomes[row.line.pk] = (NOT_APPLICABLE, not_for_plan or str(ALREADY_AS_ASKED))
    return outcomes


def _options_apply(actor: Actor, lines: list[Line], choice: _OptionsChoice, versions: Versions) -> object:
    return lines_change_options(
        actor=actor, lines=lines, add=choice.add, remove=choice.remove, expected_versions=versions
    )


# Blocks (F-40): {"block": [services], "unblock": [services]}


def _blocks_prepare(actor: Actor, job: BulkJob) -> dict[str, list[str]]:
    return {"block": list(job.params.get("block", [])), "unblock": list(job.params.get("unblock", []))}


def _blocks_check(
    actor: Actor, lines: list[Line], choice: dict[str, list[str]], versions: Versions
) -> dict[int, Outcome]:
    """The action's own checks, in its order: rights, the choice, every line's status; then its review."""
    require_fleet_lines(actor, lines)
    review = review_blocks_change(lines, block=choice["block"], unblock=choice["unblock"])
    CONTROLLABLE.require(lines)
    return {
        row.line.pk: (APPLIED, "") if row.changes else (NOT_APPLICABLE, str(ALREADY_AS_ASKED)) for row in review.rows
    }


def _blocks_apply(actor: Actor, lines: list[Line], choice: dict[str, list[str]], versions: Versions) -> object:
    return lines_blocks_change(
        actor=actor, lines=lines, block=choice["block"], unblock=choice["unblock"], versions=versions
    )


# Billing account (F-30): {"billing_account": id | None, "split_bill_profile": id | None | "keep"}


@dataclass(frozen=True)
class _BillingChoice:
    billing_account: BillingAccount | None
    split_bill_profile: SplitBillProfile | Keep | None


def _billing_prepare(actor: Actor, job: BulkJob) -> _BillingChoice:
    account_id, profile_id = job.params.get("billing_account"), job.params.get("split_bill_profile", "keep")
    account = None
    if account_id is not None:
        account = BillingAccount.objects.filter(pk=account_id, customer=job.customer).first()
        if account is None:
            raise ActionError(NOT_YOUR_BILLING_ACCOUNT, field="billing_account")
    profile: SplitBillProfile | Keep | None = KEEP if profile_id == "keep" else None
    if profile_id not in ("keep", None):
        profile = SplitBillProfile.objects.filter(pk=profile_id, customer=job.customer).first()
        if profile is None:
            raise ActionError(NOT_YOUR_SPLIT_BILL_PROFILE, field="split_bill_profile")
    return _BillingChoice(billing_account=account, split_bill_profile=profile)


def _billing_apply(actor: Actor, lines: list[Line], choice: _BillingChoice, versions: Versions) -> object:
    return lines_change_billing(
        actor=actor,
        lines=lines,
        billing_account=choice.billing_account,
        split_bill_profile=choice.split_bill_profile,
        expected_versions=versions,
    )


# Tags: {"add": [tag ids], "remove": [tag ids], "name": a new tag to create and add}


@dataclass(frozen=True)
class _TagsChoice:
    add: list[Tag]
    remove: list[Tag]


def _tags_prepare(actor: Actor, job: BulkJob) -> _TagsChoice:
    own = Tag.objects.filter(customer=job.customer)
    add = list(own.filter(pk__in=job.params.get("add", [])))
    if str(job.params.get("name", "")).strip():
        add.append(tag_create(actor=actor, customer=job.customer, name=job.params["name"]))
    return _TagsChoice(add=add, remove=list(own.filter(pk__in=job.params.get("remove", []))))


def _tags_apply(actor: Actor, lines: list[Line], choice: _TagsChoice, versions: Versions) -> object:
    return lines_set_tags(actor=actor, lines=lines, add=choice.add, remove=choice.remove)


CHANGES: dict[str, _Change] = {
    Kind.PLAN: _Change(_plan_prepare, _plan_check, _plan_apply, PRODUCTS_CHANGEABLE),
    Kind.OPTIONS: _Change(_options_prepare, _options_check, _options_apply, PRODUCTS_CHANGEABLE),
    Kind.BLOCKS: _Change(_blocks_prepare, _blocks_check, _blocks_apply, CONTROLLABLE),
    Kind.BILLING_ACCOUNT: _Change(_billing_prepare, _all_apply, _billing_apply, BILLING_CHANGEABLE),
    Kind.TAGS: _Change(_tags_prepare, _all_apply, _tags_apply, None),
}


# --- queueing ------------------------------------------------------------------------------------


@transaction.atomic
def bulk_job_create(
    *,
    actor: Actor,
    kind: str,
    lines: Sequence[Line],
    params: dict[str, Any],
    versions: Versions = None,
    start: Start,
) -> BulkJob:
    """Record a bulk change of `lines` for a worker; `start(job_id)` queues it (e.g.
    `tasks.run_bulk_job`) once committed. `params` are the choice as the kind reads it (ids,
    service codes); `versions` each line's version when reviewed (R2), else as they are now."""
    customer = actor.tenant
    require_fleet(actor, customer)
    if kind not in CHANGES:
        raise ActionError(_("Unknown kind of change."), field="kind")
    if not lines:
        raise ActionError(NO_LINES, field="lines")
    require_fleet_lines(actor, lines)
    ids = list(dict.fromkeys(line.pk for line in lines))
    seen = versions if versions is not None else {line.pk: line.version for line in lines}
    job = BulkJob.objects.create(
        customer=customer,
        created_by=actor.user,
        api_key=actor.api_key,
        kind=kind,
        params={**params, "lines": ids, "versions": [[pk, seen[pk]] for pk in ids if pk in seen]},
        language=translation.get_language() or "en",
        total=len(ids),
    )
    transaction.on_commit(partial(start, job.pk))
    return job


# --- the worker's part ---------------------------------------------------------------------------


def claim_job(job_id: int, *, kinds: Collection[str]) -> BulkJob | None:
    """Take the job (of one of `kinds`) if it waits, or runs with an expired lease (its worker is
    gone) and may be tried again: one UPDATE, so two workers never both take it."""
    now = timezone.now()
    taken = (
        BulkJob.objects.filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_until__lt=now), pk=job_id)
        .filter(kind__in=list(kinds), attempts__lt=MAX_ATTEMPTS)
        .update(status=Status.RUNNING, attempts=F("attempts") + 1, lease_until=now + LEASE, started_at=now)
    )
    if not taken:
        return None
    return BulkJob.objects.select_related("customer", "created_by", "api_key__customer").get(pk=job_id)


def _job_actor(job: BulkJob) -> Actor:
    return requester(
        job,
        key_lost=_("The API key that asked for this change is revoked or lost the fleet scope."),
        person_lost=_("The person who asked for this change may no longer manage SIM cards."),
    )


def _lines_of(job: BulkJob) -> list[Line]:
    """The job's lines in the order asked, with what the checks read (plan, current options)."""
    ids = job.params["lines"]
    found = Line.objects.filter(pk__in=ids, customer=job.customer).select_related("plan").in_bulk()
    if len(found) != len(ids):
        raise ActionError(LINES_GONE, field="lines", code="conflict")
    return load_current_options([found[pk] for pk in ids])


def _versions(job: BulkJob) -> dict[int, int]:
    return {int(pk): int(version) for pk, version in job.params.get("versions") or []}


def _run(job: BulkJob, progress: Progress) -> list[list[Any]]:
    """The change itself, inside the job's transaction; answers the per-line results."""
    change = CHANGES[job.kind]
    actor = _job_actor(job)
    require_fleet(actor, job.customer)
    lines = _lines_of(job)
    versions = _versions(job)
    prepared = change.prepare(actor, job)
    outcomes = change.check(actor, lines, prepared, versions)
    changing = [line for line in lines if outcomes[line.pk][0] == APPLIED]
    done = len(lines) - len(changing)
    progress(done, len(lines))
    for first in range(0, len(changing), CHUNK):
        chunk = changing[first : first + CHUNK]
        change.apply(actor, chunk, prepared, versions)
        done += len(chunk)
        progress(done, len(lines))
    return [[line.pk, line.msisdn, *outcomes[line.pk]] for line in lines]


def _failed_results(job: BulkJob, reason: str) -> list[list[Any]]:
    """Every line failed: with its own refusal where the change's status rule finds one."""
    change = CHANGES[job.kind]
    lines = list(Line.objects.filter(pk__in=job.params["lines"], customer=job.customer).in_bulk().values())
    by_id = {line.pk: line for line in lines}
    refusals = change.rule.refusals(lines) if change.rule is not None else {}
    return [
        [pk, by_id[pk].msisdn if pk in by_id else "", FAILED, str(refusals[pk].message) if pk in refusals else reason]
        for pk in job.params["lines"]
    ]


def end_job(job: BulkJob, status: str, *, error: str = "", **fields: Any) -> bool:
    """Write how the job ended (and `fields`: its results, its file), if it is still this run's
    (a worker that took it over after the lease wins); answers whether it was."""
    return bool(
        BulkJob.objects.filter(pk=job.pk, status=Status.RUNNING, attempts=job.attempts).update(
            status=status,
            error=error[:2000],
            **fields,
            done=job.total if status == Status.DONE else 0,
            finished_at=timezone.now(),
            lease_until=None,
        )
    )


def bulk_job_run(*, job_id: int, progress: Progress | None = None) -> BulkJob | None:
    """The worker's part: run the job if it is ours to run (see `claim_job`), all or nothing;
    answers it as it ended, or None if it was not ours."""
    job = claim_job(job_id, kinds=CHANGES)
    if job is None:
        return None
    with translation.override(job.language):
        try:
            with transaction.atomic():
                # Held until the change commits: a worker taking the job over waits here, then
                # finds it done (`end_job` checks the attempt).
                list(BulkJob.objects.select_for_update().filter(pk=job.pk).values_list("pk"))
                results = _run(job, progress or _quiet)
                if not end_job(job, Status.DONE, results=results):
                    transaction.set_rollback(True)
        except ActionError as exc:
            end_job(job, Status.FAILED, results=_failed_results(job, str(exc.message)), error=str(exc.message))
        except Exception:  # a bug or the database: nothing was applied; said so, the trace logged
            log.exception("bulk job %s failed", job.pk)
            reason = _("The change could not be carried out: nothing was changed. Try again later.")
            end_job(job, Status.FAILED, results=_failed_results(job, reason), error=reason)
    job.refresh_from_db()
    return job


def abandoned_job(job_id: int, *, kinds: Collection[str]) -> BulkJob | None:
    """The job (of one of `kinds`) if it is running with an expired lease after `MAX_ATTEMPTS`
    runs: its worker vanished each time, so it is not tried again."""
    return (
        BulkJob.objects.filter(pk=job_id, status=Status.RUNNING, lease_until__lt=timezone.now())
        .filter(attempts__gte=MAX_ATTEMPTS, kind__in=list(kinds))
        .first()
    )


def bulk_job_give_up(*, job_id: int) -> bool:
    """A running job whose worker vanished `MAX_ATTEMPTS` times: marked failed, nothing applied."""
    job = abandoned_job(job_id, kinds=CHANGES)
    if job is None:
        return False
    with translation.override(job.language):
        reason = _("The change was interrupted %(count)d times: nothing was changed. Try again later.") % {
            "count": job.attempts
        }
        return end_job(job, Status.FAILED, results=_failed_results(job, reason), error=reason)

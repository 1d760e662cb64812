"""Importing lines from a CSV (F-32): upload, a dry run that changes nothing, then apply.

The dry run runs every row through `line_add`, the add-SIM wizard's own action, with a
savepoint per row, and always rolls back: each row gets the wizard's own error, and rows that
would clash (two taking the same card or number) are found as they would be one by one.

The apply, after a clean dry run, gives every row at once to `lines_add`, the wizard's action
for many lines: the same rules and messages, set-based (DESIGN rule 4), all or nothing; what
changed since the dry run is named per row.

Both run as worker jobs: the caller hands in `start`, which queues the job once the upload or
the "Apply" is committed (actions never import the worker's tasks), and the job passes a
`progress(done, total)` callback that the actions call as rows are done (`fleet.jobs`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fleetportal.billing.models import BillingAccount
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Customer
from fleetportal.fleet.imports import (
    COLUMNS,
    CsvRow,
    RowError,
    parse_csv,
    parse_date,
    progress_key,
    read_upload,
    rows_done,
    split_list,
)
from fleetportal.fleet.models import ImportJob, Line, Tag

from .billing import clean_tag_name, lines_set_tags, tag_create
from .common import max_length, require_fleet
from .details import LineDetails
from .lines import LinesRefused, NewLine, NewNumber, PortIn, line_add, lines_add
from .requester import requester

# Moved to `fleet.imports` (reads) and `fleet.jobs` (the worker's side); named here still for
# the callers that import them from this module.
__all__ = ["import_job_apply", "import_job_create", "import_job_run", "progress_key", "rows_done"]

Progress = Callable[[int, int], None]
Start = Callable[[int], object]

# The wizard's field names that the CSV calls otherwise.
FIELD_COLUMNS = {
    "msisdn": "number",
    "donor_operator": "port_in_operator",
    "donor_account": "port_in_account",
    "donor_sim": "port_in_account",
    "contact_phone": "phone",
}


def _column(field: str | None) -> str:
    column = FIELD_COLUMNS.get(field or "", field or "")
    return column if column in COLUMNS else ""


@dataclass
class _Catalogue:
    """What a row's names and numbers refer to, read once per import."""

    plans: dict[str, TariffPlan]
    options: dict[str, Option]
    accounts: dict[str, BillingAccount]
    civilities: dict[str, str]

    @classmethod
    def load(cls, customer: Customer) -> _Catalogue:
        def by_code_and_name(items: list[Any]) -> dict[str, Any]:
            return {**{i.name.casefold(): i for i in items}, **{i.code.casefold(): i for i in items}}

        civilities = {value: value for value in Line.Civility.values}
        with translation.override("en"):
            civilities |= {str(label).casefold(): value for value, label in Line.Civility.choices}
        civilities |= {str(label).casefold(): value for value, label in Line.Civility.choices}
        return cls(
            plans=by_code_and_name(list(TariffPlan.objects.all())),
            options=by_code_and_name(list(Option.objects.all())),
            accounts={a.number: a for a in BillingAccount.objects.filter(customer=customer).select_related("customer")},
            civilities=civilities,
        )

    def resolve(self, row: CsvRow) -> tuple[dict[str, Any], list[RowError]]:
        """The row as `line_add` arguments, or the names it uses that do not exist."""
        values, problems = row.values, []
        plan = self.plans.get(values["plan"].casefold())
        if plan is None:
            named = values["plan"][: max_length(TariffPlan, "name")]
            problems.append(RowError("plan", _("Unknown tariff plan “%(plan)s”.") % {"plan": named}))
        options = []
        for name in split_list(values["options"]):
            option = self.options.get(name.casefold())
            if option is None:
                named = name[: max_length(Option, "name")]
                problems.append(RowError("options", _("Unknown option “%(option)s”.") % {"option": named}))
            else:
                options.append(option)
        account = self._account(values["billing_account"], problems)
        for name in split_list(values["tags"]):
            try:
                clean_tag_name(name)
            except ActionError as exc:
                problems.append(RowError("tags", str(exc.message)))
        if problems:
            return {}, problems
        number_choice: NewNumber | PortIn
        if values["port_in_operator"]:
            number_choice = PortIn(
                msisdn=values["number"],
                donor_operator=values["port_in_operator"],
                donor_account=values["port_in_account"],
            )
        else:
            number_choice = NewNumber(msisdn=values["number"])
        details = LineDetails(
            description=values["description"],
            civility=self.civilities.get(values["civility"].casefold(), values["civility"]),
            first_name=values["first_name"],
            last_name=values["last_name"],
            birth_date=parse_date(values["birth_date"]) if values["birth_date"] else None,
            email=values["email"],
            contact_phone=values["phone"],
            language=values["language"].lower(),
        )
        return {
            "iccid": values["iccid"],
            "details": details,
            "plan": plan,
            "options": options,
            "billing_account": account,
            "number_choice": number_choice,
        }, []

    def _account(self, number: str, problems: list[RowError]) -> BillingAccount | None:
        if number:
            account = self.accounts.get(number.replace(" ", ""))
            if account is None:
                named = number[: max_length(BillingAccount, "number")]
                problems.append(
                    RowError("billing_account", _("Unknown billing account “%(number)s”.") % {"number": named})
                )
            return account
        if len(self.accounts) == 1:
            return next(iter(self.accounts.values()))
        problems.append(RowError("billing_account", _("Choose the billing account: you have several.")))
        return None


def _tags(actor: Actor, customer: Customer, names: set[str]) -> dict[str, Tag]:
    """The customer's tags by lower-case name; the ones the file names that do not exist yet are made."""
    existing = {tag.name.casefold(): tag for tag in Tag.objects.filter(customer=customer)}
    for name in sorted(names):
        if name.casefold() not in existing:
            existing[name.casefold()] = tag_create(actor=actor, customer=customer, name=name)
    return existing


# --- the job ---------------------------------------------------------------------------------------

Errors = dict[str, list[list[str]]]


def _row_errors(problem: ActionError) -> list[list[str]]:
    return [[_column(problem.field), str(problem.message)]]


def _check_rows(actor: Actor, rows: list[CsvRow], resolved: dict[int, dict[str, Any]], progress: Progress) -> Errors:
    """The dry run: each row through `line_add` in its own savepoint, in file order."""
    errors: Errors = {}
    for done, row in enumerate(rows, start=1):
        arguments = resolved.get(row.number)
        if arguments is not None:
            try:
                line_add(actor=actor, **arguments)
            except ActionError as exc:
                errors[str(row.number)] = _row_errors(exc)
        progress(done, len(rows))
    return errors


def _apply_rows(
    actor: Actor, rows: list[CsvRow], resolved: dict[int, dict[str, Any]]
) -> tuple[Errors, list[tuple[CsvRow, Line]]]:
    """The apply: every row at once (`lines_add`, all or nothing), each refused row named."""
    numbers = list(resolved)
    try:
        lines = lines_add(actor=actor, lines=[NewLine(**resolved[number]) for number in numbers])
    except LinesRefused as refused:
        return {str(numbers[index]): _row_errors(problem) for index, problem in refused.problems.items()}, []
    except ActionError as exc:  # not one row's (e.g. another job took a card at the same moment)
        return {"0": _row_errors(exc)}, []
    by_number = {row.number: row for row in rows}
    return {}, [(by_number[number], line) for number, line in zip(numbers, lines, strict=True)]


def _tag_lines(actor: Actor, customer: Customer, created: list[tuple[CsvRow, Line]]) -> None:
    """The tags the file names, made if new; one `lines_set_tags` per set of tags."""
    tagged: dict[tuple[str, ...], list[Line]] = defaultdict(list)
    for row, line in created:
        names = tuple(split_list(row.values["tags"]))
        if names:
            tagged[names].append(line)
    tags = _tags(actor, customer, {name for names in tagged for name in names})
    for names, lines in tagged.items():
        lines_set_tags(actor=actor, lines=lines, add=[tags[name.casefold()] for name in names])


def _run_rows(actor: Actor, job: ImportJob, *, apply: bool, progress: Progress) -> tuple[Errors, int]:
    """The dry run, always rolled back, or the apply, rolled back unless every row passed."""
    customer = job.customer
    errors: Errors = {}
    with transaction.atomic():
        require_fleet(actor, customer)
        catalogue = _Catalogue.load(customer)
        rows = parse_csv(job.content)
        resolved: dict[int, dict[str, Any]] = {}
        for row in rows:
            arguments, problems = catalogue.resolve(row) if not row.errors else ({}, row.errors)
            if problems:
                errors[str(row.number)] = [[p.column, p.message] for p in problems]
            else:
                resolved[row.number] = arguments
        if not apply:
            errors |= _check_rows(actor, rows, resolved, progress)
            transaction.set_rollback(True)
            return dict(sorted(errors.items(), key=lambda item: int(item[0]))), 0
        rejected, created = _apply_rows(actor, rows, resolved)
        errors |= rejected
        if errors:  # a name the file uses is gone, or a row no longer passes: nothing is imported
            transaction.set_rollback(True)
            return dict(sorted(errors.items(), key=lambda item: int(item[0]))), 0
        _tag_lines(actor, customer, created)
        record(
            actor=actor,
            action="lines.imported",
            customer=customer,
            obj=job,
            after={"file": job.file_name, "lines": len(created)},
        )
        progress(len(rows), len(rows))
    return {}, len(created)


def _job_actor(job: ImportJob) -> Actor:
    """Who uploaded the file, acting through a job (`requester`)."""
    return requester(
        job,
        key_lost=_("The API key that uploaded this file is revoked or lost the fleet scope."),
        person_lost=_("The person who uploaded this file may no longer manage SIM cards."),
    )


def import_job_run(*, job_id: int, apply: bool, progress: Progress | None = None) -> ImportJob:
    """The worker's part: the dry run after an upload, or the import after "Apply".
    `progress(done, total)` is told how many rows are done as they are (see `fleet.jobs`)."""
    job = ImportJob.objects.select_related("customer", "created_by", "api_key__customer").get(pk=job_id)
    with translation.override(job.language):
        try:
            errors, created = _run_rows(_job_actor(job), job, apply=apply, progress=progress or _quiet)
        except ActionError as exc:  # the uploader lost the right to manage the fleet meanwhile
            errors, created = {"0": [["", str(exc.message)]]}, 0
    status = ImportJob.Status.CHECKED
    if apply:
        status = ImportJob.Status.FAILED if errors else ImportJob.Status.DONE
    job.status, job.errors, job.done, job.finished_at = status, errors, job.total, timezone.now()
    job.created = created if apply and not errors else 0
    job.save(update_fields=["status", "errors", "done", "created", "finished_at"])
    return job


def _quiet(done: int, total: int) -> None:
    """No one follows the progress."""


@transaction.atomic
def import_job_create(*, actor: Actor, file_name: str, data: bytes, start: Start) -> ImportJob:
    """Take an uploaded CSV and start its dry run: `start(job_id)` queues it (the worker's job,
    e.g. `partial(tasks.import_lines, apply=False)`) once the upload is committed. A file that
    cannot be read at all is refused here with one message (`field="file"`); problems of single
    rows show in the dry run."""
    customer = actor.tenant
    require_fleet(actor, customer)
    text = read_upload(data)
    rows = parse_csv(text)
    job = ImportJob.objects.create(
        customer=customer,
        created_by=actor.user,
        api_key=actor.api_key,
        file_name=file_name[: max_length(ImportJob, "file_name")],
        content=text,
        language=translation.get_language() or "en",
        total=len(rows),
    )
    transaction.on_commit(partial(start, job.pk))
    return job


@transaction.atomic
def import_job_apply(*, actor: Actor, job: ImportJob, start: Start) -> ImportJob:
    """ "Apply" after a clean dry run: `start(job_id)` queues the worker's job (e.g.
    `partial(tasks.import_lines, apply=True)`), which imports every row or none."""
    require_fleet(actor, job.customer)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)  # two clicks on "Apply" start one import
    if job.status != ImportJob.Status.CHECKED:
        raise ActionError(_("This file is already imported or being imported."), code="conflict")
    if job.errors:
        raise ActionError(_("Correct the rows with errors in the file and upload it again."))
    job.status, job.done = ImportJob.Status.APPLYING, 0
    job.save(update_fields=["status", "done"])
    transaction.on_commit(partial(start, job.pk))
    return job

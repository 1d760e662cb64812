"""Importing lines from a CSV (F-32): upload, a dry run that changes nothing, then apply.

The dry run runs every row through `line_add`, the add-SIM wizard's own action, with a
savepoint per row, and always rolls back: each row gets the wizard's own error, and rows that
would clash (two taking the same card or number) are found as they would be one by one.

The apply, after a clean dry run, checks every row again with the same rules and creates the
lines set-based (DESIGN rule 4): the cards and numbers taken in one UPDATE each, the lines, their
options and their audit rows in one INSERT each, whatever the number of rows; all or nothing.

Both run as worker jobs: the caller hands in `start`, which queues the job once the upload or
the "Apply" is committed (actions never import the worker's tasks), and the job passes a
`progress(done, total)` callback that the actions call as rows are done (`fleet.jobs`).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fleetportal.accounts.api_keys import key_functions
from fleetportal.accounts.models import ApiKey, Membership
from fleetportal.billing.models import BillingAccount
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.inserts import insert_rows
from fleetportal.core.models import Channel, Customer
from fleetportal.core.phones import InvalidNumber, parse_mobile
from fleetportal.fleet.iccid import is_valid_iccid, normalize_iccid
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
from fleetportal.fleet.models import ImportJob, Line, LineOption, PoolNumber, SimCard, Tag

from .billing import lines_set_tags, tag_create
from .common import audit_lines, require_fleet, require_options_retained, require_plan_retained
from .details import LineDetails, clean_details
from .lines import NewNumber, PortIn, line_add, port_in_problems, require_options_apply

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
            problems.append(RowError("plan", _("Unknown tariff plan “%(plan)s”.") % {"plan": values["plan"][:60]}))
        options = []
        for name in split_list(values["options"]):
            option = self.options.get(name.casefold())
            if option is None:
                problems.append(RowError("options", _("Unknown option “%(option)s”.") % {"option": name[:60]}))
            else:
                options.append(option)
        account = self._account(values["billing_account"], problems)
        for name in split_list(values["tags"]):
            if len(name) > Tag._meta.get_field("name").max_length:  # type: ignore[union-attr,operator]
                problems.append(RowError("tags", _("A tag has at most 60 characters.")))
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
                problems.append(
                    RowError("billing_account", _("Unknown billing account “%(number)s”.") % {"number": number[:20]})
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


# --- the apply, set-based -------------------------------------------------------------------------

# `take_blank_sim`'s, `_reserve_pool_number`'s and `_port_in_number`'s refusals, for many rows at once.
BAD_ICCID = gettext_lazy("Enter the 19 or 20 digits of the SIM card number; the last one is a check digit.")
NOT_IN_STOCK = gettext_lazy("This SIM card is not in your stock.")
SIM_IN_USE = gettext_lazy("This SIM card is already in use.")
NUMBER_NOT_FREE = gettext_lazy("This number is not free in the number pool: choose another one.")
POOL_EMPTY = gettext_lazy("The number pool has no free number left: contact the operator.")
ALREADY_OURS = gettext_lazy("This number is already ours: choose it as a new number instead.")
ALREADY_A_LINE = gettext_lazy("This number is already a line of the portal.")


@dataclass
class NewLine:
    """One row of a file on its way to a line: `line_add`'s arguments, then what the checks found."""

    row: int  # the file line, for its errors
    iccid: str
    details: LineDetails
    plan: TariffPlan
    options: list[Option]
    billing_account: BillingAccount
    number_choice: NewNumber | PortIn
    sim: SimCard | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    msisdn: str = ""
    port_in: dict[str, str] = field(default_factory=dict)


class _Checks:
    """The rows still without a problem, and the first problem of each other row (as `line_add`
    checks one row: card, products, details, number); a row with a problem takes no card or number."""

    def __init__(self, rows: Sequence[NewLine]):
        self.rows = list(rows)
        self.problems: dict[int, ActionError] = {}

    def ok(self) -> list[NewLine]:
        return [row for row in self.rows if row.row not in self.problems]

    def refuse(self, row: NewLine, problem: ActionError | str | Promise, field: str = "") -> None:
        if row.row not in self.problems:
            self.problems[row.row] = problem if isinstance(problem, ActionError) else ActionError(problem, field=field)


def _check_sims(checks: _Checks, customer: Customer) -> None:
    """Blank cards of the customer's stock or the operator's, each for one row (`take_blank_sim`)."""
    for row in checks.ok():
        row.iccid = normalize_iccid(row.iccid)
        if not is_valid_iccid(row.iccid):
            checks.refuse(row, BAD_ICCID, "iccid")
    cards = {
        sim.iccid: sim
        for sim in SimCard.objects.select_for_update(of=("self",)).filter(
            Q(customer=customer) | Q(customer=None), iccid__in={row.iccid for row in checks.ok()}
        )
    }
    taken: set[int] = set()
    for row in checks.ok():
        sim = cards.get(row.iccid)
        if sim is None:
            checks.refuse(row, NOT_IN_STOCK, "iccid")
        elif sim.status != SimCard.Status.BLANK or sim.pk in taken:
            checks.refuse(row, SIM_IN_USE, "iccid")
        else:
            row.sim = sim
            taken.add(sim.pk)


def _check_products(checks: _Checks) -> None:
    """Plan and options retained by the contract and going together (`line_add`'s check), once
    per plan, options and contract, not once per row."""
    verdicts: dict[tuple[int, tuple[int, ...], int], ActionError | None] = {}
    for row in checks.ok():
        row.options = list(dict.fromkeys(row.options))
        key = (row.plan.pk, tuple(option.pk for option in row.options), row.billing_account.contract_id)
        if key not in verdicts:
            contracts = {row.billing_account.contract_id}
            try:
                require_plan_retained(row.plan, contracts)
                require_options_retained(row.options, contracts)
                require_options_apply(row.plan, row.options)
            except ActionError as exc:
                verdicts[key] = exc
            else:
                verdicts[key] = None
        problem = verdicts[key]
        if problem is not None:
            checks.refuse(row, problem)


def _check_details(checks: _Checks) -> None:
    for row in checks.ok():
        try:
            row.fields = clean_details(row.details.as_dict())
        except ActionError as exc:
            checks.refuse(row, exc)


def _check_numbers(checks: _Checks) -> None:
    """Port-ins: a number neither ours nor a line's already (`_port_in_number`). New numbers: the
    one asked for if free, else the first free one, in file order (`_reserve_pool_number`)."""
    wanted: list[NewLine] = []
    for row in checks.ok():
        choice = row.number_choice
        if isinstance(choice, PortIn):
            found = port_in_problems(choice)
            if found:
                checks.refuse(row, found[0])
                continue
            row.msisdn = parse_mobile(choice.msisdn)
            row.port_in = {
                name: getattr(choice, name).strip() for name in ("donor_operator", "donor_account", "donor_sim")
            }
        elif choice.msisdn:
            try:
                row.msisdn = parse_mobile(choice.msisdn)
            except InvalidNumber as exc:
                checks.refuse(row, exc.message, "msisdn")
                continue
            wanted.append(row)
        else:
            wanted.append(row)
    ported = [row for row in checks.ok() if row.port_in]
    ours = set(PoolNumber.objects.filter(msisdn__in={row.msisdn for row in ported}).values_list("msisdn", flat=True))
    for row in ported:
        if row.msisdn in ours:
            checks.refuse(row, ALREADY_OURS, "msisdn")

    free = PoolNumber.objects.select_for_update(of=("self",)).filter(status=PoolNumber.Status.FREE)
    chosen = {row.msisdn for row in wanted if row.msisdn}
    available = set(free.filter(msisdn__in=chosen).values_list("msisdn", flat=True))
    automatic = sum(1 for row in wanted if not row.msisdn)
    if automatic:
        # Enough of the first free numbers for every row without a choice, even if the rows
        # with a choice take some of them (as they would one by one, in file order).
        first_free = free.select_for_update(skip_locked=True, of=("self",)).order_by("msisdn")
        available |= set(first_free.values_list("msisdn", flat=True)[: automatic + len(chosen)])
    in_order = sorted(available)
    heapq.heapify(in_order)
    for row in wanted:
        if row.msisdn:
            if row.msisdn in available:
                available.discard(row.msisdn)
            else:
                checks.refuse(row, NUMBER_NOT_FREE, "msisdn")
            continue
        while in_order and in_order[0] not in available:
            heapq.heappop(in_order)
        if not in_order:
            checks.refuse(row, POOL_EMPTY, "msisdn")
            continue
        row.msisdn = heapq.heappop(in_order)
        available.discard(row.msisdn)


def _check_no_live_line(checks: _Checks) -> None:
    """No line that is not stopped has the number: not in the portal, nor twice in the file."""
    live = set(
        Line.objects.filter(msisdn__in={row.msisdn for row in checks.ok()})
        .exclude(status=Line.Status.STOPPED)
        .values_list("msisdn", flat=True)
    )
    for row in checks.ok():
        if row.msisdn in live:
            checks.refuse(row, ALREADY_A_LINE, "msisdn")
        live.add(row.msisdn)


def _line_values(row: NewLine) -> dict[str, Any]:
    """A new line's columns as `insert_rows` takes them (JSON values)."""
    assert row.sim is not None  # checked by `_check_sims`
    return {
        "msisdn": row.msisdn,
        "sim_id": row.sim.pk,
        "plan_id": row.plan.pk,
        "billing_account_id": row.billing_account.pk,
        **{name: value.isoformat() if isinstance(value, date) else value for name, value in row.fields.items()},
        "donor_operator": row.port_in.get("donor_operator", ""),
        "donor_account": row.port_in.get("donor_account", ""),
        "donor_sim": row.port_in.get("donor_sim", ""),
    }


def _audit_after(row: NewLine) -> dict[str, Any]:
    """What `line_add` writes in the audit log of a new line."""
    assert row.sim is not None
    return {
        "iccid": row.sim.iccid,
        "plan": row.plan.code,
        "options": sorted(option.code for option in row.options),
        "billing_account": row.billing_account.number,
        "split_bill_profile": "",
        "port_in": bool(row.port_in),
        **{name: str(value) for name, value in row.fields.items() if name != "birth_date"},
    }


def _add_lines(
    *, actor: Actor, customer: Customer, rows: Sequence[NewLine]
) -> tuple[list[Line], dict[int, ActionError]]:
    """PENDING lines for many rows at once, each as `line_add` makes it, all or nothing: every
    row is checked with its rules first, and only if none has a problem are the cards and numbers
    taken (one UPDATE each) and the lines, their options and audit rows written (one INSERT each).
    Returns the lines, or the first problem of each row that has one (then nothing is written).
    Runs inside the caller's transaction. (The set-based twin of `line_add`: its place is next to
    it in `lines.py`, with `line_add` one row of it.)"""
    require_fleet(actor, customer)
    checks = _Checks(rows)
    _check_sims(checks, customer)
    _check_products(checks)
    _check_details(checks)
    _check_numbers(checks)
    _check_no_live_line(checks)
    if checks.problems:
        return [], checks.problems
    rows = checks.ok()
    if not rows:
        return [], {}
    sims = [row.sim.pk for row in rows if row.sim is not None]
    taken = SimCard.objects.filter(pk__in=sims, status=SimCard.Status.BLANK).update(
        status=SimCard.Status.IN_USE, customer=customer
    )
    numbers = [row.msisdn for row in rows if not row.port_in]
    assigned = PoolNumber.objects.filter(msisdn__in=numbers, status=PoolNumber.Status.FREE).update(
        status=PoolNumber.Status.ASSIGNED
    )
    if taken != len(sims) or assigned != len(numbers):  # the rows were locked: only if the data is odd
        raise ActionError(SIM_IN_USE if taken != len(sims) else NUMBER_NOT_FREE, code="conflict")
    try:
        with transaction.atomic():  # a wizard creating the same number at the same moment loses here
            ids = insert_rows(Line, [_line_values(row) for row in rows], same={"customer": customer})
    except IntegrityError:
        _check_no_live_line(checks)
        return [], checks.problems or {0: ActionError(ALREADY_A_LINE, field="msisdn")}
    insert_rows(
        LineOption,
        [{"line_id": pk, "option_id": option.pk} for pk, row in zip(ids, rows, strict=True) for option in row.options],
    )
    lines = [
        Line(
            pk=pk,
            customer=customer,
            msisdn=row.msisdn,
            sim=row.sim,
            status=Line.Status.PENDING,
            plan=row.plan,
            billing_account=row.billing_account,
            **row.fields,
            **row.port_in,
        )
        for pk, row in zip(ids, rows, strict=True)
    ]
    audit_lines(actor, "line.added", ((line, {}, _audit_after(row)) for line, row in zip(lines, rows, strict=True)))
    return lines, {}


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
    actor: Actor, customer: Customer, rows: list[CsvRow], resolved: dict[int, dict[str, Any]]
) -> tuple[Errors, list[tuple[CsvRow, Line]]]:
    """The apply: every row at once (`_add_lines`), tagged as the file says."""
    new = [NewLine(row=number, **arguments) for number, arguments in resolved.items()]
    lines, problems = _add_lines(actor=actor, customer=customer, rows=new)
    if problems:
        return {str(number): _row_errors(problem) for number, problem in sorted(problems.items())}, []
    by_number = {row.number: row for row in rows}
    return {}, [(by_number[new_line.row], line) for new_line, line in zip(new, lines, strict=True)]


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
        rejected, created = _apply_rows(actor, customer, rows, resolved)
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
    """Who uploaded the file, acting through a job: their rights (or their API key's scopes) as
    they are now. Never the portal's own job actor, which may manage every customer's lines."""
    if job.api_key_id:
        key = job.api_key
        if key is None or key.revoked_at is not None or ApiKey.Scope.FLEET not in key.scopes:
            raise PermissionDeniedError(_("The API key that uploaded this file is revoked or lost the fleet scope."))
        return Actor(user=None, channel=Channel.JOB, api_key=key, functions=key_functions(key))
    membership = (
        Membership.objects.filter(user=job.created_by, customer=job.customer)
        .exclude(status=Membership.Status.DISABLED)
        .select_related("customer")
        .first()
        if job.created_by_id
        else None
    )
    if membership is None:
        raise PermissionDeniedError(_("The person who uploaded this file may no longer manage SIM cards."))
    return Actor(
        user=job.created_by,
        channel=Channel.JOB,
        membership=membership,
        functions=frozenset(membership.functions),
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
        file_name=file_name[:200],
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

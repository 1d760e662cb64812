"""Importing lines from a CSV (F-32): upload, a dry run that changes nothing, then apply.

Both the dry run and the apply run every row through `line_add`, the add-SIM wizard's own
action, in one transaction with a savepoint per row: the dry run always rolls back, the apply
commits only when every row passed (all or nothing). Both run as worker jobs; the number of
rows done so far is kept in the job queue's key-value store, which the progress page reads
while the import's transaction is still open.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import HUEY

from fleetportal.accounts.api_keys import key_functions
from fleetportal.accounts.models import ApiKey, Membership
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import BillingAccount, Channel, Customer
from fleetportal.fleet.imports import COLUMNS, CsvRow, RowError, parse_csv, parse_date, read_upload, split_list
from fleetportal.fleet.models import ImportJob, Line, Tag

from .billing import lines_set_tags, tag_create
from .common import require_fleet
from .details import LineDetails
from .lines import NewNumber, PortIn, line_add

# The wizard's field names that the CSV calls otherwise.
FIELD_COLUMNS = {
    "msisdn": "number",
    "donor_operator": "port_in_operator",
    "donor_account": "port_in_account",
    "donor_sim": "port_in_account",
    "contact_phone": "phone",
}
PROGRESS_EVERY = 10


def _column(field: str | None) -> str:
    column = FIELD_COLUMNS.get(field or "", field or "")
    return column if column in COLUMNS else ""


def progress_key(job_id: int) -> str:
    return f"fleet-import-progress-{job_id}"


def rows_done(job: ImportJob) -> int:
    """How far a running job got (the job row itself is written when it ends)."""
    if job.status not in (ImportJob.Status.CHECKING, ImportJob.Status.APPLYING):
        return job.done
    return int(HUEY.get(progress_key(job.pk), peek=True) or 0)


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


def _run_rows(actor: Actor, job: ImportJob, *, apply: bool) -> tuple[dict[str, list[list[str]]], int]:
    """Every row through `line_add` in one transaction; rolled back unless applying without errors."""
    customer = job.customer
    errors: dict[str, list[list[str]]] = {}
    tagged: dict[tuple[str, ...], list[Line]] = defaultdict(list)
    created = 0
    with transaction.atomic():
        require_fleet(actor, customer)
        catalogue = _Catalogue.load(customer)
        rows = parse_csv(job.content)
        for done, row in enumerate(rows, start=1):
            arguments, problems = catalogue.resolve(row) if not row.errors else ({}, row.errors)
            if not problems:
                try:
                    line = line_add(actor=actor, **arguments)
                except ActionError as exc:
                    problems = [RowError(_column(exc.field), str(exc.message))]
                else:
                    created += 1
                    tagged[tuple(split_list(row.values["tags"]))].append(line)
            if problems:
                errors[str(row.number)] = [[p.column, p.message] for p in problems]
            if done % PROGRESS_EVERY == 0:
                HUEY.put(progress_key(job.pk), done)
        if apply and not errors:
            tags = _tags(actor, customer, {name for names in tagged for name in names})
            for names, lines in tagged.items():
                if names:
                    lines_set_tags(actor=actor, lines=lines, add=[tags[n.casefold()] for n in names])
            record(
                actor=actor,
                action="lines.imported",
                customer=customer,
                obj=job,
                after={"file": job.file_name, "lines": created},
            )
        else:
            transaction.set_rollback(True)
    return errors, created


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


def import_job_run(*, job_id: int, apply: bool) -> ImportJob:
    """The worker's part: the dry run after an upload, or the import after "Apply"."""
    job = ImportJob.objects.select_related("customer", "created_by", "api_key__customer").get(pk=job_id)
    with translation.override(job.language):
        try:
            errors, created = _run_rows(_job_actor(job), job, apply=apply)
        except ActionError as exc:  # the uploader lost the right to manage the fleet meanwhile
            errors, created = {"0": [["", str(exc.message)]]}, 0
    status = ImportJob.Status.CHECKED
    if apply:
        status = ImportJob.Status.FAILED if errors else ImportJob.Status.DONE
    job.status, job.errors, job.done, job.finished_at = status, errors, job.total, timezone.now()
    job.created = created if apply and not errors else 0
    job.save(update_fields=["status", "errors", "done", "created", "finished_at"])
    HUEY.get(progress_key(job.pk))  # pops the counter
    return job


@transaction.atomic
def import_job_create(*, actor: Actor, file_name: str, data: bytes) -> ImportJob:
    """Take an uploaded CSV and start its dry run. A file that cannot be read at all is refused
    here with one message (`field="file"`); problems of single rows show in the dry run."""
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
    from fleetportal.fleet.tasks import import_lines  # the worker's entry point; late to avoid a cycle

    transaction.on_commit(lambda: import_lines(job.pk, apply=False))
    return job


@transaction.atomic
def import_job_apply(*, actor: Actor, job: ImportJob) -> ImportJob:
    """ "Apply" after a clean dry run: the worker imports every row or none."""
    require_fleet(actor, job.customer)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)  # two clicks on "Apply" start one import
    if job.status != ImportJob.Status.CHECKED:
        raise ActionError(_("This file is already imported or being imported."), code="conflict")
    if job.errors:
        raise ActionError(_("Correct the rows with errors in the file and upload it again."))
    job.status, job.done = ImportJob.Status.APPLYING, 0
    job.save(update_fields=["status", "done"])
    from fleetportal.fleet.tasks import import_lines

    transaction.on_commit(lambda: import_lines(job.pk, apply=True))
    return job

"""The CSV import's apply is set-based (F-32, DESIGN rule 4): after a clean dry run it checks
every row again with the wizard's rules and creates the lines with the same few statements for
3 or 30 rows, giving what `line_add` gave row by row; what changed since the dry run is named
per row and nothing is created (R2). Progress is reported by the job, not by the action."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from huey.contrib.djhuey import HUEY

from fleetportal.core.actor import Actor
from fleetportal.core.models import AuditEvent, Customer, DomainEvent
from fleetportal.fleet import jobs
from fleetportal.fleet.actions import imports as import_actions
from fleetportal.fleet.actions.imports import import_job_apply, import_job_create, import_job_run
from fleetportal.fleet.imports import parse_csv, progress_key, rows_done
from fleetportal.fleet.models import ImportJob, Line, PoolNumber, SimCard
from fleetportal.fleet.tests.csv_rows import good_rows, make_csv
from fleetportal.fleet.tests.factories import PoolNumberFactory, SimCardFactory

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-32")]


def no_worker(job_id: int) -> None:
    """The jobs are run by the test itself."""


def checked_job(actor: Actor, data: bytes) -> ImportJob:
    job = import_job_create(actor=actor, file_name="employees.csv", data=data, start=no_worker)
    job = import_job_run(job_id=job.pk, apply=False)
    assert (job.status, job.errors) == (ImportJob.Status.CHECKED, {}), job.errors
    return import_job_apply(actor=actor, job=job, start=no_worker)


def snapshot(customer: Customer) -> dict[str, Any]:
    """What the import leaves behind, without ids and times: lines by SIM card, with their
    options, the cards and numbers taken, the audit rows and domain events of the new lines."""
    skip = {"id", "created_at", "updated_at", "sim"}
    lines = {
        str(line.sim): {
            **{f.attname: getattr(line, f.attname) for f in Line._meta.concrete_fields if f.name not in skip},
            "options": sorted(line.options.values_list("code", flat=True)),
        }
        for line in Line.objects.filter(customer=customer).select_related("sim")
    }
    audit = sorted(
        (
            event.object_label,
            event.actor_id,
            event.channel,
            event.customer_id,
            event.before,
            sorted(event.after.items()),
        )
        for event in AuditEvent.objects.filter(action="line.added")
    )
    events = sorted(
        (event.customer_id, event.object_type, sorted(event.data.items()))
        for event in DomainEvent.objects.filter(name="line.added")
    )
    return {
        "lines": lines,
        "events": events,
        "sims": sorted(SimCard.objects.values_list("iccid", "status", "customer_id")),
        "numbers": sorted(PoolNumber.objects.values_list("msisdn", "status")),
        "audit": audit,
    }


@pytest.fixture
def varied_rows(stock: tuple[SimCard, SimCard], customer: Customer) -> list[dict[str, str]]:
    """The two good rows (a new number, a port-in) plus a chosen number on an operator's card
    and an eSIM on the next free number."""
    PoolNumberFactory.create(msisdn="+32499100003")
    PoolNumberFactory.create(msisdn="+32499100004")
    operators = SimCardFactory.create(customer=None)
    esim = SimCardFactory.create(customer=customer, esim=True)
    return [
        *good_rows(stock),
        {"iccid": operators.iccid, "plan": "mobile-europe", "number": "0499 10 00 04", "first_name": "Ann"},
        {"iccid": esim.iccid, "plan": "mobile-start", "options": "roaming-world-1gb", "tags": "Sales"},
    ]


def test_the_set_based_apply_gives_what_line_add_gave_row_by_row(
    manager_actor: Actor, customer: Customer, varied_rows: list[dict[str, str]]
) -> None:
    job = checked_job(manager_actor, make_csv(varied_rows))
    actor = import_actions._job_actor(job)
    with transaction.atomic():  # the rows one by one through the wizard's action, as the import did
        catalogue = import_actions._Catalogue.load(customer)
        for row in parse_csv(job.content):
            arguments, problems = catalogue.resolve(row)
            assert not problems
            import_actions.line_add(actor=actor, **arguments)
        row_by_row = snapshot(customer)
        transaction.set_rollback(True)
    assert not Line.objects.exists()

    job = import_job_run(job_id=job.pk, apply=True)
    assert (job.status, job.created, job.errors) == (ImportJob.Status.DONE, 4, {})
    assert snapshot(customer) == row_by_row
    assert len(row_by_row["lines"]) == len(row_by_row["events"]) == 4
    assert {line["msisdn"] for line in row_by_row["lines"].values()} == {
        "+32499000001",  # the first free number, for the first row without a choice
        "+32475998877",  # ported in
        "+32499100004",  # chosen
        "+32499000002",  # the next free one
    }
    tagged = Line.objects.filter(tags__name="Sales").count()
    assert tagged == 2 and AuditEvent.objects.filter(action="line.tags_changed").count() == 2
    assert AuditEvent.objects.get(action="lines.imported").after == {"file": "employees.csv", "lines": 4}


@pytest.mark.spec("P3")
def test_the_apply_costs_the_same_statements_for_few_or_many_rows(
    manager_actor: Actor, customer: Customer, catalogue
) -> None:
    def rows(n: int, offset: int) -> bytes:
        for k in range(n):
            PoolNumberFactory.create(msisdn=f"+32499200{offset + k:03d}")
        sims = [SimCardFactory.create(customer=customer) for _ in range(n)]
        return make_csv(
            [
                {"iccid": sim.iccid, "plan": "mobile-start", "options": "roaming-world-1gb", "last_name": f"N{k}"}
                for k, sim in enumerate(sims)
            ]
        )

    few, many = checked_job(manager_actor, rows(3, 0)), checked_job(manager_actor, rows(30, 100))
    with CaptureQueriesContext(connection) as for_few:
        assert import_job_run(job_id=few.pk, apply=True).created == 3
    with CaptureQueriesContext(connection) as for_many:
        assert import_job_run(job_id=many.pk, apply=True).created == 30
    assert len(for_many) <= len(for_few)
    statements = [query["sql"] for query in for_many.captured_queries]
    assert sum(sql.startswith('INSERT INTO "fleet_line"') for sql in statements) == 1
    assert sum(sql.startswith('INSERT INTO "core_auditevent"') for sql in statements) == 2  # lines, the import

    def savepoints(queries: CaptureQueriesContext) -> int:
        return sum(query["sql"].startswith("SAVEPOINT") for query in queries.captured_queries)

    assert savepoints(for_many) == savepoints(for_few)  # not one per row
    assert Line.objects.filter(status=Line.Status.PENDING).count() == 33


@pytest.mark.spec("R2", "R3")
def test_what_changed_since_the_dry_run_is_named_per_row_and_nothing_is_imported(
    manager_actor: Actor, customer: Customer, stock: tuple[SimCard, SimCard], make_line
) -> None:
    first, second = stock
    third = SimCardFactory.create(customer=customer)
    rows = [
        {"iccid": first.iccid, "plan": "mobile-start", "number": "0499 00 00 02"},
        {
            "iccid": second.iccid,
            "plan": "mobile-start",
            "number": "0475 99 88 77",
            "port_in_operator": "Proximus",
            "port_in_account": "PX-1",
        },
        {"iccid": third.iccid, "plan": "mobile-start"},
    ]
    job = checked_job(manager_actor, make_csv(rows))
    # Meanwhile the wizard took both pool numbers and ported the same number in.
    PoolNumber.objects.update(status=PoolNumber.Status.ASSIGNED)
    make_line(msisdn="+32475998877")

    job = import_job_run(job_id=job.pk, apply=True)
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == {
        "2": [["number", "This number is not free in the number pool: choose another one."]],
        "3": [["number", "This number is already a line of the portal."]],
        "4": [["number", "The number pool has no free number left: contact the operator."]],
    }
    assert Line.objects.count() == 1  # the wizard's, nothing of the file
    assert set(SimCard.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list("status", flat=True)) == {
        SimCard.Status.BLANK
    }
    assert not AuditEvent.objects.filter(action__in=["line.added", "lines.imported"]).exists()


def test_progress_is_written_by_the_job_not_by_the_action(
    manager_actor: Actor, stock: tuple[SimCard, SimCard], monkeypatch: pytest.MonkeyPatch
) -> None:
    job = import_job_create(
        actor=manager_actor, file_name="employees.csv", data=make_csv(good_rows(stock)), start=no_worker
    )
    written: list[tuple[str, int]] = []
    monkeypatch.setattr(HUEY, "put", lambda key, value: written.append((key, value)))
    import_job_run(job_id=job.pk, apply=False)  # the action alone reports to no one
    assert written == []

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING)
    with jobs.import_progress(job.pk, every=1) as report:
        import_job_run(job_id=job.pk, apply=False, progress=report)
    assert written == [(progress_key(job.pk), 1), (progress_key(job.pk), 2)]


@pytest.mark.spec("F-32")
def test_the_job_reports_progress_where_the_page_reads_it(
    manager_actor: Actor, stock: tuple[SimCard, SimCard], monkeypatch: pytest.MonkeyPatch
) -> None:
    job = import_job_create(
        actor=manager_actor, file_name="employees.csv", data=make_csv(good_rows(stock)), start=no_worker
    )
    seen: list[int] = []
    real_run = import_actions.import_job_run

    def run_and_look(**kwargs: Any) -> ImportJob:
        progress = kwargs["progress"]

        def looking(done: int, total: int) -> None:
            progress(done, total)
            seen.append(rows_done(ImportJob.objects.get(pk=job.pk)))

        return real_run(**{**kwargs, "progress": looking})

    monkeypatch.setattr(jobs, "import_job_run", run_and_look)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 1)
    finished = jobs.import_lines(job.pk, apply=False)
    assert finished.status == ImportJob.Status.CHECKED and rows_done(finished) == 2
    assert seen[-1] == 2


def test_no_fleet_action_imports_the_worker_tasks() -> None:
    """Actions queue work through a callable their caller hands in (`start=`), never by
    importing the Huey tasks (which import the actions: a cycle)."""
    actions = Path(import_actions.__file__).parent
    for module in actions.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(alias.name for alias in node.names)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not any(name == "tasks" or name.endswith(".tasks") for name in names), module.name

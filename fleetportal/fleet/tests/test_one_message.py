"""Each rule once (DESIGN rules 1 and 3): the due-changes job and the CSV import refuse a line
with the very check and message of the action behind them, exported by the action's module,
never a copy; every refusal of the fleet's actions is written once; limits come from the model."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from fleetportal.catalog.models import ContractPlan, TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Contract, Customer
from fleetportal.fleet import actions
from fleetportal.fleet.actions import imports as import_actions
from fleetportal.fleet.actions.jobs import run_due_changes
from fleetportal.fleet.models import ImportJob, Line, ScheduledChange, SimCard, Tag
from fleetportal.fleet.tests.csv_rows import good_rows, make_csv

pytestmark = pytest.mark.spec("R3")

ACTIONS_DIR = Path(actions.__file__).parent
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def today() -> date:
    return timezone.localdate()


def test_every_message_of_the_fleets_actions_is_written_once() -> None:
    """A translatable message in two places of `fleet/actions` is a copied rule: export the
    check from the action's module instead."""
    places: dict[str, list[str]] = defaultdict(list)
    for module in sorted(ACTIONS_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT:
                message = node.args[-1] if node.func.id.startswith("p") else node.args[0]
                if isinstance(message, ast.Constant) and isinstance(message.value, str):
                    places[message.value].append(f"{module.name}:{node.lineno}")
    copies = {message: where for message, where in places.items() if len(where) > 1}
    assert not copies, copies


# --- the due-changes job says what the action says ----------------------------------------------------


def _europe(plans: dict[str, TariffPlan]) -> TariffPlan:
    return plans["mobile-europe"]


# kind → (the status the line is in when the change is planned, how it changes meanwhile, the
# action the change runs, called on the line as the job would)
CASES: dict[str, tuple[str, Callable[..., object], Callable[..., object]]] = {
    "activate": (
        Line.Status.PENDING,
        lambda line, **_: Line.objects.filter(pk=line.pk).update(status=Line.Status.ACTIVE),
        lambda actor, line, **_: actions.line_activate(actor=actor, lines=[line], on=today()),
    ),
    "suspend": (
        Line.Status.ACTIVE,
        lambda line, **_: Line.objects.filter(pk=line.pk).update(status=Line.Status.SUSPENDED),
        lambda actor, line, **_: actions.lines_suspend(actor=actor, lines=[line]),
    ),
    "reactivate": (
        Line.Status.SUSPENDED,
        lambda line, **_: Line.objects.filter(pk=line.pk).update(status=Line.Status.STOPPED),
        lambda actor, line, **_: actions.lines_reactivate(actor=actor, lines=[line]),
    ),
    "stop": (
        Line.Status.ACTIVE,
        lambda line, **_: Line.objects.filter(pk=line.pk).update(status=Line.Status.STOPPED),
        lambda actor, line, **_: actions.line_stop(actor=actor, line=line, on=today()),
    ),
    "plan, stopped": (
        Line.Status.ACTIVE,
        lambda line, **_: Line.objects.filter(pk=line.pk).update(status=Line.Status.STOPPED),
        lambda actor, line, plans, **_: actions.lines_change_plan(actor=actor, lines=[line], plan=_europe(plans)),
    ),
    "plan, moved already": (
        Line.Status.ACTIVE,
        lambda line, plans, **_: Line.objects.filter(pk=line.pk).update(plan=_europe(plans)),
        lambda actor, line, plans, **_: actions.lines_change_plan(actor=actor, lines=[line], plan=_europe(plans)),
    ),
    "plan, not in the contract": (
        Line.Status.ACTIVE,
        lambda line, plans, catalogue, **_: ContractPlan.objects.filter(
            contract=catalogue, plan=_europe(plans)
        ).delete(),
        lambda actor, line, plans, **_: actions.lines_change_plan(actor=actor, lines=[line], plan=_europe(plans)),
    ),
}


def _plan(actor: Actor, kind: str, line: Line, plans: dict[str, TariffPlan]) -> None:
    later = today() + timedelta(days=3)
    if kind == "activate":
        actions.line_activate(actor=actor, lines=[line], on=later)
    elif kind == "suspend":
        actions.lines_suspend(actor=actor, lines=[line], on=later)
    elif kind == "reactivate":
        actions.lines_reactivate(actor=actor, lines=[line], on=later)
    elif kind == "stop":
        actions.line_stop(actor=actor, line=line, on=later)
    else:
        actions.lines_change_plan(actor=actor, lines=[line], plan=_europe(plans), on=later)
    ScheduledChange.objects.update(due_date=today())  # the day came


@pytest.mark.spec("R3", "R2", "F-22", "F-25", "F-26", "F-28")
@pytest.mark.parametrize("case", list(CASES))
def test_a_due_change_that_no_longer_applies_fails_with_the_actions_own_message(
    case: str,
    manager_actor: Actor,
    make_line: Callable[..., Line],
    plans: dict[str, TariffPlan],
    catalogue: Contract,
) -> None:
    status, meanwhile, action = CASES[case]
    line = make_line(status=status)
    _plan(manager_actor, case.split(",")[0], line, plans)
    meanwhile(line, plans=plans, catalogue=catalogue)

    assert run_due_changes() == {ScheduledChange.Status.FAILED: 1}
    failed = ScheduledChange.objects.get(line=line)
    line.refresh_from_db()
    with pytest.raises(ActionError) as refused:
        action(manager_actor, line, plans=plans)
    assert failed.status == ScheduledChange.Status.FAILED
    assert failed.error == str(refused.value.message)


# --- the import says what the wizard's action says -------------------------------------------------


def no_worker(job_id: int) -> None:
    """The test runs the jobs."""


def _checked(actor: Actor, rows: list[dict[str, str]]) -> ImportJob:
    job = import_actions.import_job_create(actor=actor, file_name="new.csv", data=make_csv(rows), start=no_worker)
    job = import_actions.import_job_run(job_id=job.pk, apply=False)
    assert job.errors == {}, job.errors
    return import_actions.import_job_apply(actor=actor, job=job, start=no_worker)


@pytest.mark.spec("R3", "F-32")
def test_an_import_row_refused_at_apply_gets_line_adds_message(
    manager_actor: Actor, customer: Customer, stock: tuple[SimCard, SimCard], account, plans
) -> None:
    first, _second = stock
    job = _checked(manager_actor, good_rows(stock))
    SimCard.objects.filter(pk=first.pk).update(status=SimCard.Status.IN_USE)  # another wizard took it meanwhile

    job = import_actions.import_job_run(job_id=job.pk, apply=True)
    with pytest.raises(ActionError) as refused:
        actions.line_add(
            actor=manager_actor,
            iccid=first.iccid,
            details=actions.LineDetails(),
            plan=plans["mobile-start"],
            options=[],
            billing_account=account,
            number_choice=actions.NewNumber(),
        )
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == {"2": [["iccid", str(refused.value.message)]]}


@pytest.mark.spec("R3", "F-32")
def test_a_tag_the_import_cannot_make_gets_tag_creates_message(
    manager_actor: Actor, customer: Customer, stock: tuple[SimCard, SimCard], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Tag._meta.get_field("name"), "max_length", 8)  # the model's limit, whatever it is
    with pytest.raises(ActionError) as refused:
        actions.tag_create(actor=manager_actor, customer=customer, name="Field team")
    assert str(refused.value.message) == "Enter a name of 1 to 8 characters."
    assert actions.tag_create(actor=manager_actor, customer=customer, name=" Sales  ").name == "Sales"

    job = import_actions.import_job_create(
        actor=manager_actor, file_name="new.csv", data=make_csv(good_rows(stock)), start=no_worker
    )
    job = import_actions.import_job_run(job_id=job.pk, apply=False)
    assert job.errors == {"2": [["tags", str(refused.value.message)]]}  # "Field team"

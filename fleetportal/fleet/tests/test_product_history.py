"""The history of a line's products (`LineProducts`, issue 7), which rating prices usage with:
a row for a new line and for every plan or options change, written by the action that makes
the change (immediate or planned and run on its due date), valid from when it took effect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.fleet.actions import LineDetails, NewNumber, line_add, lines_change_options, lines_change_plan
from fleetportal.fleet.actions.jobs import run_due_changes
from fleetportal.fleet.models import Line, LineProducts, ScheduledChange
from fleetportal.fleet.tests.factories import PoolNumberFactory

pytestmark = pytest.mark.spec("F-28", "F-55")


def history(line: Line) -> list[tuple[str, list[str]]]:
    """The line's rows in order: plan code and option codes."""
    codes = dict(Option.objects.values_list("pk", "code"))
    return [
        (row.plan.code, sorted(codes[pk] for pk in row.option_ids))
        for row in LineProducts.objects.filter(line=line).select_related("plan")
    ]


@pytest.fixture
def on_start(make_line: Callable[..., Line], options: dict[str, Option]) -> list[Line]:
    """Two lines on Mobile Start with Voice National 100 (which Mobile Europe drops)."""
    return [make_line(options=[options["voice-national-100"], options["roaming-world-1gb"]]) for _ in range(2)]


@pytest.mark.spec("F-21")
def test_a_new_line_starts_its_history_at_its_creation(
    manager_actor: Actor, plans: dict[str, TariffPlan], options: dict[str, Option], account, blank_sim
) -> None:
    PoolNumberFactory.create(msisdn="+32499000001")
    line = line_add(
        actor=manager_actor,
        iccid=blank_sim().iccid,
        details=LineDetails(first_name="Jan", last_name="Peeters"),
        plan=plans["mobile-start"],
        options=[options["data-eu-5gb"]],
        billing_account=account,
        number_choice=NewNumber(),
    )
    assert history(line) == [("mobile-start", ["data-eu-5gb"])]
    assert LineProducts.objects.get(line=line).valid_from == Line.objects.get(pk=line.pk).created_at


def test_a_plan_change_records_the_new_plan_and_the_options_kept(
    manager_actor: Actor, on_start: list[Line], plans: dict[str, TariffPlan]
) -> None:
    before = timezone.now()
    lines_change_plan(actor=manager_actor, lines=on_start, plan=plans["mobile-europe"])
    for line in on_start:
        assert history(line) == [("mobile-europe", ["roaming-world-1gb"])]  # voice dropped (R-F2)
    assert all(before <= row.valid_from <= timezone.now() for row in LineProducts.objects.all())


def test_a_planned_plan_change_is_recorded_when_it_runs_not_when_planned(
    manager_actor: Actor, on_start: list[Line], plans: dict[str, TariffPlan]
) -> None:
    lines_change_plan(
        actor=manager_actor, lines=on_start, plan=plans["mobile-europe"], on=timezone.localdate() + timedelta(days=7)
    )
    assert not LineProducts.objects.exists()  # nothing changed yet: usage stays on the old plan
    ScheduledChange.objects.filter(line__in=on_start).update(due_date=timezone.localdate())
    ran = timezone.now()
    run_due_changes()
    assert ScheduledChange.objects.filter(status=ScheduledChange.Status.DONE).count() == 2
    for line in on_start:
        assert history(line) == [("mobile-europe", ["roaming-world-1gb"])]
    assert all(row.valid_from >= ran for row in LineProducts.objects.all())


@pytest.mark.spec("F-29")
def test_an_options_change_records_the_options_after_it_and_a_refused_one_nothing(
    manager_actor: Actor, on_start: list[Line], plans: dict[str, TariffPlan], options: dict[str, Option]
) -> None:
    lines_change_options(
        actor=manager_actor, lines=on_start, add=[options["data-eu-5gb"]], remove=[options["roaming-world-1gb"]]
    )
    for line in on_start:
        line.refresh_from_db()
    lines_change_plan(actor=manager_actor, lines=on_start[:1], plan=plans["mobile-europe"])
    assert history(on_start[0]) == [
        ("mobile-start", ["data-eu-5gb", "voice-national-100"]),
        ("mobile-europe", []),  # both options dropped: they do not go with Mobile Europe (R-F2)
    ]
    assert not on_start[0].options.exists()
    assert history(on_start[1]) == [("mobile-start", ["data-eu-5gb", "voice-national-100"])]
    with pytest.raises(ActionError):  # already on the plan: refused, nothing recorded
        lines_change_plan(actor=manager_actor, lines=on_start[:1], plan=plans["mobile-europe"])
    assert LineProducts.objects.count() == 3

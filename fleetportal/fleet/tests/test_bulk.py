"""Tariff plan and option changes for one line or many (F-28, F-29): the review table, options
that do not go with the new plan dropped and listed (R-F2), all or nothing with the version
check (R2), and set-based: the query count does not grow with the number of lines (P3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import prefetch_related_objects
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fleetportal.catalog.models import ContractOption, Option, TariffPlan
from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.core.tests.factories import BillingAccountFactory, ContractFactory
from fleetportal.fleet.actions import (
    lines_change_options,
    lines_change_plan,
    load_current_options,
    review_options_change,
    review_plan_change,
)
from fleetportal.fleet.actions.jobs import run_due_changes
from fleetportal.fleet.models import Line, LineOption, ScheduledChange
from fleetportal.network.models import ProvisioningRequest

Plans = dict[str, TariffPlan]
Options = dict[str, Option]


def _options_of(line: Line) -> set[str]:
    return set(LineOption.objects.filter(line=line).values_list("option__code", flat=True))


@pytest.fixture
def on_start(make_line: Callable[..., Line], options: Options) -> Callable[[int], list[Line]]:
    """n ACTIVE lines on Mobile Start with Voice National 100 (not for Mobile Europe) and
    Roaming World 1 GB (for every plan)."""

    def make(n: int) -> list[Line]:
        return [make_line(options=[options["voice-national-100"], options["roaming-world-1gb"]]) for _ in range(n)]

    return make


# --- the review (pure) ----------------------------------------------------------------------------


@pytest.mark.spec("F-28", "R-F2")
def test_the_plan_review_lists_previous_and_new_plan_and_what_is_dropped(
    on_start, plans: Plans, django_assert_num_queries
) -> None:
    lines = on_start(2)
    lines.append(Line.objects.select_related("plan").get(pk=lines[0].pk))  # the same line twice is fine too
    load_current_options(lines)
    with django_assert_num_queries(0):
        review = review_plan_change(lines, plans["mobile-europe"])
    row = review.rows[0]
    assert (row.previous_plan.code, row.new_plan.code, row.changes) == ("mobile-start", "mobile-europe", True)
    assert [o.code for o in row.dropped] == ["voice-national-100"]
    assert [o.code for o in row.kept] == ["roaming-world-1gb"]
    assert review.dropped_count == 3 and review.versions == {line.pk: 1 for line in lines}


@pytest.mark.spec("F-29")
def test_the_options_review_says_not_applicable_per_number(
    make_line, plans: Plans, options: Options, django_assert_num_queries
) -> None:
    start = make_line(plan=plans["mobile-start"])
    europe = make_line(plan=plans["mobile-europe"], options=[options["roaming-world-1gb"]])
    lines = [start, europe]
    load_current_options(lines)
    add = [options["voice-national-100"]]
    prefetch_related_objects(add, "excluded_plans")
    with django_assert_num_queries(0):
        review = review_options_change(lines, add=add, remove=[options["roaming-world-1gb"]])
    by_line = {row.line.pk: row for row in review.rows}
    assert [o.code for o in by_line[start.pk].added] == ["voice-national-100"]
    assert by_line[start.pk].removed == [] and by_line[start.pk].not_applicable == []
    assert [o.code for o in by_line[europe.pk].not_applicable] == ["voice-national-100"]
    assert [o.code for o in by_line[europe.pk].removed] == ["roaming-world-1gb"]
    assert by_line[europe.pk].options_after == []


# --- plan change ----------------------------------------------------------------------------------


@pytest.mark.spec("F-28", "R-F2")
def test_a_plan_change_drops_incompatible_options_audits_and_provisions(
    manager_actor: Actor, on_start, make_line, plans: Plans
) -> None:
    lines = on_start(3)
    waiting = make_line(status=Line.Status.PENDING)
    review = lines_change_plan(actor=manager_actor, lines=[*lines, waiting], plan=plans["mobile-europe"])
    assert len(review.changing) == 4
    for line in lines:
        line.refresh_from_db()
        assert line.plan == plans["mobile-europe"] and line.version == 2
        assert _options_of(line) == {"roaming-world-1gb"}
    event = AuditEvent.objects.filter(action="line.plan_changed", object_id=str(lines[0].pk)).get()
    assert event.before == {"plan": "mobile-start", "options": ["roaming-world-1gb", "voice-national-100"]}
    assert event.after == {"plan": "mobile-europe", "options": ["roaming-world-1gb"], "dropped": ["voice-national-100"]}
    # Only lines the network knows get a request; a pending line gets its plan at activation.
    requests = ProvisioningRequest.objects.filter(operation="plan")
    assert set(requests.values_list("line_id", flat=True)) == {line.pk for line in lines}
    assert requests.order_by("pk")[0].payload == {"plan": "mobile-europe", "options": ["roaming-world-1gb"]}


@pytest.mark.spec("F-28")
def test_lines_already_on_the_plan_are_left_alone(manager_actor: Actor, on_start, make_line, plans: Plans) -> None:
    (line,) = on_start(1)
    europe = make_line(plan=plans["mobile-europe"])
    review = lines_change_plan(actor=manager_actor, lines=[line, europe], plan=plans["mobile-europe"])
    assert [row.line.pk for row in review.changing] == [line.pk]
    europe.refresh_from_db()
    assert europe.version == 1
    with pytest.raises(ActionError) as refused:
        lines_change_plan(actor=manager_actor, lines=[europe], plan=plans["mobile-europe"])
    assert refused.value.field == "plan"


@pytest.mark.spec("F-28", "R2", "R3")
def test_a_plan_change_is_all_or_nothing(
    manager_actor: Actor, on_start, make_line, plans: Plans, customer: Customer
) -> None:
    lines = on_start(2)
    # A line billed on a second contract that did not retain Mobile Europe refuses the whole change.
    bare = BillingAccountFactory.create(customer=customer, contract=ContractFactory.create(customer=customer))
    other = make_line(billing_account=bare)
    with pytest.raises(ActionError) as refused:
        lines_change_plan(actor=manager_actor, lines=[*lines, other], plan=plans["mobile-europe"])
    assert refused.value.field == "plan"
    stopped = make_line(status=Line.Status.STOPPED)
    with pytest.raises(ActionError):
        lines_change_plan(actor=manager_actor, lines=[*lines, stopped], plan=plans["mobile-europe"])
    assert set(Line.objects.values_list("plan__code", flat=True)) == {"mobile-start"}
    assert LineOption.objects.filter(option__code="voice-national-100").count() == 2
    assert not AuditEvent.objects.filter(action="line.plan_changed").exists()
    assert not ProvisioningRequest.objects.exists()


@pytest.mark.spec("R2")
def test_a_plan_change_built_on_an_old_review_says_changed_meanwhile(
    manager_actor: Actor, on_start, plans: Plans
) -> None:
    lines = on_start(2)
    review = lines_change_plan(actor=manager_actor, lines=lines, plan=plans["mobile-contact"], dry_run=True)
    lines_change_plan(actor=manager_actor, lines=[lines[1]], plan=plans["mobile-1"])  # someone else, meanwhile
    with pytest.raises(ActionError) as refused:
        lines_change_plan(
            actor=manager_actor,
            lines=list(Line.objects.all()),
            plan=plans["mobile-contact"],
            expected_versions=review.versions,
        )
    assert refused.value.code == "conflict" and "changed meanwhile" in str(refused.value.message)
    assert not Line.objects.filter(plan=plans["mobile-contact"]).exists()


@pytest.mark.spec("F-28")
def test_a_dry_run_checks_everything_and_changes_nothing(manager_actor: Actor, on_start, plans: Plans) -> None:
    lines = on_start(2)
    review = lines_change_plan(actor=manager_actor, lines=lines, plan=plans["mobile-europe"], dry_run=True)
    assert review.dropped_count == 2
    assert set(Line.objects.values_list("plan__code", "version")) == {("mobile-start", 1)}
    assert not AuditEvent.objects.exists() and not ProvisioningRequest.objects.exists()


@pytest.mark.spec("F-28", "S1", "S2")
def test_only_the_customers_fleet_managers_change_plans(
    other_actor: Actor, member_actor: Actor, on_start, plans: Plans
) -> None:
    lines = on_start(1)
    for actor in (other_actor, member_actor):
        with pytest.raises(PermissionDeniedError):
            lines_change_plan(actor=actor, lines=lines, plan=plans["mobile-europe"])


@pytest.mark.spec("F-28")
def test_a_plan_change_on_a_later_date_runs_when_due(manager_actor: Actor, on_start, plans: Plans) -> None:
    (line,) = on_start(1)
    on = timezone.localdate() + timedelta(days=10)
    lines_change_plan(actor=manager_actor, lines=[line], plan=plans["mobile-europe"], on=on)
    line.refresh_from_db()
    assert line.plan == plans["mobile-start"]
    change = ScheduledChange.objects.get(line=line)
    assert (change.kind, change.payload) == ("plan", {"plan": "mobile-europe"})
    ScheduledChange.objects.update(due_date=timezone.localdate())
    assert run_due_changes() == {"done": 1}
    line.refresh_from_db()
    assert line.plan == plans["mobile-europe"] and _options_of(line) == {"roaming-world-1gb"}


@pytest.mark.spec("F-28", "P3")
def test_a_plan_change_costs_the_same_queries_for_few_or_many_lines(
    manager_actor: Actor, on_start, plans: Plans, django_assert_max_num_queries
) -> None:
    few, many = on_start(3), on_start(40)
    with CaptureQueriesContext(connection) as for_few:
        lines_change_plan(actor=manager_actor, lines=few, plan=plans["mobile-europe"])
    with django_assert_max_num_queries(len(for_few)):
        lines_change_plan(actor=manager_actor, lines=many, plan=plans["mobile-europe"])
    assert len(for_few) <= 16  # lock, catalogue, one DELETE, one UPDATE, an INSERT each for requests and audit
    assert ProvisioningRequest.objects.count() == AuditEvent.objects.filter(action="line.plan_changed").count() == 43


# --- options --------------------------------------------------------------------------------------


@pytest.mark.spec("F-29")
def test_options_are_added_where_they_apply_and_removed(
    manager_actor: Actor, make_line, plans: Plans, options: Options
) -> None:
    start = make_line(plan=plans["mobile-start"], options=[options["data-eu-5gb"]])
    europe = make_line(plan=plans["mobile-europe"])
    review = lines_change_options(
        actor=manager_actor,
        lines=[start, europe],
        add=[options["voice-national-100"], options["roaming-world-1gb"]],
        remove=[options["data-eu-5gb"]],
    )
    assert _options_of(start) == {"voice-national-100", "roaming-world-1gb"}
    assert _options_of(europe) == {"roaming-world-1gb"}
    assert [o.code for o in review.rows[1].not_applicable] == ["voice-national-100"]
    event = AuditEvent.objects.get(action="line.options_changed", object_id=str(europe.pk))
    assert event.after["not_applicable"] == ["voice-national-100"] and event.after["added"] == ["roaming-world-1gb"]
    assert ProvisioningRequest.objects.filter(operation="plan").count() == 2


@pytest.mark.spec("F-29", "R3")
def test_bad_option_changes_name_the_field_and_change_nothing(
    manager_actor: Actor, make_line, plans: Plans, options: Options, catalogue
) -> None:
    europe = make_line(plan=plans["mobile-europe"])
    roaming = options["roaming-world-1gb"]
    cases: list[tuple[list[Option], list[Option], str]] = [
        ([options["voice-national-100"]], [], "add"),  # not applicable to the only line
        ([], [], "add"),
        ([roaming], [roaming], "remove"),
    ]
    ContractOption.objects.filter(contract=catalogue, option=options["data-asia-tech-3gb"]).delete()
    cases.append(([options["data-asia-tech-3gb"]], [], "add"))  # not in the contract
    for add, remove, field in cases:
        with pytest.raises(ActionError) as refused:
            lines_change_options(actor=manager_actor, lines=[europe], add=add, remove=remove)
        assert refused.value.field == field, (add, remove)
    assert not LineOption.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.spec("F-29", "P3")
def test_an_options_change_costs_the_same_queries_for_few_or_many_lines(
    manager_actor: Actor, on_start, options: Options, django_assert_max_num_queries
) -> None:
    few, many = on_start(3), on_start(40)
    add, remove = [options["data-eu-5gb"]], [options["roaming-world-1gb"]]
    with CaptureQueriesContext(connection) as for_few:
        lines_change_options(actor=manager_actor, lines=few, add=add, remove=remove)
    with django_assert_max_num_queries(len(for_few)):
        lines_change_options(actor=manager_actor, lines=many, add=add, remove=remove)
    assert LineOption.objects.filter(option__code="data-eu-5gb").count() == 43
    assert not LineOption.objects.filter(option__code="roaming-world-1gb").exists()


@pytest.mark.spec("F-29", "P3")
def test_an_options_change_runs_the_same_queries_for_3_and_30_lines(
    manager_actor: Actor, on_start, options: Options
) -> None:
    add, remove = [options["data-eu-5gb"]], [options["roaming-world-1gb"]]
    counts = []
    for lines in (on_start(3), on_start(30)):
        with CaptureQueriesContext(connection) as queries:
            lines_change_options(actor=manager_actor, lines=lines, add=add, remove=remove)
        counts.append(len(queries))
        line_updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "fleet_line"')]
        assert len(line_updates) == 1, line_updates  # the new version and "pending in network" at once
    assert counts[0] == counts[1]
    assert set(Line.objects.values_list("version", "network_state")) == {(2, Line.NetworkState.PENDING)}
    assert ProvisioningRequest.objects.count() == AuditEvent.objects.filter(action="line.options_changed").count() == 33


@pytest.mark.spec("F-29", "F-94")
def test_an_options_change_marks_only_the_lines_the_network_knows_pending(
    manager_actor: Actor, make_line, options: Options
) -> None:
    active, waiting = make_line(), make_line(status=Line.Status.PENDING)
    lines_change_options(actor=manager_actor, lines=[active, waiting], add=[options["data-eu-5gb"]])
    active.refresh_from_db()
    waiting.refresh_from_db()
    assert (active.version, active.network_state) == (2, Line.NetworkState.PENDING)
    assert (waiting.version, waiting.network_state) == (2, Line.NetworkState.IN_SYNC)
    (request,) = ProvisioningRequest.objects.all()
    assert (request.line_id, request.payload) == (active.pk, {"plan": "mobile-start", "options": ["data-eu-5gb"]})
    assert _options_of(active) == _options_of(waiting) == {"data-eu-5gb"}
    assert AuditEvent.objects.filter(action="line.options_changed").count() == 2

"""Tariff plan (F-28) and options (F-29) for a selection: choose, review (number, previous plan,
new plan, options dropped / "not applicable"), then cancel or apply, all or nothing (R-F2, R2)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fleetportal.catalog.models import ContractOption, ContractPlan
from fleetportal.core.models import Contract, Customer
from fleetportal.fleet.models import Line, ScheduledChange
from fleetportal.fleet.tests.factories import LineFactory

from .pages import messages_of

pytestmark = pytest.mark.spec("F-28")


@pytest.fixture
def three(make_line: Callable[..., Line], plans, options) -> list[Line]:
    return [
        make_line(msisdn="+32470000401", options=[options["voice-national-100"], options["roaming-world-1gb"]]),
        make_line(msisdn="+32470000402", plan=plans["mobile-europe"]),
        make_line(msisdn="+32470000403"),
    ]


def cplan(catalogue: Contract, plans, code: str) -> int:
    return ContractPlan.objects.get(contract=catalogue, plan=plans[code]).pk


def coption(catalogue: Contract, options, code: str) -> int:
    return ContractOption.objects.get(contract=catalogue, option=options[code]).pk


def post(client: Client, url: str, lines: list[Line], *, follow: bool = False, **data: Any) -> Any:
    return client.post(url, {"line": [line.pk for line in lines], **data}, follow=follow)


def test_plan_change_review_then_apply(manager_client: Client, three: list[Line], plans, options, catalogue) -> None:
    choose = post(manager_client, "/fleet/lines/plan/", three)
    assert choose.status_code == 200 and choose.context["review"] is None
    assert "Mobile subscriptions" in choose.content.decode() and "Mobile data subscriptions" in choose.content.decode()

    europe = cplan(catalogue, plans, "mobile-europe")
    review = post(manager_client, "/fleet/lines/plan/", three, plan=europe, stage="review")
    rows = {row.line.msisdn: row for row in review.context["rows"]}
    assert rows["+32470000401"].previous_plan == plans["mobile-start"]
    assert rows["+32470000401"].dropped == [options["voice-national-100"]]
    assert not rows["+32470000402"].changes
    page = review.content.decode()
    assert "Previous tariff plan" in page and "already on this plan" in page and "Voice National 100 min" in page
    assert "1 option does not go with the new plan and will be removed." in page
    assert all(line.plan == plans["mobile-start"] for line in Line.objects.exclude(pk=three[1].pk))

    applied = post(
        manager_client,
        "/fleet/lines/plan/",
        three,
        plan=europe,
        stage="apply",
        review=review.context["token"],
        follow=True,
    )
    assert messages_of(applied) == ["The tariff plan of 2 numbers was changed to Mobile Europe."]
    first = Line.objects.get(pk=three[0].pk)
    assert first.plan == plans["mobile-europe"]
    assert list(first.options.all()) == [options["roaming-world-1gb"]]


@pytest.mark.spec("R2")
def test_apply_needs_the_review_of_the_same_choice_and_unchanged_lines(
    manager_client: Client, three: list[Line], plans, catalogue
) -> None:
    europe, limitless = cplan(catalogue, plans, "mobile-europe"), cplan(catalogue, plans, "mobile-limitless")
    review = post(manager_client, "/fleet/lines/plan/", three, plan=europe, stage="review")
    token = review.context["token"]
    # Another plan than the one reviewed, a forged token, or none: the review is shown instead.
    for data in ({"plan": limitless, "review": token}, {"plan": europe, "review": token + "x"}, {"plan": europe}):
        again = post(manager_client, "/fleet/lines/plan/", three, stage="apply", **data)
        assert again.status_code == 200 and again.context["review"] is not None
    assert not Line.objects.filter(plan=plans["mobile-limitless"]).exists()
    assert Line.objects.filter(plan=plans["mobile-europe"]).count() == 1

    Line.objects.filter(pk=three[2].pk).update(version=5)  # someone changed it after the review
    refused = post(manager_client, "/fleet/lines/plan/", three, plan=europe, stage="apply", review=token)
    assert "+32 470 00 04 03 was changed meanwhile by someone else" in refused.content.decode()
    assert Line.objects.filter(plan=plans["mobile-europe"]).count() == 1
    # The page shows a fresh review: applying it now works.
    done = post(
        manager_client, "/fleet/lines/plan/", three, plan=europe, stage="apply", review=refused.context["token"]
    )
    assert done.status_code == 302
    assert Line.objects.filter(plan=plans["mobile-europe"]).count() == 3


@pytest.mark.spec("R3", "S1")
def test_a_plan_outside_the_contract_is_refused(
    manager_client: Client, three: list[Line], plans, other_customer: Customer
) -> None:
    other_contract = other_customer.contracts.get()
    theirs = ContractPlan.objects.create(contract=other_contract, plan=plans["mobile-1"], monthly_price=1)
    response = post(manager_client, "/fleet/lines/plan/", three, plan=theirs.pk, stage="review")
    assert "plan" in response.context["form"].errors and response.context["review"] is None
    foreign_line = LineFactory.create(customer=other_customer)
    assert post(manager_client, "/fleet/lines/plan/", [foreign_line]).status_code == 404


@pytest.mark.spec("F-29", "R-F2")
def test_options_review_marks_not_applicable_per_number(
    manager_client: Client, make_line: Callable[..., Line], plans, options, catalogue
) -> None:
    limitless = make_line(msisdn="+32470000501", plan=plans["mobile-limitless"])
    start = make_line(msisdn="+32470000502", options=[options["roaming-world-1gb"]])
    lines = [limitless, start]
    national = coption(catalogue, options, "data-national-10gb")
    roaming = coption(catalogue, options, "roaming-world-1gb")
    review = post(manager_client, "/fleet/lines/options/", lines, add=[national], remove=[roaming], stage="review")
    page = review.content.decode()
    assert "Data National 10 GB: not applicable" in page
    rows = {row.line.msisdn: row for row in review.context["rows"]}
    assert rows["+32470000501"].not_applicable == [options["data-national-10gb"]]
    assert rows["+32470000502"].added == [options["data-national-10gb"]]
    assert rows["+32470000502"].removed == [options["roaming-world-1gb"]]

    only = post(
        manager_client,
        "/fleet/lines/options/",
        lines,
        add=[national],
        remove=[roaming],
        stage="review",
        only_changes="1",
    )
    assert [row.line.msisdn for row in only.context["rows"]] == ["+32470000502"]

    applied = post(
        manager_client,
        "/fleet/lines/options/",
        lines,
        add=[national],
        remove=[roaming],
        stage="apply",
        review=review.context["token"],
        follow=True,
    )
    assert messages_of(applied) == ["The options of 1 number were changed."]
    assert list(Line.objects.get(pk=start.pk).options.all()) == [options["data-national-10gb"]]
    assert not Line.objects.get(pk=limitless.pk).options.exists()


@pytest.mark.spec("F-29", "R3")
def test_options_need_a_choice_and_not_both_ways(manager_client: Client, three: list[Line], options, catalogue) -> None:
    empty = post(manager_client, "/fleet/lines/options/", three, stage="review")
    assert empty.context["form"].non_field_errors() == ["Choose options to add or to remove."]
    roaming = coption(catalogue, options, "roaming-world-1gb")
    both = post(manager_client, "/fleet/lines/options/", three, add=[roaming], remove=[roaming], stage="review")
    assert both.context["form"].errors["remove"] == ["An option cannot be added and removed at once."]
    assert both.context["review"] is None


def test_modify_from_the_manage_page_comes_back_to_it(
    manager_client: Client, three: list[Line], plans, catalogue
) -> None:
    line = three[2]
    back = f"/fleet/lines/{line.pk}/?tab=products"
    page = manager_client.get("/fleet/lines/plan/", {"line": str(line.pk), "next": back})
    assert page.status_code == 200 and "1 SIM card selected" in page.content.decode()
    europe = cplan(catalogue, plans, "mobile-europe")
    review = manager_client.post(
        "/fleet/lines/plan/", {"line": line.pk, "next": back, "plan": europe, "stage": "review"}
    )
    done = manager_client.post(
        "/fleet/lines/plan/",
        {"line": line.pk, "next": back, "plan": europe, "stage": "apply", "review": review.context["token"]},
    )
    assert done["Location"] == back


@pytest.mark.spec("S2")
def test_members_cannot_change_products(member_client: Client, three: list[Line]) -> None:
    assert post(member_client, "/fleet/lines/plan/", three).status_code == 403
    assert post(member_client, "/fleet/lines/options/", three).status_code == 403


@pytest.mark.spec("P3")
def test_the_review_of_thousands_costs_the_same_queries_as_of_a_few(
    manager_client: Client, make_line: Callable[..., Line], plans, options, catalogue, django_assert_max_num_queries
) -> None:
    for n in range(40):
        make_line(description="Few" if n < 2 else "Many", options=[options["voice-national-100"]])
    europe = cplan(catalogue, plans, "mobile-europe")

    def review(search: str) -> Any:
        data = {"all": "1", "f-q": search, "plan": europe, "stage": "review"}
        return manager_client.post("/fleet/lines/plan/", data)

    with CaptureQueriesContext(connection) as few:
        assert len(review("Few").context["review"].rows) == 2
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = review("")
    assert len(response.context["review"].rows) == 40
    assert response.context["review"].dropped_count == 40


@pytest.mark.spec("F-29")
def test_only_options_the_selection_has_can_be_removed(
    manager_client: Client, three: list[Line], options, catalogue
) -> None:
    response = post(manager_client, "/fleet/lines/options/", three)
    removable = [item.option for item in response.context["form"].fields["remove"].queryset]
    assert removable == [options["voice-national-100"], options["roaming-world-1gb"]]
    assert len(response.context["form"].fields["add"].queryset) == len(options)
    asia = coption(catalogue, options, "data-asia-tech-3gb")
    refused = post(manager_client, "/fleet/lines/options/", three, remove=[asia], stage="review")
    assert "remove" in refused.context["form"].errors


@pytest.mark.spec("F-28")
def test_a_plan_change_can_be_planned_for_a_later_date(
    manager_client: Client, three: list[Line], plans, catalogue
) -> None:
    europe = cplan(catalogue, plans, "mobile-europe")
    later = timezone.localdate() + timedelta(days=7)
    past = post(
        manager_client,
        "/fleet/lines/plan/",
        three,
        plan=europe,
        date=(later - timedelta(days=30)).isoformat(),
        stage="review",
    )
    assert past.context["form"].errors["date"] == ["Choose today or a later date."]
    review = post(manager_client, "/fleet/lines/plan/", three, plan=europe, date=later.isoformat(), stage="review")
    done = post(
        manager_client,
        "/fleet/lines/plan/",
        three,
        plan=europe,
        date=later.isoformat(),
        stage="apply",
        review=review.context["token"],
        follow=True,
    )
    assert messages_of(done) == [f"The tariff plan of 2 numbers will change to Mobile Europe on {later:%d/%m/%Y}."]
    assert ScheduledChange.objects.filter(kind="plan", due_date=later).count() == 2
    assert Line.objects.filter(plan=plans["mobile-europe"]).count() == 1

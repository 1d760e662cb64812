"""Pages that change a line's life: activation on a date (F-22) and its cancellation, SIM swap
(F-24), suspend/reactivate one or many (F-25), stop or hand over the number (F-26). Bad input
shows the field's message and changes nothing (R3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line, ScheduledChange, SimCard, Tag
from fleetportal.fleet.tests.factories import LineFactory, SimCardFactory, TagFactory
from fleetportal.fleet.tests.pages import sim_of

from .pages import messages_of

pytestmark = pytest.mark.spec("F-22")

Status = Line.Status


def day(offset: int = 0):  # type: ignore[no-untyped-def]
    return timezone.localdate() + timedelta(days=offset)


def test_activation_page_lists_the_selection_and_defaults_to_today(
    manager_client: Client, make_line: Callable[..., Line]
) -> None:
    lines = [make_line(status=Status.PENDING), make_line(status=Status.PENDING)]
    response = manager_client.post("/fleet/lines/activate/", {"line": [line.pk for line in lines]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 SIM cards selected" in page and f'value="{day().isoformat()}"' in page
    assert all(line.status == Status.PENDING for line in Line.objects.all())


def test_activation_on_a_date_says_when_and_can_be_cancelled(
    manager_client: Client, make_line: Callable[..., Line]
) -> None:
    line = make_line(status=Status.PENDING)
    on = day(3)
    response = manager_client.post(
        "/fleet/lines/activate/", {"line": line.pk, "date": on.isoformat(), "confirm": "1"}, follow=True
    )
    assert messages_of(response) == [f"The SIM will be activated on {on:%d/%m/%Y}"]
    change = ScheduledChange.objects.get(line=line)
    assert (change.kind, change.due_date, change.status) == ("activate", on, "scheduled")

    more = manager_client.get(f"/fleet/lines/{line.pk}/", {"tab": "more"}).content.decode()
    assert f"{on:%d/%m/%Y}" in more and f"/fleet/lines/{line.pk}/changes/{change.pk}/cancel/" in more
    cancelled = manager_client.post(f"/fleet/lines/{line.pk}/changes/{change.pk}/cancel/", follow=True)
    assert "The planned change was cancelled." in messages_of(cancelled)
    change.refresh_from_db()
    assert change.status == ScheduledChange.Status.CANCELLED
    again = manager_client.post(f"/fleet/lines/{line.pk}/changes/{change.pk}/cancel/", follow=True)
    assert "This change was already carried out or cancelled." in messages_of(again)


def test_activation_today_activates_and_can_come_back_to_the_line(
    manager_client: Client, make_line: Callable[..., Line]
) -> None:
    line = make_line(status=Status.PENDING)
    back = f"/fleet/lines/{line.pk}/"
    response = manager_client.post(
        "/fleet/lines/activate/", {"line": line.pk, "date": day().isoformat(), "confirm": "1", "next": back}
    )
    assert response["Location"] == back
    line.refresh_from_db()
    assert line.status == Status.ACTIVE
    # Only our own pages: another site is not a place to send the user back to.
    other = make_line(status=Status.PENDING)
    response = manager_client.post(
        "/fleet/lines/activate/",
        {"line": other.pk, "date": day().isoformat(), "confirm": "1", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/fleet/lines/"


@pytest.mark.spec("R3")
def test_a_date_in_the_past_or_an_active_line_is_refused(
    manager_client: Client, make_line: Callable[..., Line]
) -> None:
    line = make_line(status=Status.PENDING)
    past = manager_client.post("/fleet/lines/activate/", {"line": line.pk, "date": day(-1).isoformat(), "confirm": "1"})
    assert past.status_code == 200
    assert past.context["form"].errors["date"] == ["Choose today or a later date."]
    garbage = manager_client.post("/fleet/lines/activate/", {"line": line.pk, "date": "31/02/2026", "confirm": "1"})
    assert garbage.context["form"].errors["date"] == ["Enter a valid date."]
    active = make_line(msisdn="+32470555555")
    refused = manager_client.post(
        "/fleet/lines/activate/", {"line": [line.pk, active.pk], "date": day().isoformat(), "confirm": "1"}
    )
    assert "+32 470 55 55 55 is Active: only a pending SIM can be activated." in refused.content.decode()
    line.refresh_from_db()
    assert line.status == Status.PENDING and not ScheduledChange.objects.exists()


@pytest.mark.spec("F-20")
def test_all_matching_lines_are_selected_by_the_filter(manager_client: Client, make_line: Callable[..., Line]) -> None:
    pending = [make_line(status=Status.PENDING, description="New hire") for _ in range(3)]
    make_line(status=Status.PENDING, description="Keep")
    response = manager_client.post(
        "/fleet/lines/activate/",
        {"all": "1", "f-q": "new hire", "f-status": "pending", "date": day(2).isoformat(), "confirm": "1"},
        follow=True,
    )
    assert messages_of(response) == [f"3 SIM cards will be activated on {day(2):%d/%m/%Y}"]
    assert set(ScheduledChange.objects.values_list("line_id", flat=True)) == {line.pk for line in pending}


@pytest.mark.spec("S1")
def test_an_invalid_filter_with_all_is_not_widened_to_every_line(
    manager_client: Client, make_line: Callable[..., Line], other_customer: Customer
) -> None:
    make_line(status=Status.PENDING)
    foreign_plan_tag = LineFactory.create(customer=other_customer).plan
    response = manager_client.post(
        "/fleet/lines/suspend/", {"all": "1", "f-plan": foreign_plan_tag.pk, "date": day().isoformat(), "confirm": "1"}
    )
    assert response.status_code == 404
    assert not Line.objects.filter(status=Status.SUSPENDED).exists()


@pytest.mark.spec("F-25")
def test_suspend_and_reactivate_many(manager_client: Client, make_line: Callable[..., Line]) -> None:
    lines = [make_line(), make_line()]
    ids = [line.pk for line in lines]
    suspended = manager_client.post(
        "/fleet/lines/suspend/", {"line": ids, "date": day().isoformat(), "reason": "Lost", "confirm": "1"}, follow=True
    )
    assert messages_of(suspended) == [f"2 SIM cards will be suspended on {day():%d/%m/%Y}."]
    assert set(Line.objects.values_list("status", flat=True)) == {Status.SUSPENDED}
    twice = manager_client.post("/fleet/lines/suspend/", {"line": ids, "date": day().isoformat(), "confirm": "1"})
    assert "only an active line can be suspended" in twice.content.decode()
    back = manager_client.post(
        "/fleet/lines/reactivate/", {"line": ids[:1], "date": day().isoformat(), "confirm": "1"}, follow=True
    )
    assert messages_of(back) == [f"The SIM will be reactivated on {day():%d/%m/%Y}."]
    assert Line.objects.get(pk=ids[0]).status == Status.ACTIVE


@pytest.mark.spec("F-25")
def test_nothing_selected_goes_back_to_the_overview(manager_client: Client, db: None) -> None:
    response = manager_client.post("/fleet/lines/suspend/", {}, follow=True)
    assert response.redirect_chain[-1][0] == "/fleet/lines/"
    assert "Select at least one SIM card first." in messages_of(response)


@pytest.mark.spec("F-24", "R3")
def test_sim_swap(manager_client: Client, make_line: Callable[..., Line], blank_sim, other_customer: Customer) -> None:
    line = make_line()
    old = sim_of(line)
    url = f"/fleet/lines/{line.pk}/swap/"
    assert old.iccid in manager_client.get(url).content.decode()
    bad = manager_client.post(url, {"new_iccid": "8932 0000 0000 0000 001", "version": line.version})
    assert bad.context["form"].errors["new_iccid"] == [
        "Enter a valid SIM card number: 19 or 20 digits, the last one a check digit."
    ]
    in_use = manager_client.post(url, {"new_iccid": sim_of(make_line()).iccid, "version": line.version})
    assert in_use.context["form"].errors["new_iccid"] == ["This SIM card is already in use."]
    foreign = manager_client.post(url, {"new_iccid": SimCardFactory.create(customer=other_customer).iccid})
    assert foreign.context["form"].errors["new_iccid"] == ["This SIM card is not in your stock."]
    line.refresh_from_db()
    assert line.sim == old

    new = blank_sim()
    done = manager_client.post(url, {"new_iccid": new.iccid, "version": line.version}, follow=True)
    assert "The SIM card of this number was replaced." in messages_of(done)
    line.refresh_from_db()
    old.refresh_from_db()
    assert line.sim == new and old.status == SimCard.Status.RETIRED


@pytest.mark.spec("F-24", "R2")
def test_sim_swap_on_a_line_changed_meanwhile_is_refused(
    manager_client: Client, make_line: Callable[..., Line], blank_sim
) -> None:
    line = make_line()
    stale = line.version
    Line.objects.filter(pk=line.pk).update(version=stale + 1)
    response = manager_client.post(f"/fleet/lines/{line.pk}/swap/", {"new_iccid": blank_sim().iccid, "version": stale})
    assert "was changed meanwhile by someone else: reload and try again." in response.content.decode()
    assert Line.objects.get(pk=line.pk).sim == line.sim


@pytest.mark.spec("F-26")
def test_stop_on_a_date_or_hand_the_number_over(manager_client: Client, make_line: Callable[..., Line]) -> None:
    later, now = make_line(), make_line()
    planned = manager_client.post(
        f"/fleet/lines/{later.pk}/stop/", {"date": day(10).isoformat(), "outcome": "end"}, follow=True
    )
    assert messages_of(planned) == [f"The number will be stopped on {day(10):%d/%m/%Y}."]
    assert ScheduledChange.objects.get(line=later).kind == "stop"
    handed = manager_client.post(
        f"/fleet/lines/{now.pk}/stop/", {"date": day().isoformat(), "outcome": "transfer"}, follow=True
    )
    assert messages_of(handed) == [f"The number will be transferred to the employee on {day():%d/%m/%Y}."]
    now.refresh_from_db()
    assert now.status == Status.STOPPED and now.transferred_to_private
    past = manager_client.post(f"/fleet/lines/{later.pk}/stop/", {"date": day(-2).isoformat(), "outcome": "end"})
    assert past.context["form"].errors["date"] == ["Choose today or a later date."]
    unknown = manager_client.post(f"/fleet/lines/{later.pk}/stop/", {"date": day().isoformat(), "outcome": "sell"})
    assert "outcome" in unknown.context["form"].errors
    assert Line.objects.get(pk=later.pk).status == Status.ACTIVE


@pytest.mark.spec("S1", "S2")
def test_other_customers_lines_are_404_and_members_403(
    manager_client: Client, member_client: Client, other_customer: Customer, make_line: Callable[..., Line]
) -> None:
    foreign = LineFactory.create(customer=other_customer, status=Status.PENDING)
    for url in (f"/fleet/lines/{foreign.pk}/swap/", f"/fleet/lines/{foreign.pk}/stop/"):
        assert manager_client.get(url).status_code == 404
    assert manager_client.get("/fleet/lines/activate/", {"line": foreign.pk}).status_code == 404
    change = ScheduledChange.objects.create(line=foreign, kind="activate", due_date=day(5))
    assert manager_client.post(f"/fleet/lines/{foreign.pk}/changes/{change.pk}/cancel/").status_code == 404
    mine = make_line()
    assert manager_client.post(f"/fleet/lines/{mine.pk}/changes/{change.pk}/cancel/").status_code == 404
    assert ScheduledChange.objects.get(pk=change.pk).status == "scheduled"
    for url in (
        f"/fleet/lines/{mine.pk}/swap/",
        f"/fleet/lines/{mine.pk}/stop/",
        f"/fleet/lines/activate/?line={mine.pk}",
    ):
        assert member_client.get(url).status_code == 403


@pytest.mark.spec("F-20")
def test_tags_on_a_selection_with_a_new_one(
    manager_client: Client, make_line: Callable[..., Line], customer: Customer, other_customer: Customer
) -> None:
    old = TagFactory.create(customer=customer, name="Old")
    lines = [make_line(tags=[old]), make_line()]
    ids = [line.pk for line in lines]
    done = manager_client.post(
        "/fleet/lines/tags/", {"line": ids, "name": " Finance  ", "remove": [old.pk], "confirm": "1"}, follow=True
    )
    assert messages_of(done) == ["The tags of 2 numbers were changed."]
    for line in lines:
        assert [tag.name for tag in line.tags.all()] == ["Finance"]
    # A duplicate name is refused on its field and nothing changes, not even half.
    twice = manager_client.post("/fleet/lines/tags/", {"line": ids, "name": "Finance", "add": [old.pk], "confirm": "1"})
    assert "A tag with this name exists already." in twice.content.decode()
    assert not lines[0].tags.filter(pk=old.pk).exists()
    empty = manager_client.post("/fleet/lines/tags/", {"line": ids, "confirm": "1"})
    assert empty.context["form"].non_field_errors() == ["Choose tags to add or remove."]
    foreign = TagFactory.create(customer=other_customer)
    refused = manager_client.post("/fleet/lines/tags/", {"line": ids, "add": [foreign.pk], "confirm": "1"})
    assert "add" in refused.context["form"].errors
    assert Tag.objects.filter(customer=customer).count() == 2

"""The SIM overview page (F-20): scoped to the manager's customer, searched, filtered, sorted,
paged by 50, the selection sent to the one-line pages, and a query count that does not grow
with the page size (QUALITY P1)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fleetportal.catalog.models import TariffPlan
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory, TagFactory
from fleetportal.fleet.tests.pages import sim_of
from fleetportal.fleet.views import overview

from .pages import messages_of

pytestmark = pytest.mark.spec("F-20")


def numbers(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [line["msisdn"] for line in response.context["page"]]


def test_manager_sees_own_lines_only(
    manager_client: Client, make_line: Callable[..., Line], other_customer: Customer
) -> None:
    mine = make_line(msisdn="+32470111111", description="Sales phone")
    foreign = LineFactory.create(customer=other_customer, msisdn="+32470222222")
    response = manager_client.get("/fleet/lines/")
    assert response.status_code == 200
    assert numbers(response) == [mine.msisdn]
    page = response.content.decode()
    assert "+32 470 11 11 11" in page and "Sales phone" in page
    assert foreign.msisdn not in page and "+32 470 22 22 22" not in page


@pytest.mark.spec("S2")
def test_members_and_managers_without_the_fleet_function_are_refused(
    member_client: Client, billing_client: Client, make_line: Callable[..., Line]
) -> None:
    make_line()
    assert member_client.get("/fleet/lines/").status_code == 403
    assert billing_client.get("/fleet/lines/").status_code == 403


def test_search_filters_and_sort(
    manager_client: Client, make_line: Callable[..., Line], plans: dict[str, TariffPlan], customer: Customer
) -> None:
    cost_centre = TagFactory.create(customer=customer, name="Antwerp")
    a = make_line(msisdn="+32470000101", description="Warehouse", last_name="Aerts", tags=[cost_centre])
    b = make_line(msisdn="+32470000102", description="Sales", plan=plans["mobile-europe"], status=Line.Status.SUSPENDED)
    c = make_line(msisdn="+32470000103", description="Sales desk", last_name="Claes")

    assert numbers(manager_client.get("/fleet/lines/", {"q": "sales"})) == [b.msisdn, c.msisdn]
    assert numbers(manager_client.get("/fleet/lines/", {"q": "0470 00 01 03"})) == [c.msisdn]
    assert numbers(manager_client.get("/fleet/lines/", {"q": sim_of(a).iccid[-8:]})) == [a.msisdn]
    assert numbers(manager_client.get("/fleet/lines/", {"status": "suspended"})) == [b.msisdn]
    assert numbers(manager_client.get("/fleet/lines/", {"plan": plans["mobile-europe"].pk})) == [b.msisdn]
    assert numbers(manager_client.get("/fleet/lines/", {"tag": cost_centre.pk})) == [a.msisdn]
    assert numbers(manager_client.get("/fleet/lines/", {"sort": "-msisdn"})) == [c.msisdn, b.msisdn, a.msisdn]
    assert numbers(manager_client.get("/fleet/lines/", {"sort": "description"})) == [b.msisdn, c.msisdn, a.msisdn]


def test_filter_lists_offer_the_customers_own_choices_with_the_current_one_selected(
    manager_client: Client, make_line: Callable[..., Line], plans: dict[str, TariffPlan], customer: Customer
) -> None:
    make_line(plan=plans["mobile-europe"])
    TagFactory.create(customer=customer, name="<b>R&D</b>")
    page = manager_client.get(
        "/fleet/lines/", {"plan": str(plans["mobile-europe"].pk), "status": "active"}
    ).content.decode()
    europe = plans["mobile-europe"].pk
    assert (
        '<select name="plan" id="id_plan"><option value="">All tariff plans</option>'
        f'<option value="{europe}" selected>Mobile Europe</option></select>'
    ) in page
    assert '<option value="active" selected>Active</option>' in page
    assert "&lt;b&gt;R&amp;D&lt;/b&gt;</option>" in page and "<b>R&D</b>" not in page


@pytest.mark.spec("S1", "R3")
def test_a_foreign_or_bad_filter_value_shows_an_error_and_does_not_widen(
    manager_client: Client, make_line: Callable[..., Line], other_customer: Customer
) -> None:
    make_line(msisdn="+32470000101")
    foreign_tag = TagFactory.create(customer=other_customer)
    response = manager_client.get(
        "/fleet/lines/", {"tag": str(foreign_tag.pk), "status": "nonsense", "sort": "password"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "tag" in form.errors and "status" in form.errors
    assert "Select a valid choice" in response.content.decode()


def test_pages_of_fifty_with_the_count(manager_client: Client, make_line: Callable[..., Line]) -> None:
    for n in range(55):
        make_line(msisdn=f"+324700002{n:02d}")
    first = manager_client.get("/fleet/lines/")
    assert len(numbers(first)) == 50
    assert "55 SIM cards" in first.content.decode()
    assert "Select all (55 matching)" in first.content.decode()
    second = manager_client.get("/fleet/lines/", {"page": 2})
    assert numbers(second) == [f"+3247000025{n}" for n in range(5)]


@pytest.mark.spec("P1")
def test_a_large_result_is_counted_up_to_a_cap_and_says_so(
    manager_client: Client, make_line: Callable[..., Line], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(overview, "COUNT_CAP", 4)
    monkeypatch.setattr(overview, "PAGE_SIZE", 2)
    for n in range(7):
        make_line(msisdn=f"+3247000040{n}")
    first = manager_client.get("/fleet/lines/")
    page = first.content.decode()
    assert numbers(first) == ["+32470000400", "+32470000401"]
    assert "More than 4 SIM cards" in page and "Select all (more than 4 matching)" in page
    assert "All matching SIM cards selected (more than 4)" in page
    assert "Page 1</li>" in page and "Page 1 of" not in page
    # A page past the cap counts far enough to know where the lines end.
    last = manager_client.get("/fleet/lines/", {"page": 4})
    assert numbers(last) == ["+32470000406"]
    assert "7 SIM cards" in last.content.decode() and "Page 4 of 4" in last.content.decode()
    for bad in ("x", "0", "-3", "9" * 30):
        response = manager_client.get("/fleet/lines/", {"page": bad})
        assert response.status_code == 200
        assert numbers(response) in (numbers(first), numbers(last))


def test_rows_show_the_plan_account_options_and_network_state(
    manager_client: Client, make_line: Callable[..., Line], options, account
) -> None:
    line = make_line(
        msisdn="+32470000101",
        description="Sales",
        first_name="Jan",
        last_name="Peeters",
        options=[options["data-eu-5gb"], options["roaming-world-1gb"]],
        network_state=Line.NetworkState.PENDING,
    )
    page = manager_client.get("/fleet/lines/").content.decode()
    assert f'value="{line.pk}" aria-label="Select +32 470 00 01 01"' in page
    assert f'href="/fleet/lines/{line.pk}/">+32 470 00 01 01</a>' in page
    assert "Sales<br><small>Jan Peeters</small>" in page
    # each cell carries its column's name (data-label) for the phone's rows
    assert f'<td data-label="Tariff">{line.plan.name}</td>' in page
    assert f'<td data-label="Billing account">{account.number}</td>' in page
    assert '<span class="badge line-active">ACTIVE</span>' in page
    assert f'href="/fleet/lines/{line.pk}/?tab=products">See options</a> <small class="muted">(2)</small>' in page
    assert "Pending in network" in page


@pytest.mark.spec("R4")
def test_the_network_column_shows_every_lines_state_as_its_page_does(
    manager_client: Client, make_line: Callable[..., Line]
) -> None:
    """Up to date, pending or failed with a retry: the overview's cell says what the line page says."""
    lines = {
        state: make_line(msisdn=f"+3247000020{n}", network_state=state) for n, state in enumerate(Line.NetworkState)
    }
    page = manager_client.get("/fleet/lines/").content.decode()
    for state, line in lines.items():
        row = re.search(rf'<tr>\s*<td><input type="checkbox" name="line" value="{line.pk}".*?</tr>', page, re.S)
        assert row, f"no row for the {state} line"
        badge = f'<span class="network-state network-{state}"'
        label = str(Line.NetworkState(state).label)
        assert badge in row.group() and label in row.group(), f"the {state} line's network cell: {row.group()}"
        line_page = manager_client.get(f"/fleet/lines/{line.pk}/").content.decode()
        assert badge in line_page and label in line_page
        retry = f'formaction="/network/lines/{line.pk}/retry/"'
        assert (retry in row.group()) == (state == Line.NetworkState.FAILED)


@pytest.mark.spec("P1")
def test_the_query_count_does_not_grow_with_the_page_size(
    manager_client: Client,
    make_line: Callable[..., Line],
    options,
    customer: Customer,
    django_assert_max_num_queries,
) -> None:
    tag = TagFactory.create(customer=customer)
    for n in range(60):
        make_line(
            msisdn=f"+324700003{n:02d}",
            description="Few" if n < 3 else "Many",
            options=[options["data-eu-5gb"]],
            tags=[tag],
        )
    with CaptureQueriesContext(connection) as small:
        assert len(numbers(manager_client.get("/fleet/lines/", {"q": "Few"}))) == 3
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(numbers(manager_client.get("/fleet/lines/"))) == 50


def test_htmx_refreshes_the_results_only_and_export_links_keep_the_filter(
    manager_client: Client, make_line: Callable[..., Line]
) -> None:
    make_line(msisdn="+32470000101", status=Line.Status.SUSPENDED)
    response = manager_client.get(
        "/fleet/lines/", {"status": "suspended"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="lines-results"
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="lines-results">') and "<html" not in page
    assert "status=suspended&amp;format=xlsx" in page and "status=suspended&amp;format=csv" in page


def test_one_line_actions_open_the_line(manager_client: Client, make_line: Callable[..., Line]) -> None:
    line, other = make_line(), make_line()
    manage = manager_client.post("/fleet/lines/pick/", {"line": line.pk, "go": "manage"})
    assert manage["Location"] == f"/fleet/lines/{line.pk}/"
    assert (
        manager_client.post("/fleet/lines/pick/", {"line": line.pk, "go": "swap"})["Location"]
        == f"/fleet/lines/{line.pk}/swap/"
    )
    assert (
        manager_client.post("/fleet/lines/pick/", {"line": line.pk, "go": "stop"})["Location"]
        == f"/fleet/lines/{line.pk}/stop/"
    )
    two = manager_client.post("/fleet/lines/pick/", {"line": [line.pk, other.pk], "go": "swap"}, follow=True)
    assert "Select exactly one SIM card for this action." in messages_of(two)
    none = manager_client.post("/fleet/lines/pick/", {"go": "swap"}, follow=True)
    assert "Select a SIM card first." in messages_of(none)


@pytest.mark.spec("S1")
def test_a_foreign_or_malformed_id_in_a_selection_is_a_404(
    manager_client: Client, make_line: Callable[..., Line], other_customer: Customer
) -> None:
    mine = make_line()
    foreign = LineFactory.create(customer=other_customer)
    for ids in ([foreign.pk], [mine.pk, foreign.pk], ["x1"]):
        assert manager_client.post("/fleet/lines/pick/", {"line": ids, "go": "manage"}).status_code == 404
        assert manager_client.post("/fleet/lines/suspend/", {"line": ids}).status_code == 404


@pytest.mark.spec("P1")
def test_the_filter_lists_are_read_only_for_a_page_that_shows_them(
    manager_client: Client, make_line: Callable[..., Line], customer: Customer
) -> None:
    """The full page reads the plans, billing accounts and tags once; the results htmx swaps in
    while a user types show no filter, so they read none of them."""
    line = make_line(msisdn="+32470000101")
    TagFactory.create(customer=customer, name="Sales")

    def lists_read(**headers: str) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            page = manager_client.get("/fleet/lines/", {"q": "0470"}, headers=headers).content.decode()
        assert f'value="{line.pk}"' in page
        lists = re.compile(r'FROM "(fleet_tag|billing_billingaccount)"')
        return [q["sql"] for q in captured.captured_queries if lists.search(q["sql"])]

    full = lists_read()
    assert len(full) == 2  # tags and billing accounts, one query each
    assert lists_read(HX_Request="true", HX_Target="lines-results") == []

"""The fleet API (F-91): the same actions, rules and audit as the pages; scope `read` to read
and `fleet` to change; the customer only from the key, a foreign id a 404 (S1); bad input a
4xx naming the field, nothing changed (R3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from fleetportal.billing.models import SplitBillProfile
from fleetportal.catalog.models import Option, TariffPlan
from fleetportal.catalog.tests.factories import (
    ContractOptionFactory,
    ContractPlanFactory,
    OptionFactory,
    TariffPlanFactory,
)
from fleetportal.core.models import AuditEvent, Channel, Customer
from fleetportal.core.tests.factories import BillingAccountFactory, ContractFactory
from fleetportal.fleet.models import Line, ScheduledChange, SimCard
from fleetportal.fleet.tests.factories import LineFactory, PoolNumberFactory, SimCardFactory
from fleetportal.tests.api_client import ApiClient

pytestmark = pytest.mark.spec("F-91")

API = "/api/v1"


def today() -> str:
    return timezone.localdate().isoformat()


def later(days: int = 5) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def fleet_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read", "fleet"))[1])


@pytest.fixture
def read_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read",))[1])


@pytest.fixture
def foreign(other_customer: Customer, plans) -> Line:
    return LineFactory.create(customer=other_customer, plan=plans["mobile-start"], msisdn="+36301234567")


@pytest.fixture
def new_line_body(blank_sim, account, plans) -> Callable[..., dict[str, Any]]:
    def body(**overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "iccid": blank_sim().iccid,
            "plan": "mobile-start",
            "options": ["data-eu-5gb"],
            "billing_account": account.number,
            "details": {"first_name": "Jan", "last_name": "Peeters", "email": "jan@example.com", "language": "nl"},
            "number": {"kind": "new"},
        }
        data.update(overrides)
        return data

    return body


# --- reads ----------------------------------------------------------------------------------------


@pytest.mark.spec("F-20", "S1")
def test_the_line_list_is_the_keys_customers_searched_and_paged(read_client, make_line, foreign, options) -> None:
    make_line(msisdn="+32470123456", first_name="Jan", options=[options["data-eu-5gb"]])
    for _ in range(3):
        make_line()
    body = read_client.get(f"{API}/lines").json()
    assert body["count"] == 4 and foreign.msisdn not in {item["msisdn"] for item in body["items"]}
    jan = read_client.get(f"{API}/lines", {"q": "0470 12 34 56"}).json()["items"]
    assert [item["first_name"] for item in jan] == ["Jan"] and jan[0]["options"] == ["data-eu-5gb"]
    assert jan[0]["plan"] == "mobile-start" and jan[0]["iccid"] and jan[0]["version"] == 1
    page = read_client.get(f"{API}/lines", {"limit": 3, "offset": 3, "sort": "-msisdn"}).json()
    assert (page["count"], len(page["items"])) == (4, 1)
    assert read_client.get(f"{API}/lines", {"plan": "mobile-europe"}).json()["count"] == 0
    unknown = read_client.get(f"{API}/lines", {"plan": "nope"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "plan"


def test_one_line_with_its_details(read_client, make_line) -> None:
    line = make_line(street="Kunstlaan 1")
    body = read_client.get(f"{API}/lines/{line.pk}").json()
    assert body["id"] == line.pk and body["street"] == "Kunstlaan 1" and body["details_confirmed_at"] is None


def test_stock_free_numbers_and_planned_changes(read_client, customer, other_customer) -> None:
    own = SimCardFactory.create(customer=customer)
    SimCardFactory.create(customer=None, esim=True)
    SimCardFactory.create(customer=other_customer)
    cards = read_client.get(f"{API}/sim-cards").json()
    assert cards["count"] == 2 and {c["operator_stock"] for c in cards["items"]} == {True, False}
    assert own.iccid in {c["iccid"] for c in cards["items"]}
    PoolNumberFactory.create_batch(12)
    numbers = read_client.get(f"{API}/numbers/free").json()
    assert numbers["count"] == 12 and len(numbers["first"]) == 10
    assert read_client.get(f"{API}/scheduled-changes").json() == []


@pytest.mark.spec("S2")
def test_a_read_key_cannot_change_anything(read_client, make_line) -> None:
    line = make_line()
    response = read_client.send("post", f"{API}/lines/suspend", {"line_ids": [line.pk]})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    line.refresh_from_db()
    assert line.status == Line.Status.ACTIVE


# --- changes --------------------------------------------------------------------------------------


@pytest.mark.spec("F-21", "S1")
def test_add_a_line_ignoring_a_customer_in_the_body(fleet_client, new_line_body, customer, other_customer) -> None:
    PoolNumberFactory.create(msisdn="+32499000001")
    response = fleet_client.send("post", f"{API}/lines", new_line_body(customer=other_customer.pk))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending" and body["msisdn"] == "+32499000001" and body["options"] == ["data-eu-5gb"]
    line = Line.objects.get(pk=body["id"])
    assert line.customer == customer
    event = AuditEvent.objects.get(action="line.added")
    assert event.channel == Channel.API and event.actor_label.startswith("API key")


@pytest.mark.spec("F-21", "R3")
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"iccid": "8932 1234"}, "iccid"),
        ({"plan": "no-such-plan"}, "plan"),
        ({"options": ["voice-national-100"], "plan": "mobile-europe"}, "options"),
        ({"options": ["nope"]}, "options"),
        ({"billing_account": "999999999"}, "billing_account"),
        ({"split_bill_profile": 999999}, "split_bill_profile"),
        ({"number": {"kind": "new", "msisdn": "+32470999999"}}, "msisdn"),
        ({"number": {"kind": "port_in", "msisdn": "0475112233", "donor_operator": "Proximus"}}, "donor_account"),
        ({"details": {"email": "nope"}}, "email"),
        ({"details": {"birth_date": "2999-01-01"}}, "birth_date"),
    ],
)
def test_bad_new_lines_name_the_field_and_change_nothing(
    fleet_client, new_line_body, overrides: dict[str, Any], field: str
) -> None:
    PoolNumberFactory.create()
    response = fleet_client.send("post", f"{API}/lines", new_line_body(**overrides))
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == field
    assert not Line.objects.exists() and not SimCard.objects.filter(status="in_use").exists()


@pytest.mark.spec("F-21", "R3")
@pytest.mark.parametrize(
    ("number", "field"),
    [
        ({"donor_sim": "8" * 25}, "donor_sim"),
        ({"donor_account": "1" * 41}, "donor_account"),
        ({"donor_operator": "P" * 61}, "donor_operator"),
    ],
)
def test_a_port_in_longer_than_the_model_allows_is_a_422_naming_the_field(
    fleet_client, new_line_body, number: dict[str, str], field: str
) -> None:
    port_in = {"kind": "port_in", "msisdn": "0475112233", "donor_operator": "Proximus", "donor_account": "C-1"}
    response = fleet_client.send("post", f"{API}/lines", new_line_body(number={**port_in, **number}))
    assert response.status_code == 422, response.content
    assert response.json()["field"].endswith(field)
    assert not Line.objects.exists()


@pytest.mark.spec("F-21", "R3")
def test_a_malformed_number_choice_is_a_422_naming_it(fleet_client, new_line_body) -> None:
    response = fleet_client.send("post", f"{API}/lines", new_line_body(number={"kind": "mine"}))
    assert response.status_code == 422 and response.json()["field"].startswith("number")


@pytest.mark.spec("F-22")
def test_activate_now_later_list_and_cancel(fleet_client, make_line) -> None:
    now, planned = make_line(status=Line.Status.PENDING), make_line(status=Line.Status.PENDING)
    done = fleet_client.send("post", f"{API}/lines/activate", {"line_ids": [now.pk], "date": today()}).json()
    assert done["scheduled"] is False and done["lines"][0]["status"] == "active"
    result = fleet_client.send("post", f"{API}/lines/activate", {"line_ids": [planned.pk], "date": later()}).json()
    assert result["scheduled"] is True and result["date"] == later()
    (change,) = fleet_client.get(f"{API}/scheduled-changes", {"line_id": planned.pk}).json()
    assert (change["kind"], change["date"], change["status"]) == ("activate", later(), "scheduled")
    cancelled = fleet_client.send("post", f"{API}/scheduled-changes/{change['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    again = fleet_client.send("post", f"{API}/scheduled-changes/{change['id']}/cancel")
    assert again.status_code == 409


@pytest.mark.spec("F-22", "R3")
def test_an_activation_in_the_past_names_the_date(fleet_client, make_line) -> None:
    line = make_line(status=Line.Status.PENDING)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = fleet_client.send("post", f"{API}/lines/activate", {"line_ids": [line.pk], "date": yesterday})
    assert response.status_code == 400 and response.json()["field"] == "date"
    bad = fleet_client.send("post", f"{API}/lines/activate", {"line_ids": [line.pk], "date": "31/02/2026"})
    assert bad.status_code == 422 and bad.json()["field"] == "date"
    line.refresh_from_db()
    assert line.status == Line.Status.PENDING and not ScheduledChange.objects.exists()


@pytest.mark.spec("F-24", "F-25", "F-26")
def test_swap_suspend_reactivate_and_stop(fleet_client, make_line, blank_sim) -> None:
    line = make_line()
    new = blank_sim()
    swapped = fleet_client.send("post", f"{API}/lines/{line.pk}/swap", {"new_iccid": new.iccid, "version": 1})
    assert swapped.json()["iccid"] == new.iccid and swapped.json()["version"] == 2
    suspended = fleet_client.send("post", f"{API}/lines/suspend", {"line_ids": [line.pk], "reason": "lost"})
    assert suspended.json()["lines"][0]["status"] == "suspended"
    reactivated = fleet_client.send("post", f"{API}/lines/reactivate", {"line_ids": [line.pk]})
    assert reactivated.json()["lines"][0]["status"] == "active"
    stopped = fleet_client.send("post", f"{API}/lines/{line.pk}/stop", {"date": today(), "transfer_to_private": True})
    assert stopped.json()["status"] == "stopped" and stopped.json()["transferred_to_private"] is True


@pytest.mark.spec("F-27", "R-F1", "R2")
def test_details_update_conflict_and_confirmation_lock(fleet_client, make_line, member) -> None:
    line = make_line(user=member)
    url = f"{API}/lines/{line.pk}/details"
    ok = fleet_client.send("patch", url, {"first_name": "Mia", "version": 1})
    assert ok.status_code == 200 and ok.json()["first_name"] == "Mia" and ok.json()["version"] == 2
    stale = fleet_client.send("patch", url, {"first_name": "Other", "version": 1})
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    # A key is not the line's user: it cannot confirm.
    assert fleet_client.send("post", f"{API}/lines/{line.pk}/confirm-details", {}).status_code == 403
    Line.objects.filter(pk=line.pk).update(details_confirmed_at=timezone.now())
    locked = fleet_client.send("patch", url, {"last_name": "Other"})
    assert locked.status_code == 403 and "only they can change" in locked.json()["detail"]


@pytest.mark.spec("F-27", "R-F1")
def test_the_member_confirms_their_own_details_in_their_session(client, login, member, make_line) -> None:
    line = make_line(user=member, first_name="Mia")
    login(client, member)
    response = client.post(
        f"{API}/lines/{line.pk}/confirm-details", {"last_name": "Maes"}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["last_name"] == "Maes" and response.json()["details_confirmed_at"]


@pytest.mark.spec("F-28", "R-F2", "R2")
def test_plan_change_dry_run_then_apply_with_the_reviewed_versions(fleet_client, make_line, options) -> None:
    lines = [make_line(options=[options["voice-national-100"]]) for _ in range(2)]
    ids = [line.pk for line in lines]
    review = fleet_client.send(
        "post", f"{API}/lines/plan", {"line_ids": ids, "plan": "mobile-europe", "dry_run": True}
    ).json()
    assert review["applied"] is False and review["rows"][0]["dropped_options"] == ["voice-national-100"]
    assert review["rows"][0]["previous_plan"] == "mobile-start"
    assert set(Line.objects.values_list("plan__code", flat=True)) == {"mobile-start"}
    applied = fleet_client.send(
        "post", f"{API}/lines/plan", {"line_ids": ids, "plan": "mobile-europe", "versions": review["versions"]}
    ).json()
    assert applied["applied"] is True and set(applied["versions"].values()) == {2}
    assert set(Line.objects.values_list("plan__code", flat=True)) == {"mobile-europe"}
    stale = fleet_client.send(
        "post", f"{API}/lines/plan", {"line_ids": ids, "plan": "mobile-1", "versions": review["versions"]}
    )
    assert stale.status_code == 409


@pytest.mark.spec("F-29", "F-30")
def test_options_billing_and_tags(fleet_client, make_line, plans, customer) -> None:
    start, europe = make_line(), make_line(plan=plans["mobile-europe"])
    body = fleet_client.send(
        "post", f"{API}/lines/options", {"line_ids": [start.pk, europe.pk], "add": ["voice-national-100"]}
    ).json()
    by_id = {row["line_id"]: row for row in body["rows"]}
    assert by_id[start.pk]["added"] == ["voice-national-100"]
    assert by_id[europe.pk]["not_applicable"] == ["voice-national-100"]

    profile = SplitBillProfile.objects.create(customer=customer, name="Employee pays data")
    billed = fleet_client.send(
        "post", f"{API}/lines/billing", {"line_ids": [start.pk], "split_bill_profile": profile.pk}
    )
    assert billed.status_code == 200
    start.refresh_from_db()
    assert start.split_bill_profile == profile
    fleet_client.send("post", f"{API}/lines/billing", {"line_ids": [start.pk], "split_bill_profile": None})
    start.refresh_from_db()
    assert start.split_bill_profile is None

    unknown = fleet_client.send("post", f"{API}/lines/tags", {"line_ids": [start.pk], "add": ["Sales"]})
    assert unknown.status_code == 400 and unknown.json()["field"] == "add"


# --- plans and options: the contract's own (S1) -------------------------------------------------------


@pytest.fixture
def globex_only(other_customer: Customer, catalogue) -> tuple[TariffPlan, Option]:
    """A plan and an option that only the other customer's contract retained."""
    contract = other_customer.contracts.get()
    plan = ContractPlanFactory.create(contract=contract, plan=TariffPlanFactory.create(name="Globex Special")).plan
    option = ContractOptionFactory.create(contract=contract, option=OptionFactory.create(name="Globex Extra")).option
    return plan, option


@pytest.mark.spec("S1", "F-21", "F-28", "F-29", "R3")
@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/lines", {"plan": "{plan}"}, "plan"),
        ("post", "/lines", {"options": ["{option}"]}, "options"),
        ("post", "/lines/plan", {"line_ids": ["{line}"], "plan": "{plan}"}, "plan"),
        ("post", "/lines/plan", {"line_ids": ["{line}"], "plan": "{plan}", "dry_run": True}, "plan"),
        ("post", "/lines/options", {"line_ids": ["{line}"], "add": ["{option}"]}, "add"),
        ("post", "/lines/options", {"line_ids": ["{line}"], "remove": ["{option}"]}, "remove"),
        ("get", "/lines", {"plan": "{plan}"}, "plan"),
        ("get", "/lines/export", {"plan": "{plan}"}, "plan"),
    ],
)
def test_a_plan_or_option_of_another_customers_contract_is_refused_on_its_field(
    fleet_client, new_line_body, make_line, globex_only, method, path, body, field
) -> None:
    plan, option = globex_only
    line = make_line()
    names = {"{plan}": plan.code, "{option}": option.code, "{line}": line.pk}

    def fill(value: Any) -> Any:
        if isinstance(value, list):
            return [fill(item) for item in value]
        return names.get(value, value)

    filled = {key: fill(value) for key, value in body.items()}
    if method == "get":
        response = fleet_client.get(API + path, filled)
    else:
        response = fleet_client.send(method, API + path, new_line_body(**filled) if path == "/lines" else filled)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert plan.name not in response.json()["detail"] and option.name not in response.json()["detail"]
    line.refresh_from_db()
    assert line.version == 1 and Line.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="line.").exists()


@pytest.mark.spec("F-21", "S1")
def test_a_new_line_takes_the_plans_of_its_billing_accounts_contract(
    fleet_client, new_line_body, customer, catalogue, account
) -> None:
    """A customer with two contracts: a plan only the second retained is refused for a line
    billed on the first, and taken for a line billed on the second."""
    second = ContractFactory.create(customer=customer)
    plan = ContractPlanFactory.create(contract=second, plan=TariffPlanFactory.create()).plan
    second_account = BillingAccountFactory.create(customer=customer, contract=second)
    PoolNumberFactory.create_batch(2)
    refused = fleet_client.send("post", f"{API}/lines", new_line_body(plan=plan.code, options=[]))
    assert refused.status_code == 400 and refused.json()["field"] == "plan"
    added = fleet_client.send(
        "post", f"{API}/lines", new_line_body(plan=plan.code, options=[], billing_account=second_account.number)
    )
    assert added.status_code == 201, added.content
    assert added.json()["plan"] == plan.code and account.number != second_account.number


@pytest.mark.spec("F-20")
def test_lines_filter_by_a_plan_no_longer_on_sale_that_they_still_have(read_client, make_line, plans) -> None:
    line = make_line()
    TariffPlan.objects.filter(pk=line.plan_id).update(active=False)
    body = read_client.get(f"{API}/lines", {"plan": line.plan.code}).json()
    assert body["count"] == 1 and body["items"][0]["id"] == line.pk


# --- tenant isolation (S1): every endpoint, a foreign id ----------------------------------------------

PATH_ENDPOINTS = [
    ("get", "/lines/{id}", None),
    ("post", "/lines/{id}/swap", {"new_iccid": "89329900000000000018"}),
    ("post", "/lines/{id}/stop", {"date": "2999-01-01"}),
    ("patch", "/lines/{id}/details", {"first_name": "X"}),
    ("post", "/lines/{id}/confirm-details", {}),
]
BULK_ENDPOINTS = [
    ("/lines/activate", {"date": "2999-01-01"}),
    ("/lines/suspend", {}),
    ("/lines/reactivate", {}),
    ("/lines/plan", {"plan": "mobile-europe"}),
    ("/lines/options", {"add": ["roaming-world-1gb"]}),
    ("/lines/billing", {"split_bill_profile": None}),
    ("/lines/tags", {"add": []}),
]


@pytest.mark.spec("S1")
@pytest.mark.parametrize(("method", "path", "body"), PATH_ENDPOINTS)
def test_a_foreign_line_is_a_404_on_every_line_endpoint(fleet_client, foreign, method, path, body) -> None:
    response = fleet_client.send(method, API + path.format(id=foreign.pk), body)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    foreign.refresh_from_db()
    assert foreign.version == 1 and foreign.first_name != "X"


@pytest.mark.spec("S1")
@pytest.mark.parametrize(("path", "body"), BULK_ENDPOINTS)
def test_a_foreign_id_in_a_selection_is_a_404_and_nothing_changes(fleet_client, foreign, make_line, path, body) -> None:
    own = make_line()
    response = fleet_client.send("post", API + path, {"line_ids": [own.pk, foreign.pk], **body})
    assert response.status_code == 404
    own.refresh_from_db(), foreign.refresh_from_db()
    assert own.version == foreign.version == 1
    assert not AuditEvent.objects.filter(action__startswith="line.").exists()


@pytest.mark.spec("S1")
def test_foreign_planned_changes_are_invisible(fleet_client, foreign, other_customer) -> None:
    change = ScheduledChange.objects.create(line=foreign, kind="suspend", due_date=timezone.localdate())
    assert fleet_client.get(f"{API}/scheduled-changes").json() == []
    assert fleet_client.get(f"{API}/scheduled-changes", {"line_id": foreign.pk}).status_code == 404
    assert fleet_client.send("post", f"{API}/scheduled-changes/{change.pk}/cancel").status_code == 404
    change.refresh_from_db()
    assert change.status == "scheduled"


@pytest.mark.spec("R3")
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/lines/99999999999999999999999", None),
        ("post", "/lines/suspend", {"line_ids": [10**25]}),
        ("post", "/lines/suspend", {"line_ids": []}),
        ("post", "/lines/plan", {"line_ids": [1], "plan": "x", "versions": {"a": 1}}),
        ("get", "/scheduled-changes?line_id=99999999999999999999999", None),
        ("post", "/lines", {"iccid": "\x00", "plan": "\x00", "billing_account": "\x00", "number": {"kind": "new"}}),
        ("post", "/lines", {"iccid": "1", "plan": "p", "billing_account": "1", "number": {}, "split_bill_profile": -1}),
        ("get", "/lines?q=%00%FF&sort=%00&status=gone", None),
        ("post", "/lines/activate", {"line_ids": [1], "date": "9999-12-31"}),
        ("patch", "/lines/1/details", {"birth_date": "1990-02-31", "civility": "sir"}),
    ],
)
def test_bad_input_is_a_4xx_never_a_500(fleet_client, make_line, method, path, body) -> None:
    make_line()
    response = fleet_client.send(method, API + path, body) if body is not None else fleet_client.get(API + path)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["detail"]

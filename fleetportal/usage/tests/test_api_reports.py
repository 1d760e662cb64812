"""Usage queries through the API (F-56, F-91): per line, billing account, company and the
counters, per period; keys with `read` or `fleet`, sessions with the fleet or billing right;
other customers' ids 404 (S1); a bad period is a 422 naming `period` (R3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from fleetportal.accounts.models import ApiKey, Function, Membership, User
from fleetportal.fleet.models import Line
from fleetportal.tests.api_client import ApiClient
from fleetportal.usage.reports import current_period, previous_periods

from .counters import counter

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-56", "F-91")]
API = "/api/v1/usage"


@pytest.fixture
def period() -> dt.date:
    return current_period()


@pytest.fixture
def used(lines: list[Line], other_line: Line, period: dt.date) -> list[Line]:
    counter(lines[0], period, data_mb=Decimal("150"), data_bundle_mb=Decimal("100"), allowance_data_mb=100)
    counter(lines[1], period, data_mb=Decimal("5"), out_of_bundle_eur=Decimal("1.20"))
    counter(lines[1], previous_periods(period, 2)[0], out_of_bundle_eur=Decimal("4"))
    counter(other_line, period, data_mb=Decimal("999"))
    return lines


@pytest.fixture
def read_client(new_key: Callable[..., tuple[ApiKey, str]], holder: User) -> ApiClient:
    return ApiClient(new_key(holder, scopes=["read"])[1])


def test_a_line_s_usage(read_client: ApiClient, used: list[Line], period: dt.date) -> None:
    body = read_client.get(f"{API}/lines/{used[0].pk}").json()
    assert (body["number"], body["period"]) == ("+32470100001", period.isoformat())
    assert body["counter"]["data_mb"] == "150.0000" and body["counter"]["allowance_data_mb"] == 100
    assert body["days_left"] >= 1
    idle = read_client.get(f"{API}/lines/{used[2].pk}").json()
    assert idle["counter"] is None


def test_the_company_and_an_account(read_client: ApiClient, used: list[Line], period: dt.date) -> None:
    body = read_client.get(f"{API}/company").json()
    assert body["totals"]["lines"] == 2 and body["totals"]["over_bundle"] == 1
    assert Decimal(body["totals"]["data_mb"]) == Decimal("155")
    assert [tag["label"] for tag in body["tags"]] == ["No tag"]
    before = previous_periods(period, 2)[0]
    assert Decimal(body["out_of_bundle_per_period"][f"{before:%Y-%m}"]) == Decimal("4")
    assert len(body["out_of_bundle_per_period"]) == 6
    account = used[0].billing_account
    one = read_client.get(f"{API}/accounts/{account.pk}", {"period": f"{period:%Y-%m}"}).json()
    assert (one["number"], one["totals"]["lines"]) == (account.number, 2)
    past = read_client.get(f"{API}/company", {"period": f"{before:%Y-%m}"}).json()
    assert past["totals"]["lines"] == 1


def test_the_counters_paged(read_client: ApiClient, used: list[Line]) -> None:
    first = read_client.get(f"{API}/counters", {"limit": 1}).json()
    assert (first["count"], len(first["items"]), first["items"][0]["number"]) == (2, 1, "+32470100001")
    second = read_client.get(f"{API}/counters", {"limit": 1, "offset": 1}).json()
    assert second["items"][0]["number"] == "+32470100002"


@pytest.mark.spec("S1")
def test_other_customers_ids_are_404(read_client: ApiClient, used: list[Line], other_line: Line) -> None:
    for path in (f"{API}/lines/{other_line.pk}", f"{API}/accounts/{other_line.billing_account_id}"):
        response = read_client.get(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert all(item["number"] != other_line.msisdn for item in read_client.get(f"{API}/counters").json()["items"])


@pytest.mark.spec("R3")
@pytest.mark.parametrize("bad", ["2026-13", "soon", "9999-01", "2026-02-31", ""])
def test_a_bad_period_is_a_422_naming_period(read_client: ApiClient, used: list[Line], bad: str) -> None:
    for path in (f"{API}/company", f"{API}/counters", f"{API}/lines/{used[0].pk}", f"{API}/accounts/1"):
        response = read_client.get(path, {"period": bad})
        if bad == "":  # empty: the current period
            assert response.status_code in (200, 404)
            continue
        assert response.status_code == 422, (path, response.content)
        assert response.json()["field"] == "period"


@pytest.mark.spec("S2")
def test_who_may_query(
    new_key: Callable[..., tuple[ApiKey, str]], holder: User, billing_manager: User, member: User, manager: User,
    login: Callable[..., object], used: list[Line],
) -> None:  # fmt: skip
    assert ApiClient(new_key(holder, scopes=["fleet"])[1]).get(f"{API}/company").status_code == 200
    assert ApiClient(new_key(holder, scopes=["users"])[1]).get(f"{API}/company").status_code == 403
    billing = Client()
    login(billing, billing_manager)
    assert billing.get(f"{API}/company").json()["totals"]["lines"] == 2  # a session with the billing right
    members = Client()
    login(members, member)
    assert members.get(f"{API}/company").status_code == 403
    Membership.objects.filter(user=manager).update(functions=[Function.USERS])
    users_only = Client()
    login(users_only, manager)
    assert users_only.get(f"{API}/counters").status_code == 403

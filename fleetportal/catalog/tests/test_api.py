"""The catalogue over the API (F-91, F-72): the contract's plans, options with applicability and
the matrix, at the contract's prices; the caller's own contracts only (S1), read scopes (S2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fleetportal.accounts.api_keys import api_key_create
from fleetportal.accounts.models import User
from fleetportal.catalog.demo import retain_for
from fleetportal.catalog.models import ContractOption
from fleetportal.conftest import make_actor
from fleetportal.core.models import Contract, Customer
from fleetportal.tests.api_client import ApiClient

pytestmark = pytest.mark.spec("F-91", "F-72")
API = "/api/v1/catalog"


def key_client(user: User, *scopes: str) -> ApiClient:
    return ApiClient(api_key_create(actor=make_actor(user), name="ERP", scopes=list(scopes))[1])


@pytest.fixture
def reader(holder: User, catalogue: Contract) -> ApiClient:
    return key_client(holder, "read")


@pytest.fixture
def globex_contract(other_customer: Customer, catalogue: Contract) -> Contract:
    contract = other_customer.contracts.get()
    retain_for(contract, discount=Decimal("0.5"))
    return contract


def test_plans_mobile_first_at_the_contracts_prices(reader: ApiClient, catalogue: Contract, globex_contract) -> None:
    response = reader.get(f"{API}/plans")
    assert response.status_code == 200
    plans = response.json()
    assert [p["code"] for p in plans][:2] == ["mobile-1", "mobile-europe"]
    assert [p["category"] for p in plans] == ["mobile"] * 6 + ["data"] * 3
    limitless = next(p for p in plans if p["code"] == "mobile-limitless")
    assert limitless == {
        "code": "mobile-limitless",
        "name": "Mobile Limitless",
        "category": "mobile",
        "monthly_price": "33.00",
        "data_mb": None,
        "voice_minutes": None,
        "sms": None,
    }
    assert reader.get(f"{API}/plans", {"contract": catalogue.number}).json() == plans


def test_options_say_whether_they_apply_to_a_plan(reader: ApiClient, catalogue: Contract) -> None:
    ContractOption.objects.filter(contract=catalogue, option__code="voice-national-100").update(
        monthly_price=Decimal("2.50")
    )
    everything = {o["code"]: o for o in reader.get(f"{API}/options").json()}
    assert everything["voice-national-100"]["applicable"] is None
    assert everything["voice-national-100"]["monthly_price"] == "2.50"
    assert everything["data-national-10gb"]["not_applicable_to"] == ["mobile-limitless"]

    europe = {o["code"]: o["applicable"] for o in reader.get(f"{API}/options", {"plan": "mobile-europe"}).json()}
    assert europe["voice-national-100"] is False and europe["data-national-10gb"] is True
    limitless = {o["code"]: o["applicable"] for o in reader.get(f"{API}/options", {"plan": "mobile-limitless"}).json()}
    assert limitless["data-national-10gb"] is False and limitless["data-asia-tech-3gb"] is True


def test_an_unknown_plan_is_a_400_naming_the_field(reader: ApiClient) -> None:
    response = reader.get(f"{API}/options", {"plan": "mobile-unknown"})
    assert response.status_code == 400
    assert response.json()["field"] == "plan" and response.json()["code"] == "unknown_plan"


def test_matrix_prices_or_null(reader: ApiClient, catalogue: Contract) -> None:
    response = reader.get(f"{API}/contracts/{catalogue.number}/matrix")
    assert response.status_code == 200
    body = response.json()
    assert body["contract"] == catalogue.number and len(body["plans"]) == 9
    rows = {row["option"]: row["prices"] for row in body["options"]}
    assert rows["voice-national-100"]["mobile-europe"] is None
    assert rows["voice-national-100"]["mobile-1"] == "3.00"
    assert rows["data-national-10gb"]["mobile-limitless"] is None
    assert rows["data-asia-tech-3gb"]["mobile-limitless"] == "35.00"


def test_contracts_and_group_bundles(reader: ApiClient, catalogue: Contract) -> None:
    assert reader.get(f"{API}/contracts").json() == [{"number": catalogue.number, "start_date": "2024-01-01"}]
    bundles = {b["code"]: b for b in reader.get(f"{API}/group-bundles").json()}
    assert bundles["group-data-200gb"]["monthly_price"] == "450.00"
    assert bundles["group-data-200gb"]["data_mb"] == 200 * 1024


@pytest.mark.spec("F-91", "S1")
def test_another_customers_contract_is_not_found(reader: ApiClient, globex_contract: Contract) -> None:
    assert reader.get(f"{API}/contracts/{globex_contract.number}/matrix").status_code == 404
    assert reader.get(f"{API}/plans", {"contract": globex_contract.number}).status_code == 404
    assert reader.get(f"{API}/options", {"contract": globex_contract.number}).status_code == 404
    assert reader.get(f"{API}/group-bundles", {"contract": globex_contract.number}).status_code == 404
    assert globex_contract.number not in reader.get(f"{API}/contracts").content.decode()


@pytest.mark.spec("F-91", "S2")
def test_a_key_without_a_read_scope_and_a_member_session_are_refused(holder, client, login, member, catalogue) -> None:
    users_only = key_client(holder, "users")
    assert users_only.get(f"{API}/plans").status_code == 403
    assert ApiClient("fp_not-a-key").get(f"{API}/plans").status_code == 401
    login(client, member)
    assert client.get(f"{API}/plans").status_code == 403
    assert client.get(f"{API}/contracts/{catalogue.number}/matrix").status_code == 403


@pytest.mark.spec("F-91")
def test_a_managers_session_reads_it_too(client, login, manager, catalogue: Contract) -> None:
    login(client, manager)
    assert client.get(f"{API}/contracts/{catalogue.number}/matrix").status_code == 200

"""The visible network state (R4): the snippet, the retry page and API, the staff page; every
one scoped to the actor's customer (S1)."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from fleetportal.accounts.api_keys import api_key_create
from fleetportal.accounts.models import User
from fleetportal.conftest import make_actor
from fleetportal.core.models import AuditEvent
from fleetportal.fleet.models import Line
from fleetportal.fleet.provisioning import request_provisioning
from fleetportal.network.models import ProvisioningRequest, SimulatorRule
from fleetportal.tests.api_client import ApiClient

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-94", "R4")]

Status = ProvisioningRequest.Status


@pytest.fixture
def failed_line(make_lines, django_capture_on_commit_callbacks) -> Line:
    """A line of `customer` whose plan change the network refused."""
    (line,) = make_lines(1)
    rule = SimulatorRule.objects.create(msisdn=line.msisdn, outcome=SimulatorRule.Outcome.FAIL)
    with django_capture_on_commit_callbacks(execute=True):
        request_provisioning(lines=[line], operation="plan", payload={"plan": "pro"})
    rule.delete()
    line.refresh_from_db()
    assert line.network_state == Line.NetworkState.FAILED
    return line


def key_client(user: User, *scopes: str) -> ApiClient:
    return ApiClient(api_key_create(actor=make_actor(user), name="Network", scopes=list(scopes))[1])


def render_state(line: Line, actor: object, **extra: object) -> str:
    request = RequestFactory().get("/lines/1/")
    return render_to_string("network/line_state.html", {"line": line, "actor": actor, **extra}, request=request)


def test_snippet_shows_each_state_and_retry_only_to_who_may(failed_line, manager, member, actor_for) -> None:
    html = render_state(failed_line, actor_for(manager))
    assert "Failed, retry" in html and f'action="/network/lines/{failed_line.pk}/retry/"' in html
    assert 'value="/lines/1/"' in html  # back to the page it was on
    assert "/retry/" not in render_state(failed_line, actor_for(member))
    in_form = render_state(failed_line, actor_for(manager), in_form=True)
    assert "<form" not in in_form and 'formaction="/network/lines/' in in_form
    failed_line.network_state = Line.NetworkState.PENDING
    assert "Pending in network" in render_state(failed_line, actor_for(manager))
    failed_line.network_state = Line.NetworkState.IN_SYNC
    assert "Up to date" in render_state(failed_line, actor_for(manager))


def test_retry_page_sends_again_and_returns(
    client, login, manager, failed_line, django_capture_on_commit_callbacks
) -> None:
    login(client, manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/network/lines/{failed_line.pk}/retry/", {"next": "/somewhere/?page=2"})
    assert response.status_code == 302 and response["Location"] == "/somewhere/?page=2"
    failed_line.refresh_from_db()
    assert failed_line.network_state == Line.NetworkState.IN_SYNC
    assert AuditEvent.objects.filter(action="network.retry", object_id=str(failed_line.pk)).count() == 1

    response = client.post(f"/network/lines/{failed_line.pk}/retry/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"  # never off-site
    assert "no failed network change" in client.get("/", follow=True).content.decode()  # nothing left to retry


def test_retry_page_refuses_others(client, login, member, other_holder, failed_line) -> None:
    login(client, other_holder)
    assert client.post(f"/network/lines/{failed_line.pk}/retry/").status_code == 404  # another customer's line
    assert client.get(f"/network/lines/{failed_line.pk}/retry/").status_code == 405
    client.logout()
    login(client, member)
    assert client.post(f"/network/lines/{failed_line.pk}/retry/").status_code == 403
    assert ProvisioningRequest.objects.count() == 1


def test_api_lists_the_requests_and_retries(holder, failed_line, django_capture_on_commit_callbacks) -> None:
    reader = key_client(holder, "read")
    body = reader.get(f"/api/v1/lines/{failed_line.pk}/network").json()
    assert body["network_state"] == "failed"
    assert [(r["operation"], r["status"]) for r in body["requests"]] == [("plan", "failed")]
    assert reader.post(f"/api/v1/lines/{failed_line.pk}/network/retry").status_code == 403  # read scope only

    fleet = key_client(holder, "fleet")
    with django_capture_on_commit_callbacks(execute=True):
        response = fleet.post(f"/api/v1/lines/{failed_line.pk}/network/retry")
    assert response.status_code == 202 and response.json()["operation"] == "plan"
    again = fleet.post(f"/api/v1/lines/{failed_line.pk}/network/retry")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    body = reader.get(f"/api/v1/lines/{failed_line.pk}/network").json()
    assert body["network_state"] == "in_sync"
    assert [r["status"] for r in body["requests"]] == ["done", "failed"]


def test_api_answers_404_for_another_customers_line(other_holder, failed_line) -> None:
    other = key_client(other_holder, "read", "fleet")
    for response in (
        other.get(f"/api/v1/lines/{failed_line.pk}/network"),
        other.post(f"/api/v1/lines/{failed_line.pk}/network/retry"),
    ):
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert ProvisioningRequest.objects.count() == 1


def test_staff_page_lists_failures_and_sets_rules(client, login, staff, failed_line) -> None:
    login(client, staff)
    page = client.get("/staff/network/").content.decode()
    assert failed_line.customer.name in page and "refused by the network" in page

    response = client.post("/staff/network/", {"msisdn": "0470 12 34 56", "operation": "suspend", "outcome": "timeout"})
    assert response.status_code == 302
    rule = SimulatorRule.objects.get()
    assert (rule.msisdn, rule.operation, rule.outcome) == ("+32470123456", "suspend", "timeout")
    assert AuditEvent.objects.filter(action="network.simulator_rule_add").exists()

    bad = client.post("/staff/network/", {"msisdn": "12", "operation": "", "outcome": "fail"})
    assert bad.status_code == 200 and "Enter a mobile number" in bad.content.decode()
    empty = client.post("/staff/network/", {"msisdn": "", "operation": "", "outcome": "fail"})
    assert "Give a phone number, an operation or both." in empty.content.decode()
    assert SimulatorRule.objects.count() == 1

    assert client.post(f"/staff/network/rules/{rule.pk}/delete/").status_code == 302
    assert not SimulatorRule.objects.exists()


def test_staff_page_is_for_staff_only(client, login, holder) -> None:
    login(client, holder)
    assert client.get("/staff/network/").status_code == 403
    assert client.post("/staff/network/", {"operation": "plan", "outcome": "fail"}).status_code == 403
    assert not SimulatorRule.objects.exists()

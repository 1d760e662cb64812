"""The line controls over the API (F-40..F-43): blocks of a line and in bulk (by ids or
numbers), limits; the same actions, audit and errors as the pages; scope `read` to read and
`fleet` to change; a foreign line a 404 (S1); bad input a 4xx naming the field, nothing changed (R3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from fleetportal.accounts.models import User
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.models import Line, LineBlock
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.network.models import ProvisioningRequest
from fleetportal.tests.api_client import ApiClient

pytestmark = pytest.mark.spec("F-40", "F-91")

API = "/api/v1"


@pytest.fixture
def fleet_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read", "fleet"))[1])


@pytest.fixture
def read_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read",))[1])


def blocks_of(line: Line) -> dict[str, int | None]:
    return dict(LineBlock.objects.filter(line=line).values_list("service", "rule_id"))


def unchanged(line: Line) -> None:
    before = line.version
    line.refresh_from_db()
    assert line.version == before
    assert not AuditEvent.objects.filter(action__in=["line.blocks_changed", "line.limits_changed"]).exists()
    assert not ProvisioningRequest.objects.exists()


def test_a_lines_blocks_are_read_and_set(
    fleet_client: ApiClient, read_client: ApiClient, make_line: Callable[..., Line]
) -> None:
    line = make_line()
    LineBlock.objects.create(line=line, service="roaming_data", rule_id=9)
    read = read_client.get(f"{API}/lines/{line.pk}/blocks")
    assert read.status_code == 200, read.content
    assert read.json()["blocks"] == [{"service": "roaming_data", "label": "Abroad: data", "rule_id": 9}]
    assert read_client.send("put", f"{API}/lines/{line.pk}/blocks", {"blocks": ["data"]}).status_code == 403
    put = fleet_client.send("put", f"{API}/lines/{line.pk}/blocks", {"blocks": ["data", "roaming_data"], "version": 1})
    assert put.status_code == 200, put.content
    body = put.json()
    assert [item["service"] for item in body["blocks"]] == ["data", "roaming_data"]
    assert body["line"]["network_state"] == "pending" and body["line"]["version"] == 2
    assert blocks_of(line) == {"data": None, "roaming_data": 9}
    event = AuditEvent.objects.get(action="line.blocks_changed")
    assert event.channel == "api" and event.after["blocked"] == ["data"]
    detail = read_client.get(f"{API}/lines/{line.pk}").json()
    assert detail["blocks"] == ["data", "roaming_data"] and detail["paybymobile"] == "unlimited"


def test_blocks_in_bulk_by_ids_and_numbers(fleet_client: ApiClient, make_line: Callable[..., Line]) -> None:
    first, second = make_line(), make_line(msisdn="+32470123456")
    response = fleet_client.send(
        "post",
        f"{API}/lines/blocks",
        {"line_ids": [first.pk], "numbers": ["0470 12 34 56"], "block": ["data", "mms"]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["changed"] == 2
    assert [item["id"] for item in response.json()["lines"]] == [first.pk, second.pk]
    assert blocks_of(first) == blocks_of(second) == {"data": None, "mms": None}
    assert ProvisioningRequest.objects.filter(operation="blocks").count() == 2
    again = fleet_client.send("post", f"{API}/lines/blocks", {"line_ids": [first.pk], "unblock": ["mms"]})
    assert again.json()["changed"] == 1 and blocks_of(first) == {"data": None}


@pytest.mark.spec("F-40", "R2", "R3")
def test_a_block_on_a_stopped_line_is_refused_naming_it_and_nothing_changes(
    fleet_client: ApiClient, make_line: Callable[..., Line]
) -> None:
    active = make_line()
    stopped = make_line(status=Line.Status.STOPPED, msisdn="+32470999888")
    response = fleet_client.send(
        "post", f"{API}/lines/blocks", {"line_ids": [active.pk, stopped.pk], "block": ["data"]}
    )
    assert response.status_code == 400 and response.json()["field"] == "lines"
    assert "470 99 98 88 is Stopped" in response.json()["detail"]
    one = fleet_client.send("put", f"{API}/lines/{stopped.pk}/blocks", {"blocks": ["data"]})
    assert one.status_code == 400 and one.json()["field"] == "lines"
    assert not LineBlock.objects.exists()
    unchanged(active)


@pytest.mark.spec("F-40", "R3")
@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"block": ["teleport"]}, 400, "block"),
        ({"block": []}, 400, "block"),
        ({"block": ["data"], "unblock": ["data"]}, 400, "unblock"),
        ({"block": "data"}, 422, "block"),
        ({"block": ["x" * 21]}, 422, "block.0"),
        ({"block": ["data"], "versions": {"abc": 1}}, 400, "versions"),
    ],
)
def test_bad_bulk_blocks_are_named(
    fleet_client: ApiClient, make_line: Callable[..., Line], body: dict[str, Any], status: int, field: str
) -> None:
    line = make_line()
    response = fleet_client.send("post", f"{API}/lines/blocks", {"line_ids": [line.pk], **body})
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    unchanged(line)


def test_bulk_blocks_name_lines_of_the_caller_only(
    fleet_client: ApiClient, make_line: Callable[..., Line], other_customer: Customer
) -> None:
    line = make_line()
    foreign = LineFactory.create(customer=other_customer, msisdn="+36301112233")
    assert (
        fleet_client.send(
            "post", f"{API}/lines/blocks", {"line_ids": [line.pk, foreign.pk], "block": ["data"]}
        ).status_code
        == 404
    )
    by_number = fleet_client.send("post", f"{API}/lines/blocks", {"numbers": ["+36 30 111 2233"], "block": ["data"]})
    assert by_number.status_code == 400 and by_number.json()["field"] == "numbers"
    bad_number = fleet_client.send("post", f"{API}/lines/blocks", {"numbers": ["12"], "block": ["data"]})
    assert bad_number.status_code == 400 and bad_number.json()["field"] == "numbers"
    none = fleet_client.send("post", f"{API}/lines/blocks", {"block": ["data"]})
    assert none.status_code == 400 and none.json()["field"] == "line_ids"
    assert fleet_client.get(f"{API}/lines/{foreign.pk}/blocks").status_code == 404
    assert fleet_client.send("put", f"{API}/lines/{foreign.pk}/blocks", {"blocks": ["data"]}).status_code == 404
    assert fleet_client.get(f"{API}/lines/{foreign.pk}/limits").status_code == 404
    assert fleet_client.send("patch", f"{API}/lines/{foreign.pk}/limits", {"paybymobile": "blocked"}).status_code == 404
    assert not LineBlock.objects.exists()


# --- limits ------------------------------------------------------------------------------------------


@pytest.mark.spec("F-41", "F-42", "F-43")
def test_limits_are_read_and_changed_field_by_field(
    fleet_client: ApiClient, read_client: ApiClient, make_line: Callable[..., Line]
) -> None:
    line = make_line()
    read = read_client.get(f"{API}/lines/{line.pk}/limits").json()
    assert read == {
        "line": read["line"],
        "paybymobile": "unlimited",
        "paybymobile_cap": None,
        "out_of_bundle_notify_at": None,
        "bundle_alerts": True,
    }
    assert read_client.send("patch", f"{API}/lines/{line.pk}/limits", {"paybymobile": "blocked"}).status_code == 403
    capped = fleet_client.send(
        "patch", f"{API}/lines/{line.pk}/limits", {"paybymobile": "capped", "paybymobile_cap": "25.5", "version": 1}
    )
    assert capped.status_code == 200, capped.content
    assert capped.json()["paybymobile_cap"] == "25.50" and capped.json()["line"]["network_state"] == "pending"
    notify = fleet_client.send("patch", f"{API}/lines/{line.pk}/limits", {"out_of_bundle_notify_at": 40})
    assert notify.json()["out_of_bundle_notify_at"] == "40.00" and notify.json()["paybymobile_cap"] == "25.50"
    alerts = fleet_client.send("patch", f"{API}/lines/{line.pk}/limits", {"bundle_alerts": False})
    assert alerts.json()["bundle_alerts"] is False
    line.refresh_from_db()
    assert str(line.paybymobile_cap) == "25.50" and str(line.out_of_bundle_notify_at) == "40.00"
    assert ProvisioningRequest.objects.filter(line=line, operation="blocks").count() == 1  # the cap only
    assert AuditEvent.objects.filter(action="line.limits_changed").count() == 2


@pytest.mark.spec("F-41", "F-42", "R3")
@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"out_of_bundle_notify_at": "-1"}, 422, "out_of_bundle_notify_at"),
        ({"out_of_bundle_notify_at": -0.5}, 422, "out_of_bundle_notify_at"),
        ({"paybymobile": "capped", "paybymobile_cap": "abc"}, 422, "paybymobile_cap"),
        ({"paybymobile_cap": "1.999"}, 422, "paybymobile_cap"),
        ({"paybymobile_cap": "12345678"}, 422, "paybymobile_cap"),
        ({"paybymobile": "capped"}, 400, "paybymobile_cap"),
        ({"paybymobile": "sometimes"}, 422, "paybymobile"),
        ({"paybymobile": None}, 400, "paybymobile"),
        ({"bundle_alerts": "maybe"}, 422, "bundle_alerts"),
        ({"bundle_alerts": None}, 400, "bundle_alerts"),
    ],
)
def test_bad_limits_are_named_and_change_nothing(
    fleet_client: ApiClient, make_line: Callable[..., Line], body: dict[str, Any], status: int, field: str
) -> None:
    line = make_line()
    response = fleet_client.send("patch", f"{API}/lines/{line.pk}/limits", body)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field and response.json()["detail"]
    unchanged(line)
    assert line.bundle_alerts is True and line.paybymobile == "unlimited"


def test_the_amount_messages_are_the_actions(fleet_client: ApiClient, make_line: Callable[..., Line]) -> None:
    line = make_line()
    negative = fleet_client.send("patch", f"{API}/lines/{line.pk}/limits", {"out_of_bundle_notify_at": "-1"})
    assert "Enter an amount from 0 to 999,999.99 EUR." in negative.json()["detail"]
    word = fleet_client.send("patch", f"{API}/lines/{line.pk}/limits", {"paybymobile_cap": "abc"})
    assert "Enter an amount in EUR, such as 25 or 12.50." in word.json()["detail"]


@pytest.mark.spec("F-43", "S2")
def test_a_member_switches_their_own_lines_alerts_only(
    member_client: Client, member: User, make_line: Callable[..., Line]
) -> None:
    own, colleague = make_line(user=member), make_line()
    url = f"{API}/lines/{own.pk}/limits"
    off = member_client.patch(url, {"bundle_alerts": False}, content_type="application/json")
    assert off.status_code == 200, off.content
    own.refresh_from_db()
    assert own.bundle_alerts is False
    limits = member_client.patch(url, {"paybymobile": "blocked"}, content_type="application/json")
    assert limits.status_code == 403
    other = member_client.patch(
        f"{API}/lines/{colleague.pk}/limits", {"bundle_alerts": False}, content_type="application/json"
    )
    assert other.status_code == 404
    colleague.refresh_from_db()
    assert colleague.bundle_alerts is True and own.paybymobile == "unlimited"

"""The usage API (F-55, F-91): a JSON batch ingested at once, a file by a worker, the job with
its bad rows; same errors shape, never a 500 (R3); other customers' jobs 404 (S1)."""

from __future__ import annotations

import gzip
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fleetportal.accounts.models import ApiKey, User
from fleetportal.core.models import AuditEvent
from fleetportal.fleet.models import Line
from fleetportal.tests.api_client import ApiClient
from fleetportal.usage.models import UsageRecord

from .conftest import csv_bytes, record

pytestmark = pytest.mark.django_db
API = "/api/v1/usage"


@pytest.fixture
def fleet_client(new_key: Callable[..., tuple[ApiKey, str]], holder: User) -> ApiClient:
    return ApiClient(new_key(holder, scopes=["read", "fleet"])[1])


@pytest.fixture
def read_client(new_key: Callable[..., tuple[ApiKey, str]], holder: User) -> ApiClient:
    return ApiClient(new_key(holder, scopes=["read"])[1])


def batch_record(n: int, **values: object) -> dict[str, object]:
    row: dict[str, object] = {k: v for k, v in record(n).items() if v}
    row["quantity"] = 10
    row.update(values)
    return row


@pytest.mark.spec("F-55", "R5", "F-91")
def test_a_batch_is_ingested_once_with_its_bad_records_listed(fleet_client: ApiClient, lines: list[Line]) -> None:
    body = {"records": [batch_record(1), batch_record(2, quantity=-1), batch_record(3, number="+32470999999")]}
    first = fleet_client.send("POST", f"{API}/records", body)
    assert first.status_code == 200, first.content
    job = first.json()
    assert (job["status"], job["source"], job["ingested"], job["bad"]) == ("done", "api", 1, 2)
    assert job["errors"] == [
        {"row": 2, "message": "The quantity -1 is negative."},
        {"row": 3, "message": "No line has the number +32470999999."},
    ]
    again = fleet_client.send("POST", f"{API}/records", body).json()
    assert (again["ingested"], again["duplicates"]) == (0, 1)
    assert UsageRecord.objects.count() == 1
    assert AuditEvent.objects.filter(action="usage.ingested", channel="api").count() == 2


@pytest.mark.spec("F-55", "R3")
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"records": []},
        {"records": [{"record_id": "x"}]},
        {"records": [{**record(1), "quantity": "NaN"}]},
        {"records": [{**record(1), "quantity": "1e400000"}]},
        {"records": "no"},
    ],
)
def test_a_batch_that_does_not_validate_is_a_4xx_naming_the_field(
    fleet_client: ApiClient, lines: list[Line], body: dict
) -> None:
    response = fleet_client.send("POST", f"{API}/records", body)
    assert 400 <= response.status_code < 500, response.content
    assert {"detail", "code"} <= response.json().keys()
    assert not UsageRecord.objects.exists()


@pytest.mark.spec("F-55", "R3")
def test_a_batch_over_the_limit_is_refused(fleet_client: ApiClient, lines: list[Line]) -> None:
    body = {"records": [batch_record(n) for n in range(10_001)]}
    response = fleet_client.send("POST", f"{API}/records", body)
    assert response.status_code == 422 and response.json()["field"].startswith("records")


@pytest.mark.spec("F-55", "F-91")
def test_a_file_is_ingested_by_a_worker_and_its_job_polled(
    fleet_client: ApiClient, lines: list[Line], django_capture_on_commit_callbacks
) -> None:
    data = gzip.compress(csv_bytes([record(1), record(2), record(3, kind="fax")]))
    with django_capture_on_commit_callbacks(execute=True):
        response = fleet_client.post(f"{API}/files", {"file": SimpleUploadedFile("u.csv.gz", data)})
    assert response.status_code == 202, response.content
    job = fleet_client.get(f"{API}/jobs/{response.json()['id']}").json()
    assert (job["status"], job["ingested"], job["bad"]) == ("done", 2, 1)
    assert job["errors"][0]["row"] == 4
    errors = fleet_client.get(f"{API}/jobs/{job['id']}/errors.csv")
    content = b"".join(errors.streaming_content).decode()  # type: ignore[attr-defined]
    assert content.splitlines()[1].startswith('4,"Unknown type fax')


@pytest.mark.spec("F-55", "R3")
def test_an_empty_file_fails_its_job_with_a_clear_error(
    fleet_client: ApiClient, lines: list[Line], django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = fleet_client.post(f"{API}/files", {"file": SimpleUploadedFile("u.csv", b"")})
    job = fleet_client.get(f"{API}/jobs/{response.json()['id']}").json()
    assert (job["status"], job["error"]) == ("failed", "The file is empty.")


@pytest.mark.spec("F-55", "S1", "S2")
def test_scopes_and_tenancy(
    read_client: ApiClient, fleet_client: ApiClient, new_key: Callable[..., tuple[ApiKey, str]],
    other_holder: User, lines: list[Line],
) -> None:  # fmt: skip
    refused = read_client.send("POST", f"{API}/records", {"records": [batch_record(1)]})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    job = fleet_client.send("POST", f"{API}/records", {"records": [batch_record(1)]}).json()
    assert read_client.get(f"{API}/jobs/{job['id']}").status_code == 200
    other = ApiClient(new_key(other_holder, scopes=["read", "fleet"])[1])
    assert other.get(f"{API}/jobs/{job['id']}").status_code == 404
    assert other.get(f"{API}/jobs/{job['id']}/errors.csv").status_code == 404
    # the other customer's key cannot put records on this customer's lines
    sent = other.send("POST", f"{API}/records", {"records": [batch_record(9)]}).json()
    assert (sent["ingested"], sent["bad"]) == (0, 1)
    assert ApiClient().get(f"{API}/jobs/{job['id']}").status_code == 401

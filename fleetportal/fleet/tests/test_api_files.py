"""The fleet's files over the API (F-31, F-32, F-91): export of a filter as .xlsx or CSV, and a
CSV import checked then applied, with the pages' rules and audit; scopes, tenancy (S1) and bad
input answered with a 4xx naming the field, nothing changed (R3)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from fleetportal.accounts.models import ApiKey
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.actions.imports import import_job_run
from fleetportal.fleet.models import ImportJob, Line, SimCard
from fleetportal.fleet.tests.csv_rows import good_rows, make_csv
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.tests.api_client import ApiClient

pytestmark = pytest.mark.spec("F-91")

API = "/api/v1"


@pytest.fixture
def fleet_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read", "fleet"))[1])


@pytest.fixture
def read_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read",))[1])


def _content(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.spec("F-31")
def test_export_of_a_filter_as_xlsx_and_csv(
    read_client: ApiClient, make_line: Callable[..., Line], plans, other_customer: Customer
) -> None:
    make_line(msisdn="+32470000101", plan=plans["mobile-europe"], description='=HYPERLINK("x")')
    make_line(msisdn="+32470000102", plan=plans["mobile-start"])
    LineFactory.create(customer=other_customer, plan=plans["mobile-europe"], msisdn="+36301112233")

    response = read_client.get(f"{API}/lines/export", {"plan": "mobile-europe"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="fleet-acme-')
    sheet = load_workbook(io.BytesIO(_content(response)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][:2] == ("+32470000101", '=HYPERLINK("x")')  # text, not a formula

    response = read_client.get(f"{API}/lines/export", {"format": "csv", "sort": "-msisdn"})
    lines = list(csv.reader(io.StringIO(_content(response).decode("utf-8-sig")), delimiter=";"))
    assert [row[0] for row in lines[1:]] == ["'+32470000102", "'+32470000101"]  # neutralised in CSV
    assert AuditEvent.objects.filter(action="lines.exported", channel="api").count() == 2


@pytest.mark.spec("F-31", "R3")
def test_export_with_bad_filters_names_the_field(read_client: ApiClient, catalogue) -> None:
    response = read_client.get(f"{API}/lines/export", {"plan": "no-such-plan"})
    assert response.status_code == 400 and response.json()["field"] == "plan"
    assert read_client.get(f"{API}/lines/export", {"format": "pdf"}).status_code == 422
    assert not AuditEvent.objects.filter(action="lines.exported").exists()


def _upload(client: ApiClient, data: bytes, name: str = "employees.csv"):  # type: ignore[no-untyped-def]
    return client.post(f"{API}/imports", {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


@pytest.mark.spec("F-32")
def test_import_checked_then_applied(
    fleet_client: ApiClient, stock: tuple[SimCard, SimCard], django_capture_on_commit_callbacks
) -> None:
    template = fleet_client.get(f"{API}/imports/template")
    assert template.status_code == 200 and template.content.decode("utf-8-sig").startswith("iccid;")

    with django_capture_on_commit_callbacks(execute=True):
        created = _upload(fleet_client, make_csv(good_rows(stock)))
    assert created.status_code == 202, created.content
    job_id = created.json()["id"]
    checked = fleet_client.get(f"{API}/imports/{job_id}").json()
    assert (checked["status"], checked["total"], checked["errors"]) == ("checked", 2, [])
    assert not Line.objects.exists()  # the check is a dry run

    with django_capture_on_commit_callbacks(execute=True):
        applied = fleet_client.post(f"{API}/imports/{job_id}/apply")
    assert applied.status_code == 202
    done = fleet_client.get(f"{API}/imports/{job_id}").json()
    assert (done["status"], done["created"]) == ("done", 2)
    assert Line.objects.filter(status=Line.Status.PENDING).count() == 2
    imported = AuditEvent.objects.get(action="lines.imported")
    assert imported.channel == "job" and imported.actor_label.startswith("API key ")
    assert [job["id"] for job in fleet_client.get(f"{API}/imports").json()] == [job_id]


@pytest.mark.spec("F-32", "R3")
def test_import_errors_per_row_and_a_failed_check_cannot_be_applied(
    fleet_client: ApiClient, stock: tuple[SimCard, SimCard], django_capture_on_commit_callbacks
) -> None:
    rows = good_rows(stock)
    rows[1]["plan"] = "Mobile Ultra"
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _upload(fleet_client, make_csv(rows)).json()["id"]
    checked = fleet_client.get(f"{API}/imports/{job_id}").json()
    assert checked["status"] == "checked"
    assert [(error["line"], error["column"]) for error in checked["errors"]] == [(3, "plan")]
    refused = fleet_client.post(f"{API}/imports/{job_id}/apply")
    assert refused.status_code == 400 and refused.json()["detail"]
    assert not Line.objects.exists()


@pytest.mark.spec("F-32", "R3", "S10")
def test_an_unreadable_file_is_refused_whole(fleet_client: ApiClient, catalogue) -> None:
    response = _upload(fleet_client, b"\x00\xff\xfe not a csv")
    assert response.status_code == 400 and response.json()["field"] == "file"
    assert fleet_client.post(f"{API}/imports").status_code == 422  # no file at all
    assert not ImportJob.objects.exists()


@pytest.mark.spec("F-32", "S1")
def test_scopes_and_tenancy(
    read_client: ApiClient,
    new_key,
    other_holder,
    stock: tuple[SimCard, SimCard],
    django_capture_on_commit_callbacks,
) -> None:
    assert _upload(read_client, make_csv(good_rows(stock))).status_code == 403
    foreign = ApiClient(new_key(other_holder, scopes=("read", "fleet"))[1])
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _upload(foreign, make_csv(good_rows(stock))).json()["id"]
    assert read_client.get(f"{API}/imports/{job_id}").status_code == 404
    assert read_client.get(f"{API}/imports").json() == []
    assert len(foreign.get(f"{API}/imports").json()) == 1
    assert read_client.post(f"{API}/imports/{job_id}/apply").status_code == 403


@pytest.mark.spec("F-32", "S1")
def test_the_job_acts_with_the_keys_scopes_of_now(new_key, holder, stock: tuple[SimCard, SimCard]) -> None:
    key, plaintext = new_key(holder, scopes=("read", "fleet"))
    job_id = _upload(ApiClient(plaintext), make_csv(good_rows(stock))).json()["id"]  # the check has not run yet
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    job = import_job_run(job_id=job_id, apply=False)
    assert job.errors == {"0": [["", "The API key that uploaded this file is revoked or lost the fleet scope."]]}

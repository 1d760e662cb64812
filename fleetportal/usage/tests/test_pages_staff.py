"""The staff's usage files page (F-55): upload for a customer or operator-wide, the worker
queued through the same action as the API, the job's progress polled, its bad rows
downloadable; staff only (S2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fleetportal.accounts.models import User
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line
from fleetportal.usage import views_staff
from fleetportal.usage.jobs import ingest_upload
from fleetportal.usage.models import IngestJob, UsageRecord

from .conftest import csv_bytes, record

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-55")]


@pytest.fixture
def staff_client(staff: User, login: Callable[..., object]) -> Client:
    client = Client()
    login(client, staff)
    return client


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The jobs the page queued for a worker, which the test then runs itself."""
    started: list[int] = []
    monkeypatch.setattr(views_staff, "ingest_file", started.append)
    return started


def upload(client: Client, data: bytes, **fields: Any) -> Any:
    return client.post(
        "/usage/staff/files/",
        {"file": SimpleUploadedFile("march.csv", data, content_type="text/csv"), **fields},
    )


def test_staff_upload_a_file_for_a_customer_and_follow_it(
    staff_client: Client, queued: list[int], lines: list[Line], customer: Customer,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    rows = [record(1), record(2, quantity="-3"), record(3, number="+32470999999")]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, csv_bytes(rows), customer=customer.pk)
    job = IngestJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/usage/staff/files/{job.pk}/"
    assert (job.source, job.customer, queued) == ("staff", customer, [job.pk])
    running = staff_client.get(f"/usage/staff/files/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in running.content.decode() and "HX-Refresh" not in running
    ingest_upload(job.pk)  # the worker
    done = staff_client.get(f"/usage/staff/files/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and "every 1s" not in done.content.decode()
    page = staff_client.get(f"/usage/staff/files/{job.pk}/").content.decode()
    assert "The quantity -3 is negative." in page and "No line has the number +32470999999." in page
    errors = b"".join(staff_client.get(f"/usage/staff/files/{job.pk}/errors.csv").streaming_content).decode()  # type: ignore[attr-defined]
    assert errors.splitlines()[1:] == ["3,The quantity -3 is negative.", "4,No line has the number +32470999999."]
    assert UsageRecord.objects.count() == 1
    assert "march.csv" in staff_client.get("/usage/staff/files/").content.decode()


def test_an_operator_wide_file(staff_client: Client, queued: list[int], lines: list[Line], other_line: Line) -> None:
    upload(staff_client, csv_bytes([record(1), record(2, number=other_line.msisdn)]))
    job = IngestJob.objects.get()
    assert job.customer is None
    ingest_upload(job.pk)
    assert UsageRecord.objects.count() == 2


@pytest.mark.spec("R3")
def test_no_file_is_named(staff_client: Client, queued: list[int]) -> None:
    response = staff_client.post("/usage/staff/files/", {})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not IngestJob.objects.exists() and not queued


@pytest.mark.spec("S2")
def test_staff_only(
    holder: User, member: User, login: Callable[..., object], staff_client: Client, queued: list[int]
) -> None:
    upload(staff_client, csv_bytes([record(1)]))
    job = IngestJob.objects.get()
    for user in (holder, member):
        client = Client()
        login(client, user)
        for path in ("/usage/staff/files/", f"/usage/staff/files/{job.pk}/", f"/usage/staff/files/{job.pk}/errors.csv"):
            assert client.get(path).status_code == 403
        assert upload(client, csv_bytes([record(2)])).status_code == 403
    assert IngestJob.objects.count() == 1
    assert 'href="/usage/staff/files/"' in staff_client.get("/staff/").content.decode()  # the staff menu

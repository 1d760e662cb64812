"""Big exports as worker jobs (F-31, F-32): above `EXPORT_JOB_THRESHOLD` lines the overview's
export (page and API) queues a job; the worker writes the file as the requester, with the
streamed export's own columns and writers, telling its progress per chunk; the job page then
offers the file, to the customer's fleet managers only; a worker killed mid-export leaves no
file on offer and the job is taken over, or failed after its attempts. Below the threshold the
export streams as before."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from fleetportal.accounts.models import User
from fleetportal.core.actor import Actor
from fleetportal.core.models import AuditEvent, Channel, Customer
from fleetportal.fleet import exports, jobs
from fleetportal.fleet.actions import export_jobs
from fleetportal.fleet.bulk_jobs import progress_key
from fleetportal.fleet.models import BulkJob, Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.tests.api_client import ApiClient

pytestmark = [pytest.mark.spec("F-31", "F-32"), pytest.mark.django_db]

API = "/api/v1"
EXPORT = "/fleet/lines/export/"
Status = BulkJob.Status
TODAY = f"{timezone.localdate():%Y-%m-%d}"


@pytest.fixture(autouse=True)
def small_threshold(settings: Any, tmp_path: Path) -> None:
    """Above three lines an export is a job; its files land in a temporary folder."""
    settings.EXPORT_JOB_THRESHOLD = 3
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def five(make_line: Callable[..., Line]) -> list[Line]:
    """Four active lines (one more than the threshold) and a suspended one."""
    active = [make_line(msisdn=f"+3247000060{n}") for n in range(1, 5)]
    return [*active, make_line(msisdn="+32470000605", status=Line.Status.SUSPENDED)]


def no_worker(job_id: int) -> None:
    """Queue nothing: the test runs the job itself."""


def queue_export(actor: Actor, fmt: str = "xlsx", **criteria: Any) -> BulkJob:
    return export_jobs.export_job_create(actor=actor, criteria=criteria, fmt=fmt, total=4, start=no_worker)


def sheet_rows(body: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def stored_files(settings: Any) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def file_body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# --- the page ---------------------------------------------------------------------------------------


def test_an_export_above_the_threshold_runs_as_a_job_whose_page_offers_the_file(
    manager_client: Client, five: list[Line], django_capture_on_commit_callbacks
) -> None:
    overview = manager_client.get("/fleet/lines/", {"status": "active"})
    assert overview.context["export_in_background"] and 'form="export-job"' in overview.content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the worker (immediate in tests) runs it
        queued = manager_client.post(EXPORT, {"status": "active", "sort": "-msisdn", "format": "xlsx"})
    job = BulkJob.objects.get()
    assert queued.status_code == 302 and queued["Location"] == f"/fleet/jobs/{job.pk}/"
    assert job.kind == BulkJob.Kind.EXPORT and job.params["format"] == "xlsx"
    assert job.params["criteria"] == {"status": "active", "sort": "-msisdn"}
    assert job.status == Status.DONE and job.done == job.total == 4 and job.file

    page = manager_client.get(f"/fleet/jobs/{job.pk}/").content.decode()
    assert "The file with 4 SIM cards is ready." in page and "hx-trigger" not in page
    download = manager_client.get(f"/fleet/jobs/{job.pk}/file/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="fleet-acme-{TODAY}.xlsx"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == exports.FORMATS["xlsx"]
    header, *rows = sheet_rows(file_body(download))
    assert list(header) == exports.header()  # the streamed export's columns, written once
    assert [row[0] for row in rows] == [f"+3247000060{n}" for n in (4, 3, 2, 1)]  # filtered and sorted
    assert {row[5] for row in rows} == {"Active"}
    # Audited as the streamed export, by the manager through the job.
    event = AuditEvent.objects.get(action="lines.exported")
    assert event.channel == Channel.JOB and event.after["lines"] == 4


def test_a_csv_job_writes_the_csv_of_the_streamed_export(
    manager_client: Client, manager_actor: Actor, five: list[Line]
) -> None:
    job = queue_export(manager_actor, "csv")
    jobs.run_bulk_job(job.pk)
    download = manager_client.get(f"/fleet/jobs/{job.pk}/file/")
    assert download["Content-Disposition"] == f'attachment; filename="fleet-acme-{TODAY}.csv"'
    text = file_body(download).decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    assert header == exports.header()
    assert [row[0] for row in rows] == ["'" + line.msisdn for line in five]  # neutralised as streamed (S11)


def test_below_the_threshold_the_export_still_streams(manager_client: Client, five: list[Line]) -> None:
    overview = manager_client.get("/fleet/lines/", {"status": "suspended"})
    assert not overview.context["export_in_background"]
    for method in (manager_client.get, manager_client.post):
        response = method(EXPORT, {"status": "suspended", "format": "xlsx"})
        assert response.status_code == 200 and response.streaming
        assert [row[0] for row in sheet_rows(file_body(response))[1:]] == ["+32470000605"]
    assert not BulkJob.objects.exists()


def test_a_get_above_the_threshold_changes_nothing_and_asks_to_confirm(
    manager_client: Client, five: list[Line]
) -> None:
    page = manager_client.get(EXPORT, {"status": "active", "format": "csv"})
    text = page.content.decode()
    assert page.status_code == 200 and not page.streaming and not BulkJob.objects.exists()
    assert "With 4 SIM cards, the file is written in the background" in text
    assert 'name="status" value="active"' in text and 'name="format" value="csv"' in text


def test_progress_is_told_per_chunk_and_shown_while_the_export_runs(
    manager_client: Client, manager_actor: Actor, five: list[Line], monkeypatch: pytest.MonkeyPatch
) -> None:
    job = queue_export(manager_actor)
    monkeypatch.setattr(exports, "CHUNK", 2)
    seen: list[tuple[int, int]] = []
    leases: list[Any] = []

    def follow(done: int, total: int) -> None:
        seen.append((done, total))
        leases.append(BulkJob.objects.get(pk=job.pk).lease_until)

    finished = export_jobs.export_job_run(job_id=job.pk, progress=follow)
    assert finished is not None and finished.status == Status.DONE and finished.total == 5
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert all(lease > timezone.now() for lease in leases)  # renewed at every chunk

    running = queue_export(manager_actor)
    BulkJob.objects.filter(pk=running.pk).update(status=Status.RUNNING)
    HUEY.put(progress_key(running.pk), 3)
    try:
        page = manager_client.get(f"/fleet/jobs/{running.pk}/").content.decode()
        assert 'hx-trigger="every 1s"' in page and '<progress value="3" max="4">' in page
        assert "Writing the file… 3 of 4 rows written" in page
        assert manager_client.get(f"/fleet/jobs/{running.pk}/file/").status_code == 404  # not written yet
    finally:
        HUEY.get(progress_key(running.pk))


def test_the_worker_exports_what_the_requester_sees_when_it_runs(
    manager: User, manager_actor: Actor, five: list[Line], make_line: Callable[..., Line], settings: Any
) -> None:
    job = queue_export(manager_actor, status="active")
    make_line(msisdn="+32470000606")  # added after the job was queued
    finished = jobs.run_bulk_job(job.pk)
    assert finished is not None and finished.total == 5
    assert [row[0] for row in sheet_rows(finished.file.read())[1:]][-1] == "+32470000606"

    later = queue_export(manager_actor)
    manager.memberships.update(functions=["billing"])
    failed = jobs.run_bulk_job(later.pk)
    assert failed is not None and failed.status == Status.FAILED and not failed.file
    assert failed.error == "You may not see the lines of this customer."
    assert len(stored_files(settings)) == 1  # only the first job's


def test_a_failure_mid_file_fails_the_job_and_offers_no_file(
    manager_actor: Actor, five: list[Line], monkeypatch: pytest.MonkeyPatch
) -> None:
    job = queue_export(manager_actor)

    def broken(*args: Any, **kwargs: Any) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_xlsx", broken)
    finished = jobs.run_bulk_job(job.pk)
    assert finished is not None and finished.status == Status.FAILED and not finished.file
    assert finished.error == "The export could not be written. Try again later."


# --- a worker killed mid-export ---------------------------------------------------------------------


def test_an_export_left_running_with_an_expired_lease_is_taken_over_and_written_anew(
    manager_client: Client, manager_actor: Actor, five: list[Line]
) -> None:
    job = queue_export(manager_actor)
    # Its worker took it and died mid-file: no file on the job, the lease runs out.
    BulkJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, attempts=1, lease_until=timezone.now() + timedelta(minutes=5)
    )
    assert manager_client.get(f"/fleet/jobs/{job.pk}/file/").status_code == 404
    assert jobs.resume_bulk_jobs(jobs.run_bulk_job) == []  # still leased: its worker may be alive
    assert jobs.run_bulk_job(job.pk) is None
    BulkJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert jobs.resume_bulk_jobs(jobs.run_bulk_job) == [job.pk]
    finished = BulkJob.objects.get(pk=job.pk)
    assert finished.status == Status.DONE and finished.attempts == 2 and finished.lease_until is None
    assert len(sheet_rows(file_body(manager_client.get(f"/fleet/jobs/{job.pk}/file/")))) == 6
    assert jobs.run_bulk_job(job.pk) is None  # a done job never runs again
    # audited once, for the file handed in, not for each attempt at writing it
    assert AuditEvent.objects.filter(action="lines.exported").count() == 1


def test_a_run_whose_job_was_taken_over_stops_and_keeps_no_file(
    manager_actor: Actor, five: list[Line], monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    job = queue_export(manager_actor)
    monkeypatch.setattr(exports, "CHUNK", 2)

    def taken_over_after_the_first_chunk(done: int, total: int) -> None:
        if done == 2:  # this run's lease ran out and another worker took the job
            BulkJob.objects.filter(pk=job.pk).update(attempts=2)

    assert export_jobs.export_job_run(job_id=job.pk, progress=taken_over_after_the_first_chunk) is None
    left = BulkJob.objects.get(pk=job.pk)
    assert left.status == Status.RUNNING and not left.file and stored_files(settings) == []
    assert not AuditEvent.objects.filter(action="lines.exported").exists()


def test_an_export_interrupted_too_often_is_failed_with_its_reason(manager_actor: Actor, five: list[Line]) -> None:
    job = queue_export(manager_actor)
    BulkJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, attempts=3, lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert jobs.resume_bulk_jobs(jobs.run_bulk_job) == []
    failed = BulkJob.objects.get(pk=job.pk)
    assert failed.status == Status.FAILED and not failed.file
    assert failed.error == "The export was interrupted 3 times. Try again later."


# --- who gets the file ------------------------------------------------------------------------------


def test_the_file_is_only_for_the_customers_fleet_managers(
    manager_client: Client,
    billing_client: Client,
    member_client: Client,
    manager_actor: Actor,
    other_holder: User,
    other_customer: Customer,
    plans: Any,
    five: list[Line],
    actor_for: Callable[..., Actor],
) -> None:
    job = queue_export(manager_actor)
    jobs.run_bulk_job(job.pk)
    assert manager_client.get(f"/fleet/jobs/{job.pk}/file/").status_code == 200
    assert billing_client.get(f"/fleet/jobs/{job.pk}/file/").status_code == 403  # a manager without the fleet right
    assert member_client.get(f"/fleet/jobs/{job.pk}/file/").status_code == 403
    assert member_client.post(EXPORT, {"format": "xlsx"}).status_code == 403

    for _ in range(4):
        LineFactory.create(customer=other_customer, plan=plans["mobile-start"])
    theirs = queue_export(actor_for(other_holder))
    jobs.run_bulk_job(theirs.pk)
    assert BulkJob.objects.get(pk=theirs.pk).status == Status.DONE
    for path in ("", "progress/", "file/"):
        assert manager_client.get(f"/fleet/jobs/{theirs.pk}/{path}").status_code == 404
    # A change job has no file.
    change = BulkJob.objects.create(customer=job.customer, kind=BulkJob.Kind.PLAN, status=Status.DONE)
    assert manager_client.get(f"/fleet/jobs/{change.pk}/file/").status_code == 404


# --- the API -----------------------------------------------------------------------------------------


def test_the_api_export_answers_202_with_a_job_whose_file_it_then_serves(
    new_key: Callable[..., Any], holder: User, other_holder: User, five: list[Line], django_capture_on_commit_callbacks
) -> None:
    reader = ApiClient(new_key(holder, scopes=("read",))[1])  # reading is enough to export
    with django_capture_on_commit_callbacks(execute=True):
        queued = reader.get(f"{API}/lines/export", {"format": "csv", "status": "active"})
    assert queued.status_code == 202, queued.content
    body = queued.json()
    assert body["kind"] == "export" and body["total"] == 4
    status = reader.get(f"{API}/jobs/{body['id']}").json()
    assert status["status"] == "done" and status["file_url"] == f"{API}/jobs/{body['id']}/file"
    assert status["file_deleted_at"] is None
    download = reader.get(status["file_url"])
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"] == f'attachment; filename="fleet-acme-{TODAY}.csv"'
    assert len(file_body(download).decode("utf-8").splitlines()) == 5
    assert BulkJob.objects.get().api_key is not None  # run as the key that asked

    stranger = ApiClient(new_key(other_holder, scopes=("read", "fleet"))[1])
    assert stranger.get(f"{API}/jobs/{body['id']}/file").status_code == 404
    small = reader.get(f"{API}/lines/export", {"format": "csv", "status": "suspended"})
    assert small.status_code == 200 and small.streaming

    BulkJob.objects.update(finished_at=timezone.now() - timedelta(days=30))
    export_jobs.export_files_expire()
    expired = reader.get(f"{API}/jobs/{body['id']}").json()
    assert expired["file_url"] is None and expired["file_deleted_at"] is not None
    assert reader.get(f"{API}/jobs/{body['id']}/file").status_code == 404


# --- keeping the files ------------------------------------------------------------------------------


def test_a_file_is_deleted_after_its_retention_days_audited_and_the_page_and_api_say_so(
    manager_client: Client,
    manager_actor: Actor,
    five: list[Line],
    settings: Any,
    customer: Customer,
    django_capture_on_commit_callbacks,
) -> None:
    settings.EXPORT_FILE_RETENTION_DAYS = 7
    old, recent = queue_export(manager_actor), queue_export(manager_actor)
    for job in (old, recent):
        export_jobs.export_job_run(job_id=job.pk)
    written = timezone.now()
    BulkJob.objects.filter(pk=old.pk).update(finished_at=written - timedelta(days=8))
    old.refresh_from_db()
    old_file = Path(old.file.path)

    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row forgot it
        assert export_jobs.export_files_expire(now=written) == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.file and not old_file.exists() and old.params["file_deleted_at"] == written.isoformat()
    assert recent.file and Path(recent.file.path).exists()  # seven days are not up
    event = AuditEvent.objects.get(action="export.file_deleted")
    assert (event.customer, event.object_id, event.after["file"]) == (customer, str(old.pk), old_file.relative_to(
        settings.MEDIA_ROOT).as_posix())  # fmt: skip
    page = manager_client.get(f"/fleet/jobs/{old.pk}/").content.decode()
    assert "The file was deleted, as every export is 7 days after it is written" in page
    assert f"/fleet/jobs/{old.pk}/file/" not in page
    assert manager_client.get(f"/fleet/jobs/{old.pk}/file/").status_code == 404
    assert export_jobs.export_files_expire(now=written) == 0  # once


def test_a_file_no_job_names_is_deleted_once_it_is_as_old_as_the_retention(
    manager_actor: Actor, five: list[Line], settings: Any
) -> None:
    """A worker killed between storing its file and marking its job leaves a file no job
    names: the daily run deletes it once it is older than the retention, never a newer one
    (it may be a file a worker is about to hand in)."""
    job = queue_export(manager_actor)
    export_jobs.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    folder = Path(job.file.path).parent
    stray, fresh = folder / "export-99-0123456789abcdef.xlsx", folder / "export-98-0123456789abcdef.xlsx"
    stray.write_bytes(b"left behind")
    fresh.write_bytes(b"being handed in")
    now = timezone.now()
    week_ago = (now - timedelta(days=settings.EXPORT_FILE_RETENTION_DAYS, minutes=1)).timestamp()
    os.utime(stray, (week_ago, week_ago))

    assert export_jobs.export_files_expire(now=now) == 1
    assert not stray.exists() and fresh.exists() and Path(job.file.path).exists()

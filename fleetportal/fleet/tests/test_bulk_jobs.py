"""Bulk changes as worker jobs (F-32, R2): above `BULK_JOB_THRESHOLD` lines the pages and the API
queue the change, a worker runs it through the pages' own actions, all or nothing, with its
progress and per-line results (page, .xlsx, API); another customer's job is a 404; a worker
killed mid-job leaves nothing applied and the job is taken over, or failed after its attempts."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from fleetportal.conftest import make_actor
from fleetportal.core.actor import Actor
from fleetportal.core.models import AuditEvent, Contract, Customer
from fleetportal.fleet import jobs
from fleetportal.fleet.actions import bulk_jobs as job_actions
from fleetportal.fleet.bulk_jobs import lines_done, progress_key
from fleetportal.fleet.models import BulkJob, Line, LineBlock, Tag
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.tests.api_client import ApiClient

from .test_pages_products import cplan

pytestmark = [pytest.mark.spec("F-32", "R2"), pytest.mark.django_db]

API = "/api/v1"
Status = BulkJob.Status


@pytest.fixture(autouse=True)
def small_threshold(settings: Any) -> None:
    """Above two lines a change runs as a job."""
    settings.BULK_JOB_THRESHOLD = 2


@pytest.fixture
def four(make_line: Callable[..., Line], plans, options) -> list[Line]:
    """Four lines: one already on Mobile Europe, one with an option that does not go with it."""
    return [
        make_line(msisdn="+32470000501", options=[options["voice-national-100"]]),
        make_line(msisdn="+32470000502", plan=plans["mobile-europe"]),
        make_line(msisdn="+32470000503"),
        make_line(msisdn="+32470000504"),
    ]


def no_worker(job_id: int) -> None:
    """Queue nothing: the test runs the job itself."""


def queue_plan(actor: Actor, lines: list[Line], plan: Any) -> BulkJob:
    return job_actions.bulk_job_create(
        actor=actor, kind=BulkJob.Kind.PLAN, lines=lines, params={"plan": plan.pk}, start=no_worker
    )


def plans_of(lines: list[Line]) -> set[str]:
    return set(Line.objects.filter(pk__in=[line.pk for line in lines]).values_list("plan__code", flat=True))


def results_by_number(job: BulkJob) -> dict[str, tuple[str, str]]:
    return {number: (outcome, reason) for _pk, number, outcome, reason in job.results}


# --- the page --------------------------------------------------------------------------------------


def test_a_confirmed_plan_change_above_the_threshold_runs_as_a_job_with_per_line_results(
    manager_client: Client, four: list[Line], plans, catalogue: Contract, django_capture_on_commit_callbacks
) -> None:
    ids = [line.pk for line in four]
    europe = cplan(catalogue, plans, "mobile-europe")
    review = manager_client.post("/fleet/lines/plan/", {"line": ids, "plan": europe, "stage": "review"})
    assert "runs in the background" in review.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the worker (immediate in tests) runs it
        applied = manager_client.post(
            "/fleet/lines/plan/",
            {"line": ids, "plan": europe, "stage": "apply", "review": review.context["token"]},
        )
    job = BulkJob.objects.get()
    assert applied.status_code == 302 and applied["Location"] == f"/fleet/jobs/{job.pk}/"
    assert job.status == Status.DONE and job.kind == BulkJob.Kind.PLAN and job.done == job.total == 4
    assert plans_of(four) == {"mobile-europe"}
    results = results_by_number(job)
    assert results["+32470000502"] == ("not_applicable", "Already on this plan.")
    assert results["+32470000501"] == ("applied", "Options removed: Voice National 100 min.")
    assert results["+32470000503"] == ("applied", "")
    # The pages' own action audited each line, by the manager through the job.
    assert AuditEvent.objects.filter(action="line.plan_changed").count() == 3

    page = manager_client.get(f"/fleet/jobs/{job.pk}/").content.decode()
    assert "The change was applied to 3 numbers." in page and "1 number did not need it." in page
    assert "Already on this plan." in page and "hx-trigger" not in page
    only_failed = manager_client.get(f"/fleet/jobs/{job.pk}/?outcome=not_applicable")
    assert [row.number for row in only_failed.context["page"]] == ["+32 470 00 05 02"]


def test_below_the_threshold_the_change_stays_in_the_request(
    manager_client: Client, four: list[Line], plans, catalogue: Contract
) -> None:
    ids = [line.pk for line in four[:2]]
    europe = cplan(catalogue, plans, "mobile-1")
    review = manager_client.post("/fleet/lines/plan/", {"line": ids, "plan": europe, "stage": "review"})
    assert "runs in the background" not in review.content.decode()
    manager_client.post(
        "/fleet/lines/plan/", {"line": ids, "plan": europe, "stage": "apply", "review": review.context["token"]}
    )
    assert not BulkJob.objects.exists() and plans_of(four[:2]) == {"mobile-1"}


def test_a_tags_job_creates_the_new_tag_with_the_change(
    manager_client: Client, four: list[Line], django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            "/fleet/lines/tags/", {"line": [line.pk for line in four], "name": "Sales", "confirm": "1"}
        )
    job = BulkJob.objects.get()
    assert response["Location"] == f"/fleet/jobs/{job.pk}/" and job.status == Status.DONE
    tag = Tag.objects.get(name="Sales")
    assert set(tag.lines.values_list("pk", flat=True)) == {line.pk for line in four}


def test_progress_is_polled_while_the_job_runs(manager_client: Client, manager_actor: Actor, four, plans) -> None:
    job = queue_plan(manager_actor, four, plans["mobile-europe"])
    BulkJob.objects.filter(pk=job.pk).update(status=Status.RUNNING)
    HUEY.put(progress_key(job.pk), 3)
    try:
        page = manager_client.get(f"/fleet/jobs/{job.pk}/").content.decode()
        assert 'hx-trigger="every 1s"' in page and '<progress value="3" max="4">' in page
        assert "3 of 4 numbers" in page
        partial = manager_client.get(f"/fleet/jobs/{job.pk}/progress/")
        assert "HX-Refresh" not in partial and 'hx-trigger="every 1s"' in partial.content.decode()
    finally:
        HUEY.get(progress_key(job.pk))
    BulkJob.objects.filter(pk=job.pk).update(status=Status.DONE, done=4)
    partial = manager_client.get(f"/fleet/jobs/{job.pk}/progress/")
    assert partial["HX-Refresh"] == "true" and "hx-trigger" not in partial.content.decode()


def test_the_job_reports_progress_per_chunk_where_the_page_reads_it(
    manager_actor: Actor, four: list[Line], plans, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = queue_plan(manager_actor, four, plans["mobile-europe"])
    monkeypatch.setattr(job_actions, "CHUNK", 2)
    seen: list[tuple[int, int, int]] = []
    real_apply = job_actions.CHANGES[BulkJob.Kind.PLAN].apply

    def apply_and_look(actor: Actor, lines: list[Line], choice: Any, versions: Any) -> object:
        seen.append((len(lines), lines_done(BulkJob.objects.get(pk=job.pk)), 4))
        return real_apply(actor, lines, choice, versions)

    monkeypatch.setitem(
        job_actions.CHANGES,
        BulkJob.Kind.PLAN,
        job_actions._Change(job_actions._plan_prepare, job_actions._plan_check, apply_and_look, None),
    )
    finished = jobs.run_bulk_job(job.pk)
    assert finished is not None and finished.status == Status.DONE
    # One line already on the plan counts as done at once; then two chunks (2 lines, 1 line).
    assert seen == [(2, 1, 4), (1, 3, 4)]
    assert lines_done(finished) == 4 and HUEY.get(progress_key(job.pk), peek=True) is None


def test_the_results_download_as_xlsx(manager_client: Client, manager_actor: Actor, four, plans) -> None:
    job = queue_plan(manager_actor, four, plans["mobile-europe"])
    jobs.run_bulk_job(job.pk)
    response = manager_client.get(f"/fleet/jobs/{job.pk}/results.xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('results.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Line id", "Phone number", "Result", "Reason")
    assert (str(four[1].pk), "+32 470 00 05 02", "not applicable", "Already on this plan.") in rows
    assert len(rows) == 5


# --- all or nothing ----------------------------------------------------------------------------------


def test_a_refused_line_fails_the_whole_job_with_each_lines_reason(manager_actor: Actor, four, plans) -> None:
    job = queue_plan(manager_actor, four, plans["mobile-europe"])
    Line.objects.filter(pk=four[3].pk).update(status=Line.Status.STOPPED)
    finished = jobs.run_bulk_job(job.pk)
    assert finished is not None and finished.status == Status.FAILED
    assert finished.error == "+32 470 00 05 04 is Stopped: its products cannot be changed."
    assert plans_of(four) == {"mobile-start", "mobile-europe"} and Line.objects.get(pk=four[0].pk).version == 1
    results = results_by_number(finished)
    assert results["+32470000504"] == ("failed", finished.error)
    assert {outcome for outcome, _reason in results.values()} == {"failed"}


def test_an_exception_mid_job_leaves_nothing_applied_and_fails_with_a_reason(
    manager_actor: Actor, four, plans, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = queue_plan(manager_actor, four, plans["mobile-europe"])
    monkeypatch.setattr(job_actions, "CHUNK", 1)
    real = job_actions.lines_change_plan
    calls = []

    def crash_on_the_second_chunk(**kwargs: Any) -> Any:
        if not kwargs.get("dry_run"):
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(job_actions, "lines_change_plan", crash_on_the_second_chunk)
    finished = jobs.run_bulk_job(job.pk)
    assert finished is not None and finished.status == Status.FAILED
    assert finished.error == "The change could not be carried out: nothing was changed. Try again later."
    assert plans_of(four) == {"mobile-start", "mobile-europe"}  # the first chunk was rolled back too
    assert not AuditEvent.objects.filter(action="line.plan_changed").exists()
    assert {outcome for _pk, _number, outcome, _reason in finished.results} == {"failed"}


# --- a worker killed mid-job -------------------------------------------------------------------------


def test_a_job_left_running_with_an_expired_lease_is_taken_over_and_converges(
    manager_actor: Actor, four, plans
) -> None:
    job = queue_plan(manager_actor, four, plans["mobile-europe"])
    # The worker took it and died before committing: nothing of it applied, the lease runs out.
    BulkJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING, attempts=1, lease_until=timezone.now() + timedelta(minutes=5)
    )
    assert jobs.resume_bulk_jobs(jobs.run_bulk_job) == []  # still leased: its worker may be alive
    assert jobs.run_bulk_job(job.pk) is None  # nor does a second delivery of the task take it
    BulkJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert jobs.resume_bulk_jobs(jobs.run_bulk_job) == [job.pk]
    finished = BulkJob.objects.get(pk=job.pk)
    assert finished.status == Status.DONE and finished.attempts == 2 and finished.lease_until is None
    assert plans_of(four) == {"mobile-europe"}
    assert AuditEvent.objects.filter(action="line.plan_changed").count() == 3  # once each, not twice
    assert jobs.run_bulk_job(job.pk) is None  # a done job never runs again


def test_a_job_interrupted_too_often_is_failed_with_a_translated_reason(manager_actor: Actor, four, plans) -> None:
    job = queue_plan(manager_actor, four, plans["mobile-europe"])
    BulkJob.objects.filter(pk=job.pk).update(
        status=Status.RUNNING,
        attempts=job_actions.MAX_ATTEMPTS,
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    assert jobs.resume_bulk_jobs(jobs.run_bulk_job) == []
    failed = BulkJob.objects.get(pk=job.pk)
    assert failed.status == Status.FAILED
    assert failed.error == "The change was interrupted 3 times: nothing was changed. Try again later."
    assert results_by_number(failed)["+32470000503"] == ("failed", failed.error)
    assert plans_of(four) == {"mobile-start", "mobile-europe"}


def test_a_job_whose_requester_lost_the_fleet_right_fails_and_changes_nothing(
    manager: Any, manager_actor: Actor, four, plans
) -> None:
    job = queue_plan(manager_actor, four, plans["mobile-europe"])
    manager.memberships.update(functions=["billing"])
    finished = jobs.run_bulk_job(job.pk)
    assert finished is not None and finished.status == Status.FAILED
    assert plans_of(four) == {"mobile-start", "mobile-europe"}


# --- the API ---------------------------------------------------------------------------------------


@pytest.fixture
def fleet_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read", "fleet"))[1])


def test_the_api_answers_202_with_a_job_and_its_status(
    fleet_client: ApiClient, four: list[Line], django_capture_on_commit_callbacks
) -> None:
    ids = [line.pk for line in four]
    with django_capture_on_commit_callbacks(execute=True):
        queued = fleet_client.send("post", f"{API}/lines/plan", {"line_ids": ids, "plan": "mobile-europe"})
    assert queued.status_code == 202 and queued.json()["kind"] == "plan" and queued.json()["total"] == 4
    status = fleet_client.get(f"{API}/jobs/{queued.json()['id']}")
    body = status.json()
    assert status.status_code == 200 and body["status"] == "done" and body["done"] == 4
    by_id = {row["line_id"]: row for row in body["results"]}
    assert by_id[four[1].pk] == {
        "line_id": four[1].pk,
        "msisdn": "+32470000502",
        "outcome": "not_applicable",
        "reason": "Already on this plan.",
    }
    assert plans_of(four) == {"mobile-europe"}
    # A dry run still answers the review at once.
    review = fleet_client.send("post", f"{API}/lines/plan", {"line_ids": ids, "plan": "mobile-1", "dry_run": True})
    assert review.status_code == 200 and review.json()["applied"] is False


def test_blocks_over_the_api_queue_a_job_and_a_bad_service_is_refused_at_once(
    fleet_client: ApiClient, four: list[Line], django_capture_on_commit_callbacks
) -> None:
    ids = [line.pk for line in four]
    bad = fleet_client.send("post", f"{API}/lines/blocks", {"line_ids": ids, "block": ["teleport"]})
    assert bad.status_code == 400 and not BulkJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        queued = fleet_client.send("post", f"{API}/lines/blocks", {"line_ids": ids, "block": ["roaming_all"]})
    assert queued.status_code == 202
    assert fleet_client.get(f"{API}/jobs/{queued.json()['id']}").json()["status"] == "done"
    assert LineBlock.objects.filter(service="roaming_all").count() == 4


def test_another_customers_job_or_no_job_is_a_404(
    fleet_client: ApiClient,
    manager_client: Client,
    other_holder: Any,
    other_customer: Customer,
    plans,
    new_key,
) -> None:
    theirs = [LineFactory.create(customer=other_customer, plan=plans["mobile-start"]) for _ in range(3)]
    job = queue_plan(make_actor(other_holder), theirs, plans["mobile-europe"])
    assert ApiClient(new_key(other_holder, scopes=("read",))[1]).get(f"{API}/jobs/{job.pk}").status_code == 200
    assert fleet_client.get(f"{API}/jobs/{job.pk}").status_code == 404
    for path in ("", "progress/", "results.xlsx"):
        assert manager_client.get(f"/fleet/jobs/{job.pk}/{path}").status_code == 404
    for bad in ("0", "99999999999999999999", "-1", "abc"):
        assert fleet_client.get(f"{API}/jobs/{bad}").status_code == 404
    assert manager_client.get("/fleet/jobs/99999999999999999999/").status_code == 404

"""P3b: a tariff plan change planned for 10,000 lines, run when due by the periodic job, side by
side with the same change made now (P3's bulk action), audit rows and provisioning requests
included; then the same for a stop planned for 10,000 lines (`lines_stop`, F-26).

Runs on a fresh SQLite file and, when DATABASE_URL names a PostgreSQL server, on a database
created there for the run (see harness). For 1,000 and 10,000 lines: plan the change (one bulk
action), make it due now, run the due-changes job (`run_due_changes`, what the periodic task
calls) and time it; then the same change made now on as many other lines (`lines_change_plan`,
`lines_stop`). The jobs the actions queue are only queued (no worker runs them during the
timing). For 1,000 lines also the job as it was before, one change per transaction
(`run_scheduled_change` per change). Prints seconds and queries, and the ratio of the job's
query counts at the two sizes (1.00: independent of the number of lines).
Goal (QUALITY P3): ≤ 5 s for 10,000 lines; the query count independent of the number of lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import harness
from p3_bulk_plan_change import fleet_of, measure

SIZES = (1_000, 10_000)
GOAL_SECONDS = 5.0
ONE_BY_ONE_SIZE = 1_000  # the job before: one transaction per change (10,000 would take minutes)


def _run_into(result: dict[str, int], job: Callable[[], dict[str, int]]) -> None:
    result.update(job())


def main(backend: str) -> None:
    from django.utils import timezone
    from huey.contrib.djhuey import HUEY

    from fleetportal.catalog.models import TariffPlan
    from fleetportal.core.models import AuditEvent
    from fleetportal.fleet.actions import lines_change_plan, lines_stop
    from fleetportal.fleet.actions.jobs import run_due_changes, run_scheduled_change
    from fleetportal.fleet.models import Line, ScheduledChange
    from fleetportal.network.models import ProvisioningRequest

    HUEY.immediate = False  # queue the delivery jobs, as in production; no worker runs them here
    print(f"P3b plan change planned for a date, run when due, {backend}")
    figures: dict[int, dict[str, tuple[float, int]]] = {}
    counts: dict[str, int] = {}
    serial = 0

    def plan_due_now(size: int) -> tuple[object, list[Line], TariffPlan]:
        nonlocal serial
        serial += 1
        started = time.perf_counter()
        actor, selection = fleet_of(size, serial)
        print(f"  data: {size:,} lines in {time.perf_counter() - started:.1f} s")
        europe = TariffPlan.objects.get(code="mobile-europe")
        lines = selection()
        return actor, lines, europe

    for size in SIZES:
        actor, lines, europe = plan_due_now(size)
        tomorrow = timezone.localdate() + timedelta(days=1)
        planning = measure(partial(lines_change_plan, actor=actor, lines=lines, plan=europe, on=tomorrow))
        ScheduledChange.objects.filter(line__in=lines).update(due_date=timezone.localdate())  # the day came
        audit_before, requests_before = AuditEvent.objects.count(), ProvisioningRequest.objects.count()
        counts.clear()
        job = measure(partial(_run_into, counts, run_due_changes))
        audit = AuditEvent.objects.count() - audit_before
        requests = ProvisioningRequest.objects.filter(line__in=lines)
        assert counts == {"done": size}, counts
        assert audit == requests.count() == ProvisioningRequest.objects.count() - requests_before == size
        batches = requests.values("batch").distinct().count()
        print(f"  {size:>6,} lines: {audit:,} audit rows, {size:,} provisioning requests in {batches} batch(es)")

        now_actor, now_lines, _plan = plan_due_now(size)
        made_now = measure(partial(lines_change_plan, actor=now_actor, lines=now_lines, plan=europe))
        figures[size] = {"plan for a date": planning, "due-changes job": job, "P3 change now": made_now}
        for name, (seconds, queries) in figures[size].items():
            print(f"    {name:<17} {seconds:7.2f} s   {queries:5d} queries")

    actor, lines, europe = plan_due_now(ONE_BY_ONE_SIZE)
    lines_change_plan(actor=actor, lines=lines, plan=europe, on=timezone.localdate() + timedelta(days=1))
    due = ScheduledChange.objects.filter(line__in=lines)
    due.update(due_date=timezone.localdate())
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    before = measure(lambda: [run_scheduled_change(change_id) for change_id in ids])
    assert set(due.values_list("status", flat=True)) == {"done"}
    batches = ProvisioningRequest.objects.filter(line__in=lines).values("batch").distinct().count()
    print(
        f"  before (one change per transaction), {ONE_BY_ONE_SIZE:,} lines: {before[0]:.2f} s, "
        f"{before[1]:,} queries, {batches:,} provisioning batches"
    )

    print("  stop planned for a date, run when due")
    stops: dict[int, dict[str, tuple[float, int]]] = {}
    for size in SIZES:
        actor, lines, _plan = plan_due_now(size)
        tomorrow = timezone.localdate() + timedelta(days=1)
        planning = measure(partial(lines_stop, actor=actor, lines=lines, on=tomorrow))
        ScheduledChange.objects.filter(line__in=lines).update(due_date=timezone.localdate())  # the day came
        audit_before = AuditEvent.objects.count()
        counts.clear()
        job = measure(partial(_run_into, counts, run_due_changes))
        audit = AuditEvent.objects.count() - audit_before
        requests = ProvisioningRequest.objects.filter(line__in=lines, operation="stop")
        assert counts == {"done": size}, counts
        assert audit == requests.count() == size
        assert not Line.objects.filter(pk__in=[line.pk for line in lines]).exclude(status="stopped").exists()
        batches = requests.values("batch").distinct().count()
        print(f"  {size:>6,} lines: {audit:,} audit rows, {size:,} provisioning requests in {batches} batch(es)")

        now_actor, now_lines, _plan = plan_due_now(size)
        made_now = measure(partial(lines_stop, actor=now_actor, lines=now_lines))
        stops[size] = {"plan for a date": planning, "due-changes job": job, "stop now": made_now}
        for name, (seconds, queries) in stops[size].items():
            print(f"    {name:<17} {seconds:7.2f} s   {queries:5d} queries")

    for what, table, now_name in (("plan change", figures, "P3 change now"), ("stop", stops, "stop now")):
        big = table[SIZES[-1]]
        job_seconds, job_queries = big["due-changes job"]
        now_seconds, now_queries = big[now_name]
        verdict = "within" if job_seconds <= GOAL_SECONDS else "OVER"
        print(
            f"  {what}, 10,000 lines: due-changes job {job_seconds:.2f} s, {job_queries} queries ({verdict} the "
            f"goal of {GOAL_SECONDS:.0f} s); made now {now_seconds:.2f} s, {now_queries} queries"
        )
        small, large = SIZES
        few, many = table[small]["due-changes job"][1], table[large]["due-changes job"][1]
        growth = "independent of the number of lines" if few == many else "GROWING with the number of lines"
        print(
            f"  {what}, queries of the due-changes job: {small:,} lines: {few}, {large:,} lines: {many}, "
            f"ratio {many / few:.2f} for {large // small}x the lines ({growth})"
        )


if __name__ == "__main__":
    harness.run(main)

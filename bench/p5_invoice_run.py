"""P5: the monthly invoice run (F-60, F-63) for 50,000 lines incl. split bill, without PDFs,
through the action the monthly job and staff call (`invoice_run_execute`: accounts in chunks,
plan fees and options pro rata, usage aggregated per line/kind/zone by the database, split
bill, numbers, items, personal charges, private invoices, audit rows and events).

Runs on a fresh SQLite file (10,000 lines) and, when DATABASE_URL names a PostgreSQL server,
on a database created there for the run (50,000 lines; P5_LINES overrides both). The fleet:
the demo plus Acme's big fleet spread over 500 billing accounts, one line in five on a
split-bill profile (employer pays plan and EUR 2 of data), ten rated records per line in March
2026 (data, voice, SMS in several zones, a third-party charge on every fifth line). Side by
side: the bare SQL aggregate of the same usage (the GROUP BY the run needs, nothing else).
Goal (QUALITY P5): ≤ 60 s on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import time

import harness

GOAL_SECONDS = 60.0
MARCH = dt.date(2026, 3, 1)
ACCOUNTS = 500
RECORDS_PER_LINE = 10

RECORDS_SQL = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {per})
INSERT INTO usage_usagerecord (record_id, line_id, customer_id, started_at, kind, zone, quantity, unit, amount,
    merchant, direction, period, job_id, "row", created_at, outcome, refusal, pool_quantity, bundle_quantity,
    out_quantity, refused_quantity, unit_price, price, rated_at)
SELECT 'P5-' || l.id || '-' || g.n, l.id, l.customer_id, %s,
    CASE WHEN g.n = 10 AND l.id %% 10 = 0 THEN 'third_party' WHEN g.n %% 3 = 0 THEN 'voice'
         WHEN g.n %% 3 = 1 THEN 'data' ELSE 'sms' END,
    CASE WHEN g.n %% 4 = 0 THEN 'eu' WHEN g.n %% 7 = 0 THEN 'world_1' ELSE 'national' END,
    10 + g.n, 'mb', CASE WHEN g.n = 10 AND l.id %% 10 = 0 THEN 4.5 END, '', 'out', %s, %s, g.n, %s,
    CASE WHEN g.n = 10 AND l.id %% 10 = 0 THEN 'charged' ELSE 'out_of_bundle' END, '', 0, 0, 10 + g.n, 0, 0.0137,
    CASE WHEN g.n = 10 AND l.id %% 10 = 0 THEN 4.5 ELSE (10 + g.n) * 0.0137 + (l.id %% 13) * 0.0011 END, %s
FROM fleet_line l CROSS JOIN g WHERE l.status <> 'stopped'
"""

AGGREGATE_SQL = """
SELECT r.line_id, r.kind, r.zone, SUM(r.price), SUM(r.out_quantity), COUNT(*)
FROM usage_usagerecord r
WHERE r.started_at >= %s AND r.started_at < %s AND r.outcome IN ('out_of_bundle', 'charged')
GROUP BY r.line_id, r.kind, r.zone
"""


def prepare(lines: int) -> int:
    """The fleet spread over the accounts, live since 2025, split bill on one line in five,
    and the period's rated records; answers the number of records."""
    from django.db import connection
    from django.utils import timezone

    from fleetportal.billing.models import BillingAccount, SplitBillProfile
    from fleetportal.core.models import Customer
    from fleetportal.usage.models import IngestJob, UsageRecord
    from fleetportal.usage.periods import bounds

    acme = Customer.objects.get(login_domain="acme")
    contract = acme.contracts.get()
    BillingAccount.objects.bulk_create(
        BillingAccount(customer=acme, contract=contract, number=f"P5-{n:04d}", name=f"Cost centre {n}")
        for n in range(ACCOUNTS)
    )
    accounts = list(BillingAccount.objects.filter(number__startswith="P5-").order_by("pk").values_list("pk", flat=True))
    profile = SplitBillProfile.objects.create(
        customer=acme, name="P5 split", employer_usage_cap=2, employer_kinds=["data"]
    )
    since = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    assert accounts == list(range(accounts[0], accounts[0] + ACCOUNTS))  # one sequence: spread by arithmetic
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE fleet_line SET billing_account_id = %s + id %% %s, activated_at = %s, status = 'active',"
            " split_bill_profile_id = CASE WHEN id %% 5 = 0 THEN %s END"
            " WHERE customer_id = %s AND status <> 'stopped'",
            [accounts[0], ACCOUNTS, since, profile.pk, acme.pk],
        )
    job = IngestJob.objects.create(source="command", file_name="p5", created_by_label="bench")
    start, _end = bounds(MARCH)
    with connection.cursor() as cursor:
        now = timezone.now()
        cursor.execute(
            RECORDS_SQL.format(per=RECORDS_PER_LINE), [start + dt.timedelta(days=9), MARCH, job.pk, now, now]
        )
        cursor.execute("ANALYZE")
    del lines
    return UsageRecord.objects.filter(period=MARCH).count()


def bare_aggregate() -> tuple[float, int]:
    from django.db import connection

    from fleetportal.usage.periods import bounds

    start, end = bounds(MARCH)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(AGGREGATE_SQL, [start, end])
        rows = len(cursor.fetchall())
    return time.perf_counter() - started, rows


def main(backend: str) -> None:
    from fleetportal.core import delivery
    from fleetportal.core.actor import SYSTEM
    from fleetportal.invoicing.actions import invoice_run_execute, invoice_run_start
    from fleetportal.invoicing.models import Invoice, InvoiceItem, PersonalCharge

    delivery.set_dispatcher(lambda channel, ids: None)  # events' deliveries stay queued (a worker's job)
    lines = int(os.environ.get("P5_LINES", 50_000 if backend == "postgresql" else 10_000))
    print(f"P5 invoice run, {backend}, {lines:,} lines")
    harness.big_fleet(lines)
    started = time.perf_counter()
    records = prepare(lines)
    print(f"  usage: {records:,} rated records in March 2026 ({time.perf_counter() - started:.1f} s)")

    aggregate_seconds, groups = bare_aggregate()
    run = invoice_run_start(actor=SYSTEM, period=MARCH)
    started = time.perf_counter()
    run = invoice_run_execute(actor=SYSTEM, run=run, today=dt.date(2026, 4, 1))
    seconds = time.perf_counter() - started
    again = invoice_run_start(actor=SYSTEM, period=MARCH)
    started = time.perf_counter()
    again = invoice_run_execute(actor=SYSTEM, run=again, today=dt.date(2026, 4, 1))
    again_seconds = time.perf_counter() - started

    private = Invoice.objects.filter(kind=Invoice.Kind.PRIVATE, period=MARCH).count()
    items = InvoiceItem.objects.filter(invoice__period=MARCH).count()
    billed = InvoiceItem.objects.filter(invoice__period=MARCH, kind="plan").values("line").distinct().count()
    charges = PersonalCharge.objects.filter(period=MARCH).count()
    assert run.status == "done" and again.invoices == 0 and again.skipped == run.invoices - private
    print(
        f"  run             {seconds:7.2f} s   {billed:,} lines, {run.invoices:,} invoices ({private:,} private), "
        f"{items:,} items, {charges:,} personal charges, total incl. VAT {run.total_incl_vat:,}"
    )
    print(f"  run again       {again_seconds:7.2f} s   (every account already invoiced: skipped)")
    print(f"  bare aggregate  {aggregate_seconds:7.2f} s   ({groups:,} line/kind/zone groups)")
    ratio = seconds / aggregate_seconds if aggregate_seconds else float("inf")
    verdict = "within" if seconds <= GOAL_SECONDS else "OUTSIDE"
    print(f"  run: {ratio:.1f}x the bare aggregate; {seconds:.1f} s ({verdict} the goal of {GOAL_SECONDS:.0f} s)")


if __name__ == "__main__":
    harness.run(main)

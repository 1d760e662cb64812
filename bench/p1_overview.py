"""P1: the SIM overview of a customer with 50,000 lines: search + sort + first page.

Server time of the real view (test client, every middleware and the template) over 50 runs,
against the bare SQL of the same page (the page's queries on lines, run again straight on the
database cursor), and the number of queries for pages of 25, 50 and 100 lines.
Goal (QUALITY P1): p95 ≤ 50 ms on PostgreSQL, ≤ 3× the bare SQL, queries independent of page size.
"""

from __future__ import annotations

import logging
import statistics
from typing import Any

import harness

LINES = 50_000
RUNS = 50
SCENARIOS = [
    ("name search, sorted by description", {"q": "peeters", "sort": "description"}),
    ("number search, sorted by number desc", {"q": "0477 12", "sort": "-msisdn"}),
    ("no search, sorted by tariff plan", {"sort": "plan"}),
]


def _plain(sql: str) -> str:
    """The SELECT of a PostgreSQL server-side cursor ("DECLARE … CURSOR … FOR SELECT …")."""
    return sql.split(" FOR ", 1)[1] if sql.startswith("DECLARE ") else sql


def main(backend: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fleetportal.fleet.views import overview

    print(f"P1 SIM overview, {LINES:,} lines, {backend}")
    _customer, manager = harness.big_fleet(LINES)
    client = harness.client_for(manager)

    def page(params: dict[str, str]) -> None:
        response = client.get("/fleet/lines/", params)  # type: ignore[attr-defined]
        assert response.status_code == 200, response.status_code

    # What any logged-in request costs before a view does anything: the middleware and the
    # access gate (session, login, membership). A POST-only URL asked with GET answers 405.
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 405s below are the point, not warnings
    statements: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    client.get("/profile/language/")  # type: ignore[attr-defined]  # the session write of a first request, not counted
    with connection.execute_wrapper(count):
        assert client.get("/profile/language/").status_code == 405  # type: ignore[attr-defined]
    floor = harness.timed_pair(lambda: client.get("/profile/language/"), lambda: None, RUNS)[0]  # type: ignore[attr-defined]
    print(f"  a logged-in request that does nothing  {harness.summary(floor)}   {len(statements)} queries")

    for title, params in SCENARIOS:
        with CaptureQueriesContext(connection) as captured:
            page(params)
        all_queries = len(captured.captured_queries)  # now: the connection keeps only the last 9,000
        line_queries = [_plain(q["sql"]) for q in captured.captured_queries if "fleet_line" in q["sql"]]

        def bare(queries: list[str] = line_queries) -> None:
            with connection.cursor() as cursor:
                for sql in queries:
                    cursor.execute(sql)
                    cursor.fetchall()

        view_times, sql_times = harness.timed_pair(lambda params=params: page(params), bare, RUNS)
        view_p95, sql_p95 = harness.percentile(view_times, 0.95), harness.percentile(sql_times, 0.95)
        print(f"  {title}  {params}")
        print(f"    view      {harness.summary(view_times)}   {all_queries} queries")
        print(f"    bare SQL  {harness.summary(sql_times)}   {len(line_queries)} queries on lines")
        print(f"    ratio p95 view / bare SQL: {view_p95 / sql_p95:.2f}   (goal ≤ 3; p95 goal ≤ 50 ms on PostgreSQL)")
        beyond = statistics.median(view_times) - statistics.median(floor)
        share = beyond / statistics.median(sql_times)
        print(f"    beyond a do-nothing request: p50 {beyond * 1000:.2f} ms = {share:.2f}× the bare SQL's p50")
        for sql in line_queries:  # where the database time goes
            spent = statistics.median(harness.timed_pair(lambda sql=sql: bare([sql]), lambda: None, 10)[0])
            print(f"      {spent * 1000:7.2f} ms  {' '.join(sql.split())[:110]}")

    if backend == "sqlite":  # the same searches without the trigram index (migration 0007), side by side
        from fleetportal.fleet import selectors

        def plain(params: dict[str, str]) -> None:
            indexed = selectors._sqlite_trigrams
            selectors._sqlite_trigrams = lambda: False  # type: ignore[assignment]
            try:
                page(params)
            finally:
                selectors._sqlite_trigrams = indexed  # type: ignore[assignment]

        for title, params in SCENARIOS:
            if "q" not in params:
                continue
            with_index, without = harness.timed_pair(lambda p=params: page(p), lambda p=params: plain(p), RUNS // 2)
            print(f"  {title}, trigram index vs none (same run)")
            print(f"    indexed   {harness.summary(with_index)}")
            print(f"    no index  {harness.summary(without)}")
            ratio = harness.percentile(without, 0.95) / harness.percentile(with_index, 0.95)
            print(f"    p95 no index / indexed: {ratio:.1f}   (goal: indexed p95 ≤ 100 ms on SQLite)")

    counts = {}
    for size in (25, 50, 100):
        overview.PAGE_SIZE = size
        with CaptureQueriesContext(connection) as captured:
            page(SCENARIOS[0][1])
        counts[size] = len(captured.captured_queries)
    same = "independent of page size" if len(set(counts.values())) == 1 else "DEPENDS ON PAGE SIZE"
    print("  queries per page size: " + ", ".join(f"{size}: {n}" for size, n in counts.items()) + f"  ({same})")


if __name__ == "__main__":
    harness.run(main)

"""P2: Excel export of 100,000 lines, against XlsxWriter alone writing the same rows.

Ours is the real export page through the test client (query, options and tags per chunk,
formula-like text quote-prefixed, the workbook in constant_memory mode streamed from a temporary file), its
response read chunk by chunk. The baseline gets the very same cells as Python lists made
beforehand and only writes them. Memory: the peak of Python allocations (tracemalloc) while
exporting an eighth of the lines and all of them — flat means about the same — and the
process's peak RSS.
Goal (QUALITY P2): ≤ 1.3× the time of XlsxWriter alone; memory flat (streamed).
"""

from __future__ import annotations

import gc
import resource
import statistics
import tempfile
import tracemalloc
from collections.abc import Callable
from typing import Any

import harness

LINES = 100_000
RUNS = 4


def _peak_mb(function: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main(backend: str) -> None:
    import xlsxwriter

    from fleetportal.accounts.models import Membership
    from fleetportal.core.actor import Actor
    from fleetportal.fleet import exports, selectors
    from fleetportal.fleet.models import Tag

    print(f"P2 Excel export, {LINES:,} lines, {backend}")
    customer, manager = harness.big_fleet(LINES)
    client = harness.client_for(manager)
    membership = Membership.objects.get(user=manager, customer=customer)
    actor = Actor(user=manager, membership=membership, functions=frozenset(membership.functions))

    sizes: list[int] = []

    def ours(**params: Any) -> None:
        response = client.get("/fleet/lines/export/", {"format": "xlsx", **params})  # type: ignore[attr-defined]
        assert response.status_code == 200, response.status_code
        sizes.append(sum(len(chunk) for chunk in response.streaming_content))

    rows = list(exports.rows(selectors.lines_for(actor)))
    titles = exports.header()

    def alone() -> None:
        with tempfile.TemporaryFile() as target:
            workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
            sheet = workbook.add_worksheet()
            when = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
            for col, title in enumerate(titles):
                sheet.write_string(0, col, title)
            for row, values in enumerate(rows, start=1):
                for col, value in enumerate(values):
                    if isinstance(value, str):
                        if value:
                            sheet.write_string(row, col, value)
                    elif value is not None:
                        sheet.write_datetime(row, col, value, when)
            workbook.close()

    # The prepared rows are a million objects: keep the garbage collector from walking them
    # during every timed run (it would slow the baseline, not the export).
    gc.collect()
    gc.freeze()
    ours_times, alone_times = harness.timed_pair(ours, alone, RUNS)
    ours_s, alone_s = min(ours_times), min(alone_times)
    print(f"  rows: {len(rows):,}   file: {sizes[-1] / 2**20:.1f} MB")
    print(f"  our export        best {ours_s:6.2f} s   median {statistics.median(ours_times):6.2f} s  ({RUNS} runs)")
    print(f"  XlsxWriter alone  best {alone_s:6.2f} s   median {statistics.median(alone_times):6.2f} s  ({RUNS} runs)")
    print(f"  ratio (best): {ours_s / alone_s:.2f}   (goal ≤ 1.3)")

    sales = Tag.objects.get(customer=customer, name="Sales")
    part = selectors.lines_for(actor, tag=sales).count()
    peak_part = _peak_mb(lambda: ours(tag=sales.pk))
    peak_all = _peak_mb(ours)
    rows_mb = _peak_mb(lambda: list(exports.rows(selectors.lines_for(actor))))
    print(f"  Python peak while exporting {part:,} lines: {peak_part:6.1f} MB")
    print(f"  Python peak while exporting {len(rows):,} lines: {peak_all:6.1f} MB   (flat: about the same)")
    print(f"    (for scale: holding all rows in a list takes {rows_mb:.1f} MB)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  process peak RSS (data building included): {rss:.0f} MB")


if __name__ == "__main__":
    harness.run(main)

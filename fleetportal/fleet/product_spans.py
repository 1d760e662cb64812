"""Which plan and options each line had over a stretch of time, read from its product history
(`LineProducts`, written by the actions that give or change them: `actions.history`).

Rating prices a usage record with the span it started in; the invoice run charges each plan
and option for the days of the spans that hold it. One reading for both, so a line is billed
for the plan its usage was rated with.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from .models import Line, LineOption, LineProducts


class Span(NamedTuple):
    since: dt.datetime
    until: dt.datetime
    plan_id: int
    option_ids: list[int]


def product_spans(lines: set[int], start: dt.datetime, end: dt.datetime) -> dict[int, list[Span]]:
    """Each line's products over [start, end): its `LineProducts` rows as spans, in order, cut
    to the stretch (the first span from `start`: what came before the first row takes it). A
    line whose rows all begin after `end` takes its first row; one without rows (made outside
    the fleet actions, as tests' factories do) its present plan and options."""
    columns = ("line_id", "valid_from", "plan_id", "option_ids")
    rows: dict[int, list[tuple[dt.datetime, int, list[int]]]] = {}
    history = LineProducts.objects.filter(line_id__in=lines).order_by("line_id", "valid_from", "id")
    for line_id, since, plan_id, options in history.filter(valid_from__lt=end).values_list(*columns):
        rows.setdefault(line_id, []).append((since, plan_id, options))
    later = lines - rows.keys()
    if later:
        for line_id, since, plan_id, options in history.filter(line_id__in=later).values_list(*columns):
            rows.setdefault(line_id, [(since, plan_id, options)])
    present = lines - rows.keys()
    if present:
        options_of: dict[int, list[int]] = {}
        for line_id, option_id in LineOption.objects.filter(line_id__in=present).values_list("line_id", "option_id"):
            options_of.setdefault(line_id, []).append(option_id)
        for pk, plan_id in Line.objects.filter(pk__in=present).values_list("pk", "plan_id"):
            rows[pk] = [(start, plan_id, options_of.get(pk, []))]
    spans: dict[int, list[Span]] = {}
    for line_id, products in rows.items():
        for n, (since, plan_id, options) in enumerate(products):
            since = start if n == 0 else max(since, start)
            until = min(products[n + 1][0], end) if n + 1 < len(products) else end
            if since < until:  # a row replaced in the same instant, or before the stretch, holds nothing
                spans.setdefault(line_id, []).append(Span(since, until, plan_id, options))
    return spans

"""The history of each line's products (`LineProducts`), which rating prices usage with (F-55).

`record_products` is called where a line gets or changes its plan and options, in the same
transaction: `lines_add` (a new line, from the wizard or a file) and `bulk._change_products`,
the one path of plan changes (immediate, or planned and run on their due date by the
due-changes job through the same action) and option changes, bulk jobs included. It is not an
action of its own: it has no rule, only the record of what the action decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from fleetportal.core.inserts import insert_rows
from fleetportal.fleet.models import LineProducts


def record_products(products: Iterable[tuple[int, int, Iterable[int]]], at: dt.datetime | None = None) -> None:
    """One history row per (line id, plan id, option ids), valid from `at` (default now), in one
    INSERT whatever the number of lines (QUALITY P3)."""
    rows = [
        {"line_id": line_id, "plan_id": plan_id, "option_ids": sorted(options)}
        for line_id, plan_id, options in products
    ]
    insert_rows(LineProducts, rows, same={"valid_from": at or timezone.now()})

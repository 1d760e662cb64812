"""The fleet over the API (F-91): lines, SIM stock, the number pool, bulk changes, planned
changes and the fleet's files, through the same selectors and actions as the pages (DESIGN
rule 3). `router` mounts them all.

The customer is always the key's (or the session's); a line, change or card of another customer
answers 404, and objects named in a body (plan, options, billing account…) are looked up among
the caller's own only (`lookups`, QUALITY S1).

    schemas.py   what the endpoints take and answer
    lookups.py   what a body or filter names → the caller's own objects
    lines.py     the overview, one line, adding one and its single-line changes
    stock.py     blank SIM cards and free numbers
    planned.py   changes planned for a date
    bulk.py      changes of many lines at once
    controls.py  blocks, PayByMobile limit, out-of-bundle notification, bundle alerts
    files.py     export and CSV import
    jobs.py      bulk changes running on a worker, and their status
"""

from __future__ import annotations

from ninja import Router

from . import bulk, controls, files, jobs, lines, planned, stock

router = Router()
for part in (lines, stock, planned, bulk, controls, files, jobs):
    # A path served by two routers would answer 405 for the methods of the second: keep each
    # path in one module.
    router.add_router("", part.router)

__all__ = ["router"]

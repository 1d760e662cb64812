"""What the fleet's worker jobs do around the actions they run (`tasks.py` holds only the Huey
entry points): here, reporting an import's progress where its pages and the API read it. The
actions know nothing of the queue; they take a `progress(done, total)` callback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from huey.contrib.djhuey import HUEY

from .actions.imports import import_job_run
from .imports import progress_key
from .models import ImportJob

# Rows between two writes of the counter: the page polls every second, a row takes ~1 ms.
PROGRESS_EVERY = 10


@contextmanager
def import_progress(job_id: int, *, every: int | None = None) -> Iterator[Callable[[int, int], None]]:
    """A `progress(done, total)` callback that keeps the count in the job queue's key-value
    store (`imports.rows_done` reads it), every `every` rows and at the end; the count is
    dropped when the job ends, by then written on the job row."""
    key = progress_key(job_id)
    step = every or PROGRESS_EVERY
    last = [0]

    def report(done: int, total: int) -> None:
        if done - last[0] >= step or (done == total and done != last[0]):
            HUEY.put(key, done)
            last[0] = done

    try:
        yield report
    finally:
        HUEY.get(key)  # pops the counter


def import_lines(job_id: int, *, apply: bool) -> ImportJob:
    """An import's dry run (`apply=False`) or the import itself, with its progress (F-32)."""
    with import_progress(job_id) as progress:
        return import_job_run(job_id=job_id, apply=apply, progress=progress)

"""What the fleet's worker jobs do around the actions they run (`tasks.py` holds only the Huey
entry points): reporting an import's or a bulk change's progress where its pages and the API
read it, and taking over the bulk changes and exports whose worker vanished. The actions know nothing of the
queue; they take a `progress(done, total)` callback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.utils import timezone
from huey.contrib.djhuey import HUEY

from . import bulk_jobs
from .actions.bulk_jobs import CHANGES, LEASE, MAX_ATTEMPTS, bulk_job_give_up, bulk_job_run
from .actions.export_jobs import EXPORT, export_job_give_up, export_job_run
from .actions.imports import import_job_run
from .imports import progress_key
from .models import BulkJob, ImportJob

# Rows between two writes of the counter: the page polls every second, a row takes ~1 ms.
PROGRESS_EVERY = 10


@contextmanager
def counted_progress(key: str, *, every: int) -> Iterator[Callable[[int, int], None]]:
    """A `progress(done, total)` callback that keeps the count under `key` in the job queue's
    key-value store, every `every` units and at the end; the count is dropped when the job
    ends, by then written on the job row."""
    last = [0]

    def report(done: int, total: int) -> None:
        if done - last[0] >= every or (done == total and done != last[0]):
            HUEY.put(key, done)
            last[0] = done

    try:
        yield report
    finally:
        HUEY.get(key)  # pops the counter


@contextmanager
def import_progress(job_id: int, *, every: int | None = None) -> Iterator[Callable[[int, int], None]]:
    """An import's progress, as `imports.rows_done` reads it."""
    with counted_progress(progress_key(job_id), every=every or PROGRESS_EVERY) as report:
        yield report


def import_lines(job_id: int, *, apply: bool) -> ImportJob:
    """An import's dry run (`apply=False`) or the import itself, with its progress (F-32)."""
    with import_progress(job_id) as progress:
        return import_job_run(job_id=job_id, apply=apply, progress=progress)


KINDS = [*CHANGES, EXPORT]


def run_bulk_job(job_id: int) -> BulkJob | None:
    """A bulk change (F-32) or an export (F-31), with its progress as `bulk_jobs.lines_done`
    reads it; the actions report once per chunk of lines, so every chunk is written."""
    run = export_job_run if BulkJob.objects.filter(pk=job_id, kind=EXPORT).exists() else bulk_job_run
    with counted_progress(bulk_jobs.progress_key(job_id), every=1) as progress:
        return run(job_id=job_id, progress=progress)


def resume_bulk_jobs(start: Callable[[int], object]) -> list[int]:
    """The bulk changes and exports whose worker vanished (running, lease expired): `start(job_id)`
    queues each again, or, tried `MAX_ATTEMPTS` times, it is marked failed. A job queued but never
    picked up (its queue message lost) is started again too. Answers the ids started."""
    now = timezone.now()
    stale = BulkJob.objects.filter(kind__in=KINDS, status=BulkJob.Status.RUNNING, lease_until__lt=now)
    for job_id, kind in stale.filter(attempts__gte=MAX_ATTEMPTS).values_list("pk", "kind"):
        (export_job_give_up if kind == EXPORT else bulk_job_give_up)(job_id=job_id)
    lost = BulkJob.objects.filter(kind__in=KINDS, status=BulkJob.Status.QUEUED, created_at__lt=now - LEASE)
    started = list(stale.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True))
    started += list(lost.values_list("pk", flat=True))
    for job_id in started:
        start(job_id)
    return started

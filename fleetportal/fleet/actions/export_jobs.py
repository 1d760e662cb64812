"""The SIM overview's export as a worker job (F-31), above `EXPORT_JOB_THRESHOLD` lines, so the
user sees it progress and downloads the file when it is ready instead of waiting on a request.

The page or the API records the job (`export_job_create`) with the filter, the format, the
language and the time zone, and hands in `start`, which queues it once committed. The worker
(`export_job_run`) writes the file with the streamed export's own code (`exports.lines_export`,
same columns, same writers):

- as the person or API key who asked for it, with their rights as they are now (`requester`),
  so the lines are those they may see when it runs;
- into a temporary file, then saved through Django's storage; the job's `file` is set in the
  same UPDATE that marks it done, so a half-written file is never offered;
- its lease is renewed with every chunk of rows (nothing here is one long transaction). A worker
  killed mid-export leaves the job running with an expired lease; the periodic resume
  (`fleet.jobs`) runs it again from the start, at most `MAX_ATTEMPTS` times, else it is marked
  failed. A worker that finds its job taken over stops and throws its file away.

The files hold employees' names and numbers: `export_files_expire` (a daily job) deletes each
`EXPORT_FILE_RETENTION_DAYS` after it was written, audited, and any file under the jobs'
folder that no job names (a worker killed between writing its file and marking the job).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import tempfile
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fleetportal.accounts.models import ApiKey
from fleetportal.core.actor import SYSTEM, Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.fleet.exports import audit_export, export_format, lines_export, require_export
from fleetportal.fleet.models import BulkJob

from .bulk_jobs import LEASE, Progress, Start, abandoned_job, claim_job, end_job
from .requester import requester

log = logging.getLogger(__name__)

EXPORT = BulkJob.Kind.EXPORT
Status = BulkJob.Status
READ_SCOPES = (ApiKey.Scope.READ, ApiKey.Scope.FLEET)  # as the streamed export: reading is enough


def _unfollowed(done: int, total: int) -> None:
    """No one follows the progress."""


class _TakenOver(Exception):
    """This run's lease ran out and another worker took the job: this one stops."""


@transaction.atomic
def export_job_create(*, actor: Actor, criteria: dict[str, Any], fmt: str, total: int, start: Start) -> BulkJob:
    """Record an export of the lines `criteria` select (as `selectors.lines_for` takes them:
    the named plan, billing account or tag as their ids) for a worker; `total` is how many they
    are now; `start(job_id)` queues it once committed."""
    require_export(actor)
    job = BulkJob.objects.create(
        customer=actor.tenant,
        created_by=actor.user,
        api_key=actor.api_key,
        kind=EXPORT,
        params={
            "criteria": {
                name: value.pk if isinstance(value, models.Model) else value
                for name, value in criteria.items()
                if value not in ("", None)
            },
            "format": export_format(fmt),
            "zone": timezone.get_current_timezone_name(),
        },
        language=translation.get_language() or "en",
        total=total,
    )
    transaction.on_commit(partial(start, job.pk))
    return job


def _job_actor(job: BulkJob) -> Actor:
    return requester(
        job,
        key_lost=_("The API key that asked for this export is revoked or may no longer read the fleet."),
        person_lost=_("The person who asked for this export may no longer see the SIM cards."),
        scopes=READ_SCOPES,
    )


def _leased(job: BulkJob, progress: Progress) -> Callable[[int, int], None]:
    """`progress`, renewing the job's lease (and its total) at each step; raises `_TakenOver`
    once the job is no longer this run's."""

    def step(done: int, total: int) -> None:
        mine = BulkJob.objects.filter(pk=job.pk, status=Status.RUNNING, attempts=job.attempts)
        if not mine.update(lease_until=timezone.now() + LEASE, total=total):
            raise _TakenOver
        job.total = total
        progress(done, total)

    return step


def _write(job: BulkJob, actor: Actor, progress: Progress) -> tuple[str, str, int]:
    """The file, written as the requester and stored; answers its storage name, the name the
    download suggests and its lines."""
    step = _leased(job, progress)
    criteria, fmt = job.params["criteria"], job.params["format"]
    export = lines_export(actor=actor, criteria=criteria, fmt=fmt, progress=step, audited=False)
    step(0, export.count)
    with tempfile.TemporaryFile() as target:
        export.write(target)
        # A random name: the file is only ever served through its job's page (S10).
        job.file.save(f"export-{job.pk}-{secrets.token_hex(8)}.{export.fmt}", File(target), save=False)
    return job.file.name, export.filename, export.count


def export_job_run(*, job_id: int, progress: Progress | None = None) -> BulkJob | None:
    """The worker's part: write the export if the job is ours to run (see `claim_job`); answers
    it as it ended, or None if it was not ours (or was taken over meanwhile)."""
    job = claim_job(job_id, kinds=[EXPORT])
    if job is None:
        return None
    zone = job.params.get("zone") or timezone.get_default_timezone()
    with translation.override(job.language), timezone.override(zone):
        try:
            actor = _job_actor(job)
            name, filename, count = _write(job, actor, progress or _unfollowed)
        except _TakenOver:
            return None
        except ActionError as exc:  # the requester may no longer see the fleet
            end_job(job, Status.FAILED, error=str(exc.message))
        except Exception:  # a bug, the database or the storage: said so, the trace logged
            log.exception("export job %s failed", job.pk)
            end_job(job, Status.FAILED, error=_("The export could not be written. Try again later."))
        else:
            with transaction.atomic():  # audited once, with the file handed in
                handed_in = end_job(job, Status.DONE, file=name, params={**job.params, "filename": filename})
                if handed_in:
                    audit_export(actor, criteria=job.params["criteria"], fmt=job.params["format"], count=count)
            if not handed_in:
                job.file.delete(save=False)  # taken over meanwhile: the other run's file counts
    job.refresh_from_db()
    return job


def export_job_give_up(*, job_id: int) -> bool:
    """A running export whose worker vanished `MAX_ATTEMPTS` times: marked failed, no file."""
    job = abandoned_job(job_id, kinds=[EXPORT])
    if job is None:
        return False
    with translation.override(job.language):
        reason = _("The export was interrupted %(count)d times. Try again later.") % {"count": job.attempts}
        return end_job(job, Status.FAILED, error=reason)


def export_files_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the export files written more than `EXPORT_FILE_RETENTION_DAYS` ago: each job's
    file first forgotten by its row (the page then says it was deleted, the API's job has
    `file_deleted_at`), audited, then removed from the storage; then the files of that age no
    job names. Answers how many files were deleted."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.EXPORT_FILE_RETENTION_DAYS)
    storage = BulkJob._meta.get_field("file").storage  # type: ignore[attr-defined]
    deleted = 0
    for pk in BulkJob.objects.filter(kind=EXPORT, finished_at__lt=cutoff).exclude(file="").values_list("pk", flat=True):
        with transaction.atomic():
            job = BulkJob.objects.select_for_update().filter(pk=pk).exclude(file="").first()
            if job is None:
                continue
            name = job.file.name
            job.params = {**job.params, "file_deleted_at": now.isoformat()}
            job.file = ""  # type: ignore[assignment]
            job.save(update_fields=["file", "params"])
            record(actor=SYSTEM, action="export.file_deleted", customer=job.customer, obj=job, after={"file": name})
            transaction.on_commit(partial(_delete, storage, name))
        deleted += 1
    named = set(BulkJob.objects.exclude(file="").values_list("file", flat=True))
    for name in _stored(storage, "jobs"):
        if name not in named and storage.get_modified_time(name) < cutoff:
            _delete(storage, name)
            deleted += 1
    return deleted


def _stored(storage: Storage, folder: str) -> list[str]:
    """Every file under `folder` of the storage (the jobs' files go in jobs/<year>/<month>/)."""
    if not storage.exists(folder):
        return []
    folders, files = storage.listdir(folder)
    return [f"{folder}/{name}" for name in files] + [
        name for sub in folders for name in _stored(storage, f"{folder}/{sub}")
    ]


def _delete(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:  # gone already, or the storage is down: the next day's run tries again
        log.warning("export file %s could not be deleted", name, exc_info=True)

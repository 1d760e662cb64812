"""Ingesting usage records (F-55, R5): a file or an API batch into `UsageRecord` rows.

Streamed and set-based, in chunks, each its own transaction with the job's counts (a page shows
progress; a worker that dies goes on after the last committed row when the job runs again):

- PostgreSQL (`ingest_sql`): the raw text is COPYed into a staging table and checked there by
  SQL, numbers joined to their lines, the good rows' ids inserted
  `ON CONFLICT (record_id) DO NOTHING` into the key table (migration 0006, unique across the
  month partitions) and the rows of the ids taken moved into the partitions (`partitions`) by
  the same statement, the bad rows written by SQL too;
- SQLite: each row is checked in Python (`ingest.read_csv`), the good rows staged by one
  executemany and moved by an `INSERT … SELECT … ON CONFLICT (record_id) DO NOTHING` (one plain
  table there).

Either way a record already stored (an earlier file, a retry, whatever month it starts in) is
counted as a duplicate and never stored twice, and a record id that an earlier row of the same
file holds is a bad row (`duplicate_in_file`), found by a join on the job's records (PostgreSQL:
on its keys). Memory holds one chunk (SQLite) or none of its rows (PostgreSQL), whatever the
file's size.

Rating (`usage_rate`) is its own action: the consumer of `usage.ingested` calls it for the
job's lines and periods, the `usage_rate` command and the back office for a whole period.

When the file is done, the job's audit row and its `usage.ingested` event (for rating) are
written in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fleetportal.accounts.api_keys import key_functions
from fleetportal.accounts.models import Membership
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import Channel, Customer
from fleetportal.fleet.models import Line

from . import events, ingest_sql, partitions, rating
from .ingest import Bad, FileError, Parsed, normalise_number, read_csv, read_records
from .models import IngestError, IngestJob, UsageRecord
from .periods import period_of
from .policy import FLEET

CHUNK = 5_000  # rows of a chunk checked in Python (SQLite), held in memory
MAX_STORED_ERRORS = 10_000  # per job; `bad` counts them all
MAX_NUMBERS = 200_000  # the numbers remembered across chunks (bounded memory)
Start = Callable[[int], object]

SQL_CHUNK = 50_000  # rows of a chunk checked in the database (PostgreSQL): no row is held in Python
STAGING = "usage_staging"
Chunk = list[Parsed | Bad] | ingest_sql.Chunk


def may_ingest(actor: Actor, customer: Customer | None) -> bool:
    """Staff and the operator's own command line for any customer's lines; a fleet manager (or
    a key with the fleet scope) for their own customer's."""
    if actor.is_staff or (actor.user is None and actor.api_key is None and actor.channel == Channel.SYSTEM):
        return True
    return customer is not None and actor.customer == customer and actor.number is None and actor.can(FLEET)


def usage_job_create(
    *,
    actor: Actor,
    source: str,
    file_name: str,
    customer: Customer | None = None,
    upload: Any = None,
    start: Start | None = None,
) -> IngestJob:
    """Record an ingest job (a file or a batch to come). A customer's actor always ingests for
    its own customer, whatever `customer` says (S1). `start(job_id)` queues the worker after commit."""
    if actor.customer is not None and not actor.is_staff:
        customer = actor.customer
    if not may_ingest(actor, customer):
        raise PermissionDeniedError(_("You may not ingest usage records."))
    name = (file_name or "").strip()[:200] or "usage.csv"
    with transaction.atomic():
        job = IngestJob(
            customer=customer,
            source=source,
            file_name=name,
            created_by=actor.user,
            api_key=actor.api_key,
            created_by_label=actor.label[:200],
            language=translation.get_language() or "en",
        )
        if upload is not None:
            job.upload.save(name, upload, save=False)
        job.save()
        if start is not None:
            transaction.on_commit(lambda: start(job.pk))
    return job


def job_actor(job: IngestJob) -> Actor:
    """Who asked for the job, acting through a worker, with their rights as they are now."""
    if job.api_key_id:
        key = job.api_key
        if key is None or key.revoked_at is not None or FLEET not in key.scopes:
            raise PermissionDeniedError(_("The API key that sent this file is revoked or lost the fleet scope."))
        return Actor(user=None, channel=Channel.JOB, api_key=key, functions=key_functions(key))
    user = job.created_by
    if user is not None and user.is_staff:
        return Actor(user=user, channel=Channel.JOB)
    membership = (
        Membership.objects.filter(user=user, customer=job.customer)
        .exclude(status=Membership.Status.DISABLED)
        .select_related("customer")
        .first()
        if user is not None and job.customer_id
        else None
    )
    if membership is None:
        if user is None and job.source == IngestJob.Source.COMMAND:
            return Actor(user=None, channel=Channel.SYSTEM)
        raise PermissionDeniedError(_("The person who sent this file may no longer ingest usage records."))
    return Actor(user=user, channel=Channel.JOB, membership=membership, functions=frozenset(membership.functions))


def usage_ingest(*, actor: Actor, job: IngestJob, stream: IO[bytes]) -> IngestJob:
    """Ingest a CSV (or gzip of it) file into `job`; bad rows are reported, good rows kept."""
    if connection.vendor == "postgresql":
        return _run(actor, job, lambda: ingest_sql.file_chunks(stream, SQL_CHUNK))
    return _run(actor, job, lambda: _parsed_chunks(job, read_csv(stream)))


def usage_ingest_records(*, actor: Actor, job: IngestJob, records: Iterable[dict[str, Any]]) -> IngestJob:
    """Ingest an API batch of records (dicts with the file's column names) into `job`."""
    if connection.vendor == "postgresql":
        return _run(actor, job, lambda: ingest_sql.batch_chunks(records, SQL_CHUNK))
    return _run(actor, job, lambda: _parsed_chunks(job, read_records(records)))


def _parsed_chunks(job: IngestJob, rows: Iterator[Parsed | Bad]) -> Iterator[list[Parsed | Bad]]:
    items = (item for item in rows if item.row > job.last_row)  # a retry goes on after its last chunk
    while chunk := list(islice(items, CHUNK)):
        yield chunk


def _run(actor: Actor, job: IngestJob, chunks: Callable[[], Iterator[Chunk]]) -> IngestJob:
    if not may_ingest(actor, job.customer):
        raise PermissionDeniedError(_("You may not ingest usage records."))
    if job.finished:
        raise ActionError(_("This ingest has finished already."), code="conflict")
    IngestJob.objects.filter(pk=job.pk).update(status=IngestJob.Status.RUNNING, started_at=timezone.now())
    resolver = _Numbers(job.customer_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            ingest_sql.start_job(cursor)
    try:
        for chunk in chunks():
            _ingest_chunk(job, chunk, resolver)
    except FileError as exc:
        return _finish(actor, job, error=exc)
    return _finish(actor, job)


class _Numbers:
    """Numbers as written → (line id, customer id), read from the database for each chunk's new
    numbers: the live line of the number (or its most recently stopped one, for late records),
    of the job's customer when it has one. (PostgreSQL: `ingest_sql` joins them instead.)"""

    def __init__(self, customer_id: int | None):
        self.customer_id = customer_id
        self.known: dict[str, tuple[int, int] | None] = {}
        self.e164: dict[str, str | None] = {}

    def resolve(self, texts: set[str]) -> None:
        new = texts - self.known.keys()
        if not new:
            return
        if len(self.known) > MAX_NUMBERS:
            self.known.clear()
            self.e164.clear()
        wanted: dict[str, list[str]] = {}
        for text in new:
            number = self.e164.get(text) if text in self.e164 else normalise_number(text)
            self.e164[text] = number
            if number is None:
                self.known[text] = None
            else:
                wanted.setdefault(number, []).append(text)
        lines = Line.objects.filter(msisdn__in=list(wanted))
        if self.customer_id is not None:
            lines = lines.filter(customer_id=self.customer_id)
        best: dict[str, tuple[tuple[bool, Any, int], int, int]] = {}
        for pk, customer_id, msisdn, status, stopped_at in lines.values_list(
            "pk", "customer_id", "msisdn", "status", "stopped_at"
        ):
            rank = (status != Line.Status.STOPPED, stopped_at or timezone.now(), pk)
            if msisdn not in best or rank > best[msisdn][0]:
                best[msisdn] = (rank, pk, customer_id)
        for number, written in wanted.items():
            found = best.get(number)
            for text in written:
                self.known[text] = (found[1], found[2]) if found else None


def _ingest_chunk(job: IngestJob, chunk: Chunk, numbers: _Numbers) -> None:
    """One chunk and the job's counts, in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        room = MAX_STORED_ERRORS - IngestJob.objects.filter(pk=job.pk).values_list("bad", flat=True).get()
        if isinstance(chunk, ingest_sql.Chunk):
            # A chunk's rows and the job's counts commit together: a commit lost in a crash is
            # a chunk the retried job does again (it goes on after `last_row`), so the ingest
            # need not wait for each commit's flush to disk (~80 ms a chunk on this machine).
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            # A chunk's rows sorted in memory (in file order for the keys and the records): the
            # 4 MB default sent them to disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            counts = ingest_sql.store(cursor, job, chunk, room, _now_param())
        else:
            counts = _store_parsed(job, chunk, numbers, room)
        if counts.rows:
            IngestJob.objects.filter(pk=job.pk).update(
                rows=F("rows") + counts.rows,
                ingested=F("ingested") + counts.inserted,
                duplicates=F("duplicates") + counts.duplicates,
                bad=F("bad") + counts.bad,
                last_row=counts.last_row,
            )


def _store_parsed(job: IngestJob, chunk: list[Parsed | Bad], numbers: _Numbers, room: int) -> ingest_sql.Counts:
    """The Python path's chunk (SQLite): numbers resolved, good rows stored, bad ones written."""
    numbers.resolve({item.number for item in chunk if isinstance(item, Parsed)})
    bad: list[Bad] = []
    staged: list[tuple[Any, ...]] = []
    for item in chunk:
        if isinstance(item, Bad):
            bad.append(item)
            continue
        line = numbers.known.get(item.number)
        if line is None:
            code = "unknown_number" if numbers.e164.get(item.number) else "bad_number"
            bad.append(Bad(item.row, code, item.number[:60]))
            continue
        staged.append(
            (
                item.row,
                item.record_id,
                line[0],
                line[1],
                str(item.started_at)[:-6],
                item.kind,
                item.zone,
                str(item.quantity),
                item.unit,
                None if item.amount is None else str(item.amount),
                item.merchant,
                item.direction,
                period_of(item.started_at).isoformat(),
            )
        )
    inserted, repeated = _store(job, staged) if staged else (0, [])
    bad += [Bad(row, "duplicate_in_file", record_id[:60]) for row, record_id in repeated]
    if room > 0 and bad:
        bad.sort(key=lambda b: b.row)
        IngestError.objects.bulk_create(
            [IngestError(job=job, row=b.row, code=b.code, detail=b.detail[:200]) for b in bad[:room]]
        )
    duplicates = len(staged) - inserted - len(repeated)
    return ingest_sql.Counts(len(chunk), inserted, duplicates, len(bad), max(item.row for item in chunk))


def _store(job: IngestJob, staged: list[tuple[Any, ...]]) -> tuple[int, list[tuple[int, str]]]:
    """Stage the chunk, insert what is new; (rows inserted, (row, id) of ids an earlier row of
    this job holds)."""
    quote = connection.ops.quote_name
    table = quote(UsageRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} (row_no integer, record_id text, line_id integer,"
            " customer_id integer, started_at text, kind text, zone text, quantity text, unit text,"
            " amount text, merchant text, direction text, period text)"
        )
        cursor.execute(f"DELETE FROM {STAGING}")  # noqa: S608
        cursor.executemany(f"INSERT INTO {STAGING} VALUES ({', '.join(['%s'] * len(staged[0]))})", staged)  # noqa: S608
        columns = (
            "record_id, line_id, customer_id, started_at, kind, zone, quantity, unit, amount, merchant, direction,"
            " period"
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}, job_id, {quote('row')}, created_at)"  # noqa: S608
            f" SELECT {columns}, %s, row_no, %s FROM {STAGING} WHERE true ORDER BY row_no"
            " ON CONFLICT (record_id) DO NOTHING",
            [job.pk, _now_param()],
        )
        inserted = cursor.rowcount
        repeated: list[tuple[int, str]] = []
        if inserted < len(staged):
            cursor.execute(
                f"SELECT s.row_no, s.record_id FROM {STAGING} s JOIN {table} r ON r.record_id = s.record_id"  # noqa: S608
                f" WHERE r.job_id = %s AND r.{quote('row')} <> s.row_no ORDER BY s.row_no",
                [job.pk],
            )
            repeated = [(row, record_id) for row, record_id in cursor.fetchall()]
    return inserted, repeated


def _now_param() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _finish(actor: Actor, job: IngestJob, error: FileError | None = None) -> IngestJob:
    with transaction.atomic():
        job = IngestJob.objects.select_for_update().get(pk=job.pk)
        job.finished_at = timezone.now()
        if error is not None:
            job.status, job.error_code, job.error_detail = IngestJob.Status.FAILED, error.code, error.detail[:200]
        else:
            job.status = IngestJob.Status.DONE
        job.save(update_fields=["status", "error_code", "error_detail", "finished_at"])
        figures = {
            "file": job.file_name,
            "source": job.source,
            "status": job.status,
            "rows": job.rows,
            "ingested": job.ingested,
            "duplicates": job.duplicates,
            "bad": job.bad,
        }
        if error is not None:
            figures["error"] = error.code
        record(actor=actor, action="usage.ingested", customer=job.customer, obj=job, after=figures)
        if job.ingested:
            events.USAGE_INGESTED.record(
                customer=job.customer,
                obj=job,
                data={"job": job.pk, "ingested": job.ingested, "duplicates": job.duplicates, "bad": job.bad},
            )
    return job


def usage_rate(
    *,
    actor: Actor,
    periods: Iterable[dt.date],
    lines: Iterable[int] | None = None,
    customer: Customer | None = None,
) -> rating.Rated:
    """(Re-)rate whole periods (`rating.rate`): these lines and the lines sharing their pools,
    or every line with records in the period (of `customer` when given), and rebuild their
    counters. The same records give the same counters whatever was rated before, so this is
    both the rating after an ingest and the re-rating after a plan or price change. Audited and
    `usage.rated` recorded once per customer and period, for alerts and rules."""
    if actor.customer is not None and not actor.is_staff:
        customer = actor.customer
    if not may_ingest(actor, customer):
        raise PermissionDeniedError(_("You may not rate usage records."))
    wanted = sorted(set(periods))
    if not wanted:
        raise ActionError(_("Choose the period to rate."), field="period")
    if any(period.day != 1 for period in wanted):
        raise ActionError(_("A period is a month: give its first day."), field="period")
    line_ids = None if lines is None else set(lines)
    if line_ids is not None and customer is not None:
        line_ids &= set(Line.objects.filter(customer=customer, pk__in=line_ids).values_list("pk", flat=True))
    total = rating.Rated()
    for period in wanted:
        with transaction.atomic():
            rated = rating.rate(period, line_ids, customer.pk if customer is not None else None)
            by_pk = Customer.objects.in_bulk(rated.customers())
            for customer_id in rated.customers():
                line_list, pools = sorted(rated.lines.get(customer_id, ())), sorted(rated.pools.get(customer_id, ()))
                data = {"period": period.isoformat(), "lines": line_list, "pools": pools}
                record(
                    actor=actor,
                    action="usage.rated",
                    customer=by_pk[customer_id],
                    after={"period": period.isoformat(), "lines": len(line_list), "pools": len(pools)},
                )
                events.USAGE_RATED.record(customer=by_pk[customer_id], data=data)
                total.lines.setdefault(customer_id, set()).update(line_list)
                total.pools.setdefault(customer_id, set()).update(pools)
    return total


def usage_partition_detach(*, actor: Actor, period: dt.date) -> str:
    """Detach a past period's partition of the records (PostgreSQL, issue 7): its records leave
    the portal's pages, invoices and ratings at once, without a DELETE; the table stays, named
    as returned, for the operator to archive or drop. The operator's command line only, and
    audited: it takes a month of usage out of sight."""
    if not (actor.user is None and actor.api_key is None and actor.channel == Channel.SYSTEM):
        raise PermissionDeniedError(_("Only the operator may detach a period of usage records."))
    if not partitions.partitioned():
        raise ActionError(_("Usage records are partitioned by month on PostgreSQL only."), field="period")
    period = period.replace(day=1)
    if period >= period_of(timezone.now()):
        raise ActionError(_("Only a past period may be detached: records of this one may still come."), field="period")
    with transaction.atomic():
        try:
            table = partitions.detach_partition(period)
        except ValueError:
            raise ActionError(
                _("%(period)s has no partition of its own to detach.") % {"period": f"{period:%Y-%m}"},
                field="period",
            ) from None
        record(actor=actor, action="usage.partition_detached", after={"period": period.isoformat(), "table": table})
    return table

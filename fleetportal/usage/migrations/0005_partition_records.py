"""PostgreSQL: the usage records partitioned by month (issue 7), so that an old period leaves by
DETACH instead of a DELETE of millions of rows, and each month's indexes stay small.

The table becomes `PARTITION BY RANGE (period)`, one partition a month named
`usage_usagerecord_YYYY_MM` (filled to 50 %, as 0004 set for the plain table: rating's
UPDATE stays HOT), and a DEFAULT partition that takes a record of a month without a partition,
so an insert is never refused. Later months are created by `usage.partitions` (daily job, and
the ingest for a chunk's months).

PostgreSQL requires every unique key of a partitioned table to contain the partition key:
- the primary key becomes (id, period). Django keeps `id` as the model's primary key: ids stay
  unique (one sequence for all partitions) and a lookup by id finds the row in any partition.
- the mediation's record id is unique per period: UNIQUE (record_id, period), the target of the
  ingest's ON CONFLICT (`ingest_sql`). A record id sent again with a start in another month
  would be stored twice (on SQLite it is refused): migration 0006 replaces this key by a key
  table unique across the partitions.
No table has a foreign key to the records (a key referencing them would need a unique key of
the referenced columns, `id` alone no longer is one): invoices read them by line and period.

The model's state does not change (SQLite keeps its plain table and UNIQUE (record_id)); on
PostgreSQL a deployed portal's table is converted with its rows: a new partitioned table is
created with a partition for every month it holds and the next ones, the rows are copied,
the old table dropped and the keys, indexes (same names) and the key check on the line made
again on the new one. The migration holds the table locked while it copies: run it in a
maintenance window (a million rows: about a minute on the bench machine). Reversed, the rows
of attached partitions go back into one plain table (a detached month's table stays apart).
"""

import datetime as dt

from django.conf import settings
from django.db import migrations

TABLE = "usage_usagerecord"
OLD = f"{TABLE}_old"
FILL_FACTOR = 50
AHEAD = 3  # months after the current one given a partition (as usage.partitions.AHEAD)


def partition_records(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _rebuild(schema_editor, partitioned=True)


def plain_records(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _rebuild(schema_editor, partitioned=False)


def _rebuild(schema_editor, partitioned):
    """The records into a new table (partitioned by month or plain) with the old one's
    indexes and foreign keys, under the same names."""
    run = schema_editor.execute
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass"
            " AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)",
            [TABLE],
        )
        # a partitioned table's are "ON ONLY" it: made again on the whole new table
        indexes = [definition.replace(" ON ONLY ", " ON ", 1) for (definition,) in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f'",
            [TABLE],
        )
        foreign_keys = cursor.fetchall()
    run(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
    columns = f"LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS"
    if partitioned:
        run(f"CREATE TABLE {TABLE} ({columns}) PARTITION BY RANGE (period)")
        run(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT WITH (fillfactor = {FILL_FACTOR})")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT date_trunc('month', period)::date FROM {OLD}"  # noqa: S608
                " UNION SELECT (date_trunc('month', now() AT TIME ZONE %s) + n * interval '1 month')::date"
                " FROM generate_series(0, %s) n ORDER BY 1",
                [settings.TIME_ZONE, AHEAD],
            )
            months = [month for (month,) in cursor.fetchall()]
        for month in months:
            end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            run(
                f"CREATE TABLE {TABLE}_{month:%Y_%m} PARTITION OF {TABLE}"
                f" FOR VALUES FROM ('{month.isoformat()}') TO ('{end.isoformat()}') WITH (fillfactor = {FILL_FACTOR})"
            )
        keys = ("PRIMARY KEY (id, period)", f"{TABLE}_record_id_period_key UNIQUE (record_id, period)")
    else:
        run(f"CREATE TABLE {TABLE} ({columns}) WITH (fillfactor = {FILL_FACTOR})")
        run(f"ALTER TABLE {TABLE} ALTER id DROP DEFAULT")
        keys = ("PRIMARY KEY (id)", f"{TABLE}_record_id_key UNIQUE (record_id)")
    # Rows first, indexes after: one sort per index instead of an index entry per row.
    run(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")  # noqa: S608
    run(f"DROP TABLE {OLD} CASCADE")  # its partitions, or its identity sequence, with it
    if partitioned:  # a sequence of the new table's own: an identity column cannot be partitioned on 15
        run(f"CREATE SEQUENCE {TABLE}_id_seq AS bigint OWNED BY {TABLE}.id")
        run(f"ALTER TABLE {TABLE} ALTER id SET DEFAULT nextval('{TABLE}_id_seq')")
    else:
        run(f"ALTER TABLE {TABLE} ALTER id ADD GENERATED BY DEFAULT AS IDENTITY")
    run(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), coalesce(max(id), 0) + 1, false) FROM {TABLE}")  # noqa: S608
    run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey {keys[0]}, ADD CONSTRAINT {keys[1]}")
    for definition in indexes:
        run(definition)
    for name, definition in foreign_keys:
        run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
    run(f"ANALYZE {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0004_record_storage"),
    ]

    operations = [
        migrations.RunPython(partition_records, plain_records),
    ]

"""PostgreSQL: one record id, one record, across the month partitions (R5).

A unique key of a partitioned table must hold its partition key, so 0005 made idempotency
UNIQUE (record_id, period): a record id sent again with a start in another month was stored a
second time there, refused on SQLite. The guard is now a plain table of its own,
`usage_recordkey` (the record id its primary key, with the job and row that brought it, for the
ingest's `duplicate_in_file`, and sorted as bytes, COLLATE "C"): the ingest inserts a chunk's
keys first and, in the same statement, the records of the keys that were new only
(`ingest_sql._insert`). UNIQUE (record_id, period) then guards nothing and goes, so a record
still costs one unique index entry; a record is still found by its id through the
`varchar_pattern_ops` index Django gave the unique column (its operator class serves `=`).

The keys are the ingest's, the one writer of records: on PostgreSQL a row inserted another way
(a test's `objects.create`) has no key and is not checked against the others. Detaching a
month keeps its keys, so a resend of a detached month's record is still refused. A record
deleted frees its id, as on SQLite: statement triggers on the records delete its key and a
TRUNCATE empties the keys (the test runner's flush knows the models' tables only). Rows moved
between partitions (`partitions._create`, out of DEFAULT) are deleted from the partition, not
the records' table: their keys stay.

The model's state does not change (SQLite keeps UNIQUE (record_id) on its plain table).
Forward, the keys are filled from the records (an id stored twice under 0005 keeps its first
row's key; both rows stay). Reversed, UNIQUE (record_id, period) comes back and the table goes.
"""

from django.db import migrations

TABLE = "usage_usagerecord"
KEYS = "usage_recordkey"
UNIQUE = f"{TABLE}_record_id_period_key"
# trigger (and its function) → (when, what it runs): the keys follow the records out
FOLLOW = {
    "usage_recordkey_truncate": ("AFTER TRUNCATE", f"TRUNCATE {KEYS}"),
    "usage_recordkey_delete": (
        "AFTER DELETE",  # the deleted rows' own keys (a row without one leaves the others')
        f"DELETE FROM {KEYS} k USING gone g"  # noqa: S608
        ' WHERE k.record_id = g.record_id AND k.job_id = g.job_id AND k."row" = g."row"',
    ),
}


def add_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    columns = 'record_id varchar(64) COLLATE "C" NOT NULL, job_id bigint NOT NULL, "row" integer NOT NULL'
    run(f"CREATE TABLE {KEYS} ({columns})")
    run(
        f'INSERT INTO {KEYS} SELECT DISTINCT ON (record_id) record_id, job_id, "row" FROM {TABLE}'  # noqa: S608
        " ORDER BY record_id, id"
    )
    run(f"ALTER TABLE {KEYS} ADD PRIMARY KEY (record_id)")  # one sort, after the rows
    for name, (event, statement) in FOLLOW.items():
        run(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {statement}; RETURN NULL; END $$")
        gone = " REFERENCING OLD TABLE AS gone" if event == "AFTER DELETE" else ""
        run(f"CREATE TRIGGER {name} {event} ON {TABLE}{gone} FOR EACH STATEMENT EXECUTE FUNCTION {name}()")
    run(f"ALTER TABLE {TABLE} DROP CONSTRAINT {UNIQUE}")
    run(f"ANALYZE {KEYS}")


def drop_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {UNIQUE} UNIQUE (record_id, period)")
    for name in FOLLOW:
        run(f"DROP TRIGGER {name} ON {TABLE}")
        run(f"DROP FUNCTION {name}()")
    run(f"DROP TABLE {KEYS}")


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0005_partition_records"),
    ]

    operations = [
        migrations.RunPython(add_keys, drop_keys),
    ]

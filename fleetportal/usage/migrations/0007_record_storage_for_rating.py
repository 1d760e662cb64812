"""PostgreSQL: the records' pages filled to 40 % instead of 50 %, and the record id's
`varchar_pattern_ops` index dropped (issue 7, bench P4).

- Rating's UPDATE writes each record's new version beside the old one in its page (HOT: no
  index entry) only when the page has room for it. A rated record is about a quarter bigger
  than the unrated one the ingest wrote (its outcome, plan, prices and rating time: ~228
  bytes a row with its header instead of ~180 in the bench), so pages filled to half held no
  room for the last rows' new versions: 17 % of the updates of 1,000,000 records were not HOT
  and wrote five index entries each. Filled to 40 %, a page holds its rows rated once. Set
  on every partition (and taken by those `partitions` creates); pages already written keep
  their fill.
- The `varchar_pattern_ops` index Django gives a unique text column served the record ids'
  uniqueness before the key table (migration 0006) did: no query reads it (the pages and the
  invoices read records by line or customer and time, the ingest's checks read the key
  table), and every record inserted wrote an entry in it.

The model's state does not change (SQLite keeps its plain table and UNIQUE (record_id)).
"""

from django.db import migrations

TABLE = "usage_usagerecord"
LIKE_INDEX = "usage_usagerecord_record_id_e7b5a240_like"  # the name Django gave it


def _partitions(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass ORDER BY 1",
            [TABLE],
        )
        return [name for (name,) in cursor.fetchall()]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {LIKE_INDEX}")  # the partitions' with it
    for name in _partitions(schema_editor):
        schema_editor.execute(f"ALTER TABLE {name} SET (fillfactor = 40)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _partitions(schema_editor):
        schema_editor.execute(f"ALTER TABLE {name} SET (fillfactor = 50)")
    schema_editor.execute(f"CREATE INDEX {LIKE_INDEX} ON {TABLE} (record_id varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0006_record_keys"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]

"""SQLite's index for the overview's search (F-20, QUALITY P1), the counterpart of the trigram
indexes PostgreSQL has since 0004.

SQLite cannot use an index for LIKE '%…%', so a search read every line of the customer (~0.4 s
for 50,000). Here two FTS5 tables with the trigram tokenizer (SQLite ≥ 3.34) index the searched
columns of the lines (names, description, number) and of the SIM cards (number); they hold no
copy of the text (external content) and triggers keep them in step with every INSERT (one row
or many in one statement, `core.inserts.insert_rows`), UPDATE of a searched column and DELETE.
`selectors._search` reads them for candidates and checks its exact conditions on those only.

Django rebuilds a table on SQLite for some schema changes (`_remake_table`: copy, DROP, rename),
and DROP TABLE drops its triggers: `install_sqlite_search` is idempotent so a later migration
that rebuilds fleet_line or fleet_simcard calls it again (a test fails if a trigger is missing).
Other databases: nothing.
"""

from django.db import migrations

# FTS5 table → (content table, its searched columns)
SEARCH_TABLES = {
    "fleet_line_search": ("fleet_line", ("first_name", "last_name", "description", "msisdn")),
    "fleet_simcard_search": ("fleet_simcard", ("iccid",)),
}


def _statements(search: str, table: str, columns: tuple[str, ...]) -> list[str]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    remove = f"INSERT INTO {search} ({search}, rowid, {names}) VALUES ('delete', old.id, {old});"
    add = f"INSERT INTO {search} (rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {search} USING fts5("
        f"{names}, content='{table}', content_rowid='id', tokenize='trigram')",
        f"INSERT INTO {search} ({search}) VALUES ('rebuild')",
        f"CREATE TRIGGER IF NOT EXISTS {search}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER IF NOT EXISTS {search}_delete AFTER DELETE ON {table} BEGIN {remove} END",
        f"CREATE TRIGGER IF NOT EXISTS {search}_update AFTER UPDATE OF {names} ON {table} BEGIN {remove} {add} END",
    ]


def install_sqlite_search(apps, schema_editor):
    """Create (or re-create after a table rebuild) the search tables and triggers, and index
    every row there is."""
    connection = schema_editor.connection
    if connection.vendor != "sqlite" or connection.Database.sqlite_version_info < (3, 34):
        return  # before 3.34 no trigram tokenizer: the search reads the lines (selectors._sqlite_trigrams)
    for search, (table, columns) in SEARCH_TABLES.items():
        for statement in _statements(search, table, columns):
            schema_editor.execute(statement)


def remove_sqlite_search(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for search in SEARCH_TABLES:
        for action in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {search}_{action}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {search}")


class Migration(migrations.Migration):
    dependencies = [
        ("fleet", "0006_line_billing_account_in_billing"),
    ]

    operations = [
        migrations.RunPython(install_sqlite_search, remove_sqlite_search, elidable=False),
    ]

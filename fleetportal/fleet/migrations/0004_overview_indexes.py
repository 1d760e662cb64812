"""Indexes of the SIM overview (F-20, QUALITY P1).

Every backend: one index per sortable column (customer, column, number). PostgreSQL also gets
trigram indexes (pg_trgm) for the search, which matches anywhere in a value: on the expressions
Django's `icontains` compares (UPPER(column::text)) and on the numbers `contains` compares.
CREATE EXTENSION needs a role allowed to create it (pg_trgm is a trusted extension since 13).
GIN's pending list of new entries is kept small (256 kB, default 4 MB): a search reads that list
one entry at a time (+40 ms after 50,000 new lines with the default), while writing every
entry at once instead (fastupdate off) made an UPDATE of 10,000 lines 2.4 s instead of 0.65 s;
with 256 kB it takes about 0.9 s and a search at most a few ms more until vacuum.
"""

from django.conf import settings
from django.db import migrations, models

TRIGRAM_INDEXES = {
    "fleet_line_first_name_trgm": 'fleet_line USING gin (UPPER("first_name"::text) gin_trgm_ops)',
    "fleet_line_last_name_trgm": 'fleet_line USING gin (UPPER("last_name"::text) gin_trgm_ops)',
    "fleet_line_description_trgm": 'fleet_line USING gin (UPPER("description"::text) gin_trgm_ops)',
    "fleet_line_msisdn_trgm": 'fleet_line USING gin ("msisdn" gin_trgm_ops)',
    "fleet_simcard_iccid_trgm": 'fleet_simcard USING gin ("iccid" gin_trgm_ops)',
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, target in TRIGRAM_INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON {target} WITH (gin_pending_list_limit = 256)')


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0001_initial'),
        ('catalog', '0001_initial'),
        ('core', '0001_initial'),
        ('fleet', '0003_import_job'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='line',
            name='fleet_line_custome_245b10_idx',
        ),
        migrations.RemoveIndex(
            model_name='line',
            name='fleet_line_custome_b83fe6_idx',
        ),
        migrations.AddIndex(
            model_name='line',
            index=models.Index(fields=['customer', 'description', 'msisdn'], name='fleet_line_custome_28aa1c_idx'),
        ),
        migrations.AddIndex(
            model_name='line',
            index=models.Index(fields=['customer', 'last_name', 'msisdn'], name='fleet_line_custome_812a3a_idx'),
        ),
        migrations.AddIndex(
            model_name='line',
            index=models.Index(fields=['customer', 'plan', 'msisdn'], name='fleet_line_custome_25a1f2_idx'),
        ),
        migrations.AddIndex(
            model_name='line',
            index=models.Index(fields=['customer', 'billing_account', 'msisdn'], name='fleet_line_custome_4b38a9_idx'),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]

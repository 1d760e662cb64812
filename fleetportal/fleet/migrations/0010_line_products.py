"""The history of each line's products that rating prices usage with (issue 7), started with one
row per existing line: its present plan and options, valid from its creation (what was before
is not known; a record before a line's first row is rated with that row)."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 10_000


def backfill(apps, schema_editor):
    Line = apps.get_model("fleet", "Line")
    LineOption = apps.get_model("fleet", "LineOption")
    LineProducts = apps.get_model("fleet", "LineProducts")
    last = 0
    while True:
        lines = list(Line.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "plan_id", "created_at")[:BATCH])
        if not lines:
            return
        last = lines[-1][0]
        options = {}
        for line_id, option_id in LineOption.objects.filter(line_id__in=[pk for pk, *_ in lines]).values_list(
            "line_id", "option_id"
        ):
            options.setdefault(line_id, []).append(option_id)
        LineProducts.objects.bulk_create(
            LineProducts(line_id=pk, plan_id=plan_id, valid_from=created, option_ids=sorted(options.get(pk, [])))
            for pk, plan_id, created in lines
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_usage_rates"),
        ("fleet", "0009_bulk_jobs"),
    ]

    operations = [
        migrations.CreateModel(
            name="LineProducts",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("valid_from", models.DateTimeField()),
                ("option_ids", models.JSONField(blank=True, default=list)),
                (
                    "line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="product_history", to="fleet.line"
                    ),
                ),
                (
                    "plan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="catalog.tariffplan"
                    ),
                ),
            ],
            options={
                "ordering": ["line", "valid_from", "id"],
                "indexes": [models.Index(fields=["line", "valid_from"], name="fleet_linep_line_id_5c6a8e_idx")],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

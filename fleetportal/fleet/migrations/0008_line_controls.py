"""The line's controls (SPEC §4): blocks, PayByMobile limit, out-of-bundle notification and the
member's bundle alerts. Adding columns with a default rebuilds fleet_line on SQLite, which drops
its search triggers: they are put back (0007's `install_sqlite_search`, idempotent)."""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

_search = import_module("fleetportal.fleet.migrations.0007_sqlite_search_index")


class Migration(migrations.Migration):
    dependencies = [
        ("fleet", "0007_sqlite_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="line",
            name="bundle_alerts",
            field=models.BooleanField(default=True, verbose_name="bundle alerts by SMS"),
        ),
        migrations.AddField(
            model_name="line",
            name="out_of_bundle_notify_at",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=8,
                null=True,
                verbose_name="out-of-bundle notification at (EUR)",
            ),
        ),
        migrations.AddField(
            model_name="line",
            name="paybymobile",
            field=models.CharField(
                choices=[("unlimited", "No limit"), ("capped", "Monthly limit"), ("blocked", "Blocked")],
                default="unlimited",
                max_length=10,
                verbose_name="PayByMobile",
            ),
        ),
        migrations.AddField(
            model_name="line",
            name="paybymobile_cap",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=8, null=True, verbose_name="PayByMobile monthly limit (EUR)"
            ),
        ),
        migrations.CreateModel(
            name="LineBlock",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "service",
                    models.CharField(
                        choices=[
                            ("all", "All services"),
                            ("calls_in", "Incoming calls"),
                            ("calls_out", "Outgoing calls"),
                            ("sms_in", "Incoming SMS"),
                            ("sms_out", "Outgoing SMS"),
                            ("mms", "MMS"),
                            ("data", "Mobile data"),
                            ("international", "Calls from the home country to abroad"),
                            ("roaming_all", "Abroad: everything"),
                            ("roaming_calls_in", "Abroad: incoming calls"),
                            ("roaming_calls_out", "Abroad: outgoing calls"),
                            ("roaming_sms", "Abroad: SMS"),
                            ("roaming_data", "Abroad: data"),
                        ],
                        max_length=20,
                        verbose_name="service",
                    ),
                ),
                ("rule_id", models.PositiveIntegerField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="blocks", to="fleet.line"
                    ),
                ),
            ],
            options={
                "verbose_name": "block",
                "verbose_name_plural": "blocks",
                "ordering": ["line", "service"],
                "constraints": [models.UniqueConstraint(fields=("line", "service"), name="block_once_per_line")],
            },
        ),
        migrations.RunPython(_search.install_sqlite_search, migrations.RunPython.noop),
    ]

# BillingAccount moves from the kernel (core) to billing: state only here, the table keeps its
# name until 0003 renames it, once core and fleet point at the new model.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("core", "0002_domain_events"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BillingAccount",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("number", models.CharField(max_length=20, unique=True, verbose_name="billing account")),
                        ("name", models.CharField(blank=True, max_length=200, verbose_name="name")),
                        ("invoice_address", models.TextField(blank=True, verbose_name="invoice address")),
                        ("payment_mode", models.CharField(choices=[("transfer", "Bank transfer"), ("direct_debit", "Direct debit")], default="transfer", max_length=20, verbose_name="payment mode")),
                        ("invoice_email", models.EmailField(blank=True, max_length=254, verbose_name="invoice delivery e-mail")),
                        ("contract", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="billing_accounts", to="core.contract")),
                        ("customer", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="billing_accounts", to="core.customer")),
                    ],
                    options={
                        "verbose_name": "billing account",
                        "verbose_name_plural": "billing accounts",
                        "ordering": ["number"],
                        "db_table": "core_billingaccount",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_billing_account_from_core"),
        ("fleet", "0005_import_job_api_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="line",
                    name="billing_account",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="lines", to="billing.billingaccount"
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]

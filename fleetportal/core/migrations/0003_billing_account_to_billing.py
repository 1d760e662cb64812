from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_domain_events"),
        ("fleet", "0006_line_billing_account_in_billing"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="BillingAccount")],
            database_operations=[],
        ),
    ]

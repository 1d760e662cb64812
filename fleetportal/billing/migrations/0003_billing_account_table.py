from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_billing_account_from_core"),
        ("core", "0003_billing_account_to_billing"),
    ]

    operations = [
        migrations.AlterModelTable(name="billingaccount", table=None),
    ]

# Endpoints receive only the events of their key mode. Endpoints registered before this
# could not say which key registered them; they are taken as live (so live deliveries go on)
# and stop receiving test-mode events. New endpoints take the mode of the key that
# registers them.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("webhooks", "0002_endpoints_deliveries"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookendpoint",
            name="mode",
            field=models.CharField(
                choices=[("test", "Test"), ("live", "Live")],
                default="live",
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="mode",
            field=models.CharField(
                choices=[("test", "Test"), ("live", "Live")],
                default="test",
                max_length=8,
            ),
        ),
    ]

# Test mode is a sandbox: test orders take units from Variant.test_reserved (never from
# stock), the stock audit says each row's mode, and reviews say the mode of the key that
# posted them (reviews from before count as live).

from django.db import migrations, models

REVIEW_MODE_HELP = (
    "The key mode it was posted with. Live storefronts show live reviews only; test mode "
    "shows live and test reviews."
)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0002_stock_threshold_audit_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="inventoryadjustment",
            name="mode",
            field=models.CharField(
                default="live",
                help_text="test: a test-mode order took or gave back units; before and "
                "after are then the test-mode availability (live stock is untouched).",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="variant",
            name="test_reserved",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Units taken by test-mode orders. Test mode never changes "
                "stock: what it can buy is stock minus these, and a reset of the test data "
                "clears them.",
            ),
        ),
        migrations.AddField(
            model_name="review",
            name="mode",
            field=models.CharField(
                default="live", help_text=REVIEW_MODE_HELP, max_length=8
            ),
        ),
        migrations.AlterField(
            model_name="review",
            name="mode",
            field=models.CharField(
                default="test", help_text=REVIEW_MODE_HELP, max_length=8
            ),
        ),
    ]

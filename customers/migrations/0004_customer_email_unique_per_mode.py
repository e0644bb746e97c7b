import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0003_session_verified_customer_mode"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                models.F("store"),
                models.F("mode"),
                name="uniq_customer_email_per_mode",
            ),
        ),
    ]

# Sessions say whether a login link proved the email (create-account sessions do not;
# sessions from before count as unverified).
#
# Customers are per key mode (test mode is a sandbox). Existing customers take the mode of
# what they did: only test-mode orders, sessions, login links or conversations make a test
# customer; anything else stays live. A customer used in both modes keeps its live rows and
# gets a test-mode twin (same email, names, preferences and saved addresses) that takes its
# test-mode orders, discount redemptions, sessions, login links and conversations. The new
# unique index comes in the next migration (PostgreSQL will not build it in a transaction
# that has just rewritten the rows).

from django.db import migrations, models

from core.ids import new_id

COPIED = (
    "store_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "marketing_opt_in",
    "tags",
    "metadata",
    "claimed_at",
    "last_login_at",
    "created_at",
)
ADDRESS = (
    "first_name",
    "last_name",
    "company",
    "line1",
    "line2",
    "city",
    "state",
    "postcode",
    "country_code",
    "phone",
    "is_default",
    "created_at",
)


def split_by_mode(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    Address = apps.get_model("customers", "Address")
    CustomerSession = apps.get_model("customers", "CustomerSession")
    LoginToken = apps.get_model("customers", "LoginToken")
    Order = apps.get_model("orders", "Order")
    DiscountRedemption = apps.get_model("carts", "DiscountRedemption")
    Conversation = apps.get_model("conversations", "Conversation")
    owned = (Order, CustomerSession, LoginToken, Conversation)
    for customer in Customer.objects.all().iterator():
        modes = set()
        for model in owned:
            modes |= set(
                model.objects.filter(customer_id=customer.pk)
                .values_list("mode", flat=True)
                .distinct()
            )
        if "test" not in modes:
            continue  # live, as added
        if modes == {"test"}:
            Customer.objects.filter(pk=customer.pk).update(mode="test")
            continue
        twin = Customer.objects.create(
            id=new_id("cust"),
            mode="test",
            **{name: getattr(customer, name) for name in COPIED},
        )
        for model in owned:
            model.objects.filter(customer_id=customer.pk, mode="test").update(
                customer_id=twin.pk
            )
        DiscountRedemption.objects.filter(
            customer_id=customer.pk, order__mode="test"
        ).update(customer_id=twin.pk)
        for address in Address.objects.filter(customer_id=customer.pk):
            Address.objects.create(
                id=new_id("addr"),
                customer_id=twin.pk,
                **{name: getattr(address, name) for name in ADDRESS},
            )


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0002_login_token"),
        ("orders", "0004_checkout_payment_attempts"),
        ("carts", "0002_initial"),
        ("conversations", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="customersession",
            name="details",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="Profile details typed on an unverified session (what it may see).",
            ),
        ),
        migrations.AddField(
            model_name="customersession",
            name="verified_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When a login link proved the email on this session (empty: not "
                "proven).",
                null=True,
            ),
        ),
        migrations.RemoveConstraint(
            model_name="customer",
            name="uniq_customer_email_per_store",
        ),
        migrations.AddField(
            model_name="customer",
            name="mode",
            field=models.CharField(
                choices=[("test", "Test"), ("live", "Live")],
                default="live",
                help_text="The key mode the customer belongs to: test-mode customers "
                "come from test checkouts and are seen with test keys only.",
                max_length=8,
            ),
        ),
        migrations.RunPython(split_by_mode, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="customer",
            name="mode",
            field=models.CharField(
                choices=[("test", "Test"), ("live", "Live")],
                default="test",
                help_text="The key mode the customer belongs to: test-mode customers "
                "come from test checkouts and are seen with test keys only.",
                max_length=8,
            ),
        ),
    ]

"""The migration that makes customers per key mode splits a customer used in both modes."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("customers", "0002_login_token"),
    ("orders", "0004_checkout_payment_attempts"),
    ("carts", "0002_initial"),
    ("conversations", "0001_initial"),
]
AFTER = [("customers", "0004_customer_email_unique_per_mode")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_customers_take_the_mode_of_what_they_did():
    apps = migrate(BEFORE)
    try:
        Store = apps.get_model("core", "Store")
        Customer = apps.get_model("customers", "Customer")
        Address = apps.get_model("customers", "Address")
        Session = apps.get_model("customers", "CustomerSession")
        Order = apps.get_model("orders", "Order")
        store = Store.objects.create(id="str_MIGRATION", name="Old shop")
        both = Customer.objects.create(
            id="cust_BOTH", store=store, email="both@example.com", first_name="Bo"
        )
        test_only = Customer.objects.create(
            id="cust_TEST", store=store, email="test@example.com"
        )
        dashboard = Customer.objects.create(
            id="cust_DASH", store=store, email="dash@example.com"
        )
        Address.objects.create(
            id="addr_1", customer=both, line1="1 Road", city="Leeds", country_code="GB"
        )
        for pk, customer, mode in (
            ("ord_LIVE", both, "live"),
            ("ord_TEST", both, "test"),
            ("ord_TEST2", test_only, "test"),
        ):
            Order.objects.create(
                id=pk,
                store=store,
                customer=customer,
                mode=mode,
                type="order",
                cart_token=pk,
                currency="GBP",
            )
        Session.objects.create(
            id="csess_T",
            store=store,
            mode="test",
            cart_token="tok",
            customer=both,
        )

        apps = migrate(AFTER)

        Customer = apps.get_model("customers", "Customer")
        Order = apps.get_model("orders", "Order")
        Session = apps.get_model("customers", "CustomerSession")
        modes = dict(Customer.objects.values_list("id", "mode"))
        assert (modes["cust_BOTH"], modes["cust_TEST"], modes["cust_DASH"]) == (
            "live",
            "test",
            "live",
        )
        twin = Customer.objects.get(email="both@example.com", mode="test")
        assert twin.first_name == "Bo" and twin.pk != "cust_BOTH"
        assert Order.objects.get(pk="ord_TEST").customer_id == twin.pk
        assert Order.objects.get(pk="ord_LIVE").customer_id == "cust_BOTH"
        assert Session.objects.get(pk="csess_T").customer_id == twin.pk
        assert twin.addresses.get().line1 == "1 Road"
        assert dashboard.pk in modes
    finally:
        migrate(executor_leaf())


def executor_leaf():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()

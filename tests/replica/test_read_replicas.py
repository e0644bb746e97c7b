"""Reads against a replica alias: run by core/tests/test_replicas.py in a pytest of its own
with ``DATABASE_REPLICA_URLS`` set, so ``replica_1`` exists and mirrors the test database
(TEST MIRROR: the same data over a second connection, as a replica with no lag would be).

Collected only in that run (tests/conftest.py): the settings are read once, at start-up.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from core.db import replica_aliases, use_replica
from tests.test_faults import ADDRESS

if not replica_aliases():
    raise pytest.UsageError(
        "tests/replica needs DATABASE_REPLICA_URLS (core/tests/test_replicas.py runs it so)"
    )

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases="__all__"),
]


class Queries:
    """The SQL each alias ran inside the block: ``q.on("default")``, ``q.on("replica_1")``."""

    def __init__(self):
        self.contexts = {
            alias: CaptureQueriesContext(connections[alias])
            for alias in ("default", *replica_aliases())
        }

    def __enter__(self):
        for context in self.contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self.contexts.values():
            context.__exit__(*exc)

    def on(self, alias: str) -> list[str]:
        return [q["sql"] for q in self.contexts[alias].captured_queries]

    def tables_on(self, alias: str) -> str:
        return " ".join(self.on(alias))


@pytest.fixture
def candle_shop(shop):
    from carts.tests.factories import make_shipping_method
    from catalog.tests.factories import make_product

    shop.method = make_shipping_method(shop.store, countries=["GB"])
    shop.candle = make_product(shop.store, name="Candle", price=2400, stock=50)
    return shop


def test_the_public_catalogue_reads_from_the_replica(candle_shop, public):
    with Queries() as queries:
        listed = public.get("/products")
        detail = public.get(f"/products/{candle_shop.candle.pk}")
    assert listed.status_code == 200 and detail.status_code == 200
    assert [p["id"] for p in listed.json()["data"]] == [candle_shop.candle.pk]
    assert detail.json()["data"]["name"] == "Candle"
    assert "catalog_product" in queries.tables_on("replica_1")
    # The key that authenticated the request is checked on the primary (a revoked key
    # stops working at once); the product queries are not.
    assert "catalog_product" not in queries.tables_on("default")


def test_a_cart_after_adding_to_it_and_an_order_after_checkout_read_the_primary(
    candle_shop, public, private
):
    cart = uuid.uuid4().hex
    with Queries() as queries:
        added = public.post(
            "/cart/items",
            {"productId": candle_shop.candle.pk, "quantity": 2},
            cart=cart,
        )
        seen = public.get("/cart", cart=cart)
    assert added.status_code in {200, 201}, added.content[:300]
    assert seen.status_code == 200
    assert seen.json()["data"]["items"][0]["quantity"] == 2
    assert queries.on("replica_1") == []

    for step in (
        public.put(
            "/cart/checkout-data",
            {
                "email": "sam@buyer.test",
                "shippingAddress": ADDRESS,
                "sameAsShipping": True,
            },
            cart=cart,
        ),
        public.post(
            "/cart/shipping-option",
            {"shippingOptionId": candle_shop.method.pk},
            cart=cart,
        ),
    ):
        assert step.status_code == 200, step.content[:300]
    with Queries() as queries:
        placed = public.post(
            "/cart/checkout", {"paymentMethod": "pm_card_visa"}, cart=cart
        )
        assert placed.status_code in {200, 201}, placed.content[:300]
        order_id = placed.json()["data"]["orderId"]
        fetched = private.get(f"/orders/{order_id}")
    assert fetched.status_code == 200
    assert fetched.json()["data"]["id"] == order_id
    assert queries.on("replica_1") == []


def test_in_a_marked_block_writes_and_reads_after_them_go_to_the_primary(candle_shop):
    from catalog.models import Product

    with Queries() as queries, use_replica():
        product = Product.objects.get(pk=candle_shop.candle.pk)
        assert queries.on("replica_1") and not queries.on("default")
        product.name = "Beeswax candle"
        product.save(
            update_fields=["name"]
        )  # loaded from the replica, saved on the primary
        assert any("UPDATE" in sql for sql in queries.on("default"))
        before = len(queries.on("replica_1"))
        assert Product.objects.get(pk=product.pk).name == "Beeswax candle"
        assert len(queries.on("replica_1")) == before  # read-your-writes: the primary

    with Queries() as queries, use_replica():
        with transaction.atomic():
            Product.objects.get(pk=candle_shop.candle.pk)
        assert queries.on("replica_1") == []  # a transaction reads what it may write
        Product.objects.get(pk=candle_shop.candle.pk)
        assert (
            len(queries.on("replica_1")) == 1
        )  # a new read after it may use the replica

    with Queries() as queries:
        Product.objects.get(pk=candle_shop.candle.pk)
    assert queries.on("replica_1") == []  # unmarked code never reads a replica


def test_the_order_report_reads_from_the_replica(candle_shop):
    from datetime import date

    from orders.exports import order_export_queryset
    from orders.models import Order

    queryset = order_export_queryset(
        Order.objects.filter(store=candle_shop.store),
        start=date(2020, 1, 1),
        end=date(2030, 1, 1),
    )
    with Queries() as queries:
        assert list(queryset) == []
    assert "orders_order" in queries.tables_on("replica_1")
    assert queries.on("default") == []

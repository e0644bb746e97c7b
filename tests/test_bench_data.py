"""The HTTP bench's data generator (``bench/generate.py``) keeps producing rows the code accepts.

The bench itself is not part of the suite; this guards its generator against model changes
(a new required column, a changed invariant) on a tiny data set, so that the next bench run
does not find out. PostgreSQL only: the generator writes with ``COPY``.
"""

from __future__ import annotations

import pytest
from django.db.models import Count, F, Q, Sum

from bench import generate
from catalog.models import Product, Variant
from core import services as core_services
from core.models import ApiKey, Store
from customers.models import Customer
from orders.models import Order, OrderItem, OrderNumberCounter

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SIZES = generate.Sizes(products=40, orders=30, customers=12, categories=10, seed=3)


@pytest.fixture
def bench_store(settings):
    settings.RATELIMIT_ENABLE = False
    counts = generate.generate(SIZES, log=lambda message: None)
    store = Store.objects.get(name=generate.STORE_NAME)
    keys = ApiKey.objects.filter(store=store, mode="test", revoked_at__isnull=True)
    pk = keys.get(kind="publishable").publishable_key
    sk = core_services.api_key_roll(api_key=keys.get(kind="secret")).raw
    return store, pk, sk, counts


def test_generated_rows_keep_the_catalogue_and_order_invariants(bench_store):
    store, _, _, counts = bench_store
    products = Product.objects.filter(store=store)
    assert products.count() == SIZES.products
    assert counts.rows["catalog.Product"] == SIZES.products
    assert Customer.objects.filter(store=store).count() == SIZES.customers
    # Simple products have exactly one default variant; the others options and no default.
    simple = products.filter(options__isnull=True).annotate(
        defaults=Count("variants", filter=Q(variants__is_default=True)),
        others=Count("variants", filter=Q(variants__is_default=False)),
    )
    assert all(p.defaults == 1 and p.others == 0 for p in simple)
    with_options = products.filter(options__isnull=False).distinct()
    assert with_options.count() == SIZES.products // 5
    assert not Variant.objects.filter(
        product__in=with_options, is_default=True
    ).exists()
    # Orders: numbered 1001.. with the counter after them, totals add up, lines snapshotted.
    orders = Order.objects.filter(store=store, type="order", mode="test")
    numbers = sorted(orders.values_list("order_number", flat=True))
    assert numbers == list(range(1001, 1001 + SIZES.orders))
    counter = OrderNumberCounter.objects.get(store=store, mode="test")
    assert counter.next_number == 1001 + SIZES.orders
    assert not orders.exclude(
        total_amount=F("subtotal_amount")
        - F("discount_amount")
        + F("shipping_amount")
        + F("tax_amount")
    ).exists()
    for order in orders.annotate(lines=Sum("items__subtotal_amount")):
        assert order.lines == order.subtotal_amount
    assert not OrderItem.objects.filter(order__in=orders, variant__isnull=True).exists()


def test_the_api_works_on_generated_data(bench_store, api_client_for):
    store, pk, sk, _ = bench_store
    public, private = api_client_for("public", pk), api_client_for("private", sk)
    published = Product.objects.filter(store=store, status="published")

    listed = public.get("/products", query={"perPage": 20})
    assert listed.status_code == 200
    assert listed.json()["meta"]["total"] == published.count()
    with_options = published.filter(options__isnull=False).first()
    detail = public.get(f"/products/{with_options.slug}")
    assert detail.status_code == 200
    assert detail.json()["data"]["variants"]

    # A shopper buys a generated product: the number follows the generated history.
    product = published.filter(
        options__isnull=True, product_type="physical", variants__stock__gt=0
    ).first()
    cart = "bench-guard"
    assert (
        public.post(
            "/cart/items", {"productId": product.pk, "quantity": 2}, cart=cart
        ).status_code
        == 200
    )
    saved = public.put(
        "/cart/checkout-data",
        {
            "email": "guard@bench.test",
            "shippingAddress": {
                "firstName": "Sam",
                "lastName": "Buyer",
                "line1": "221B Baker Street",
                "city": "London",
                "postcode": "NW1 6XE",
                "countryCode": "GB",
            },
        },
        cart=cart,
    )
    assert saved.status_code == 200
    options = public.get("/cart/shipping-options", cart=cart).json()["data"]
    assert (
        public.post(
            "/cart/shipping-option", {"shippingOptionId": options[0]["id"]}, cart=cart
        ).status_code
        == 200
    )
    placed = public.post("/cart/checkout", {"paymentMethod": "pm_card_visa"}, cart=cart)
    assert placed.status_code == 200, placed.json()
    assert placed.json()["data"]["orderNumber"] == str(1001 + SIZES.orders)

    # The merchant works on generated orders: list, fulfil, refund through the gateway.
    listed = private.get("/orders", query={"perPage": 5})
    assert listed.json()["meta"]["total"] == SIZES.orders + 1
    generated = Order.objects.filter(store=store, type="order").exclude(cart_token=cart)
    unfulfilled = generated.filter(fulfillment_status="unfulfilled").first()
    fulfilled = generated.filter(fulfillment_status="fulfilled").first()
    assert private.post(f"/orders/{unfulfilled.pk}/fulfill", {}).status_code == 200
    refund = private.post(
        f"/orders/{fulfilled.pk}/refund", {"amount": 100, "restock": False}
    )
    assert refund.status_code == 200, refund.json()
    assert refund.json()["data"]["paymentStatus"] == "partially_refunded"

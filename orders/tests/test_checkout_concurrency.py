"""Concurrent checkouts on PostgreSQL: real threads, each with its own connection and its own
cart token, through the Django test client."""

from __future__ import annotations

import pytest

from carts.models import Discount, DiscountRedemption
from carts.tests.factories import make_discount, make_product, make_shipping_method
from catalog.models import InventoryAdjustment, Variant
from orders.models import OfflinePaymentIntent, Order, OrderItem
from tests.concurrency import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ADDRESS = {
    "first_name": "Sam",
    "last_name": "Buyer",
    "company": None,
    "line1": "221B Baker Street",
    "line2": None,
    "city": "London",
    "state": None,
    "postcode": "NW1 6XE",
    "country_code": "GB",
    "phone": None,
}


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.RATELIMIT_ENABLE = False


def ready_cart(store, token, product, *, method, quantity=1, discount=None) -> Order:
    """A cart with one line, email, address and shipping option, as the cart API leaves it."""
    variant = Variant.objects.get(product=product)
    cart = Order.objects.create(
        store=store,
        mode="test",
        type=Order.Type.CART,
        cart_token=token,
        currency=store.currency,
        email=f"{token}@example.com",
        shipping_address=dict(ADDRESS),
        shipping_method=method,
        shipping_option={"id": method.pk, "name": method.name},
        discount=discount,
        discount_code=discount.code if discount else "",
        discount_type=discount.type if discount else "",
        discount_value=discount.value if discount else None,
    )
    OrderItem.objects.create(
        order=cart,
        product=product,
        variant=variant,
        quantity=quantity,
        product_name=product.name,
        product_slug=product.slug,
    )
    return cart


def checkout_all(shop, api_client_for, tokens, payment_method="pm_card_visa"):
    statuses: dict[str, int] = {}

    def checkout(index):
        client = api_client_for("public", shop.pk)
        response = client.post(
            "/cart/checkout", {"paymentMethod": payment_method}, cart=tokens[index]
        )
        statuses[tokens[index]] = response.status_code

    run_threads(len(tokens), checkout)
    return statuses


def test_40_checkouts_for_10_units_make_10_orders(make_store, api_client_for):
    shop = make_store()
    method = make_shipping_method(shop.store, countries=["GB"])
    candle = make_product(shop.store, name="Candle", stock=10)
    tokens = [f"buyer-{i}" for i in range(40)]
    for token in tokens:
        ready_cart(shop.store, token, candle, method=method)

    statuses = checkout_all(shop, api_client_for, tokens)

    assert sorted(statuses.values()) == [200] * 10 + [409] * 30
    assert Variant.objects.get(product=candle).stock == 0
    orders = Order.objects.filter(type=Order.Type.ORDER)
    assert orders.count() == 10 and set(
        orders.values_list("payment_status", flat=True)
    ) == {"paid"}
    assert {o.cart_token for o in orders} == {
        t for t, s in statuses.items() if s == 200
    }
    assert Order.objects.filter(type=Order.Type.CART).count() == 30
    stock_after = InventoryAdjustment.objects.values_list("stock_after", flat=True)
    assert len(stock_after) == 10 and min(stock_after) == 0
    assert OfflinePaymentIntent.objects.count() == 10


def test_20_checkouts_get_20_consecutive_order_numbers(make_store, api_client_for):
    shop = make_store()
    method = make_shipping_method(shop.store, countries=["GB"])
    candle = make_product(shop.store, name="Candle", stock=100)
    tokens = [f"buyer-{i}" for i in range(20)]
    for token in tokens:
        ready_cart(shop.store, token, candle, method=method)

    statuses = checkout_all(shop, api_client_for, tokens)

    assert list(statuses.values()) == [200] * 20
    numbers = sorted(
        Order.objects.filter(type="order").values_list("order_number", flat=True)
    )
    assert numbers == list(range(1001, 1021))
    assert Variant.objects.get(product=candle).stock == 80


def test_a_discount_limited_to_5_uses_is_used_5_times(make_store, api_client_for):
    shop = make_store()
    method = make_shipping_method(shop.store, countries=["GB"])
    candle = make_product(shop.store, name="Candle", price=2400, stock=100)
    discount = make_discount(shop.store, code="FIRST5", value=50, usage_limit=5)
    tokens = [f"buyer-{i}" for i in range(20)]
    for token in tokens:
        ready_cart(shop.store, token, candle, method=method, discount=discount)

    statuses = checkout_all(shop, api_client_for, tokens)

    assert sorted(statuses.values()) == [200] * 5 + [422] * 15
    assert Discount.objects.get(pk=discount.pk).usage_count == 5
    assert DiscountRedemption.objects.filter(discount=discount).count() == 5
    discounted = Order.objects.filter(
        type="order", discount_amount=1200, discount=discount
    )
    assert discounted.count() == 5 == Order.objects.filter(type="order").count()
    assert Variant.objects.get(product=candle).stock == 95


def test_a_double_submit_in_parallel_makes_one_order_and_one_charge(
    make_store, api_client_for
):
    shop = make_store()
    method = make_shipping_method(shop.store, countries=["GB"])
    candle = make_product(shop.store, name="Candle", stock=10)
    ready_cart(shop.store, "double", candle, method=method)
    statuses = []

    def submit(index):
        client = api_client_for("public", shop.pk)
        response = client.post(
            "/cart/checkout",
            {"paymentMethod": "pm_card_visa"},
            cart="double",
            idempotency_key="same-click",
        )
        statuses.append(response.status_code)

    run_threads(5, submit)

    assert 200 in statuses and set(statuses) <= {200, 409}
    assert Order.objects.filter(type="order").count() == 1
    assert OfflinePaymentIntent.objects.count() == 1
    assert Variant.objects.get(product=candle).stock == 9

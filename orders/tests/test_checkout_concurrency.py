"""Concurrent checkouts on PostgreSQL: real threads, each with its own connection and its own
cart token, through the Django test client."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from carts.models import Discount, DiscountRedemption
from carts.tests.factories import make_discount, make_product, make_shipping_method
from catalog.models import InventoryAdjustment, Variant
from orders.models import OfflinePaymentIntent, Order, OrderItem
from tests.concurrency import run_threads
from webhooks.models import Event

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


#: Each guarantee holds in both modes: test mode counts in its own columns (test-mode
#: availability, test usage), with Stripe's test card; live mode by bank transfer (the
#: offline gateway declines test cards in live mode, as Stripe does).
MODES = pytest.mark.parametrize("mode", ["test", "live"])
PAYMENT = {"test": "pm_card_visa", "live": "bank_transfer"}
PAID = {"test": "paid", "live": "pending"}


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.RATELIMIT_ENABLE = False


def available(product, mode: str) -> int:
    return Variant.objects.get(product=product).available_stock(mode)


def ready_cart(
    store, token, product, *, method, quantity=1, discount=None, mode="test"
) -> Order:
    """A cart with one line, email, address and shipping option, as the cart API leaves it."""
    variant = Variant.objects.get(product=product)
    cart = Order.objects.create(
        store=store,
        mode=mode,
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


def checkout_all(shop, api_client_for, tokens, mode="test"):
    statuses: dict[str, int] = {}
    key = shop.pk if mode == "test" else shop.live_pk

    def checkout(index):
        client = api_client_for("public", key)
        response = client.post(
            "/cart/checkout", {"paymentMethod": PAYMENT[mode]}, cart=tokens[index]
        )
        statuses[tokens[index]] = response.status_code

    run_threads(len(tokens), checkout)
    return statuses


@MODES
def test_40_checkouts_for_10_units_make_10_orders(make_store, api_client_for, mode):
    shop = make_store()
    method = make_shipping_method(shop.store, countries=["GB"])
    candle = make_product(shop.store, name="Candle", stock=10)
    tokens = [f"buyer-{i}" for i in range(40)]
    for token in tokens:
        ready_cart(shop.store, token, candle, method=method, mode=mode)

    statuses = checkout_all(shop, api_client_for, tokens, mode)

    assert sorted(statuses.values()) == [200] * 10 + [409] * 30
    assert available(candle, mode) == 0
    assert Variant.objects.get(product=candle).stock == (10 if mode == "test" else 0)
    orders = Order.objects.filter(type=Order.Type.ORDER)
    assert orders.count() == 10 and set(
        orders.values_list("payment_status", flat=True)
    ) == {PAID[mode]}
    assert {o.cart_token for o in orders} == {
        t for t, s in statuses.items() if s == 200
    }
    assert Order.objects.filter(type=Order.Type.CART).count() == 30
    stock_after = InventoryAdjustment.objects.filter(mode=mode).values_list(
        "stock_after", flat=True
    )
    assert len(stock_after) == 10 and min(stock_after) == 0
    assert OfflinePaymentIntent.objects.count() == (10 if mode == "test" else 0)


@MODES
def test_20_checkouts_get_20_consecutive_order_numbers(
    make_store, api_client_for, mode
):
    shop = make_store()
    method = make_shipping_method(shop.store, countries=["GB"])
    candle = make_product(shop.store, name="Candle", stock=100)
    tokens = [f"buyer-{i}" for i in range(20)]
    for token in tokens:
        ready_cart(shop.store, token, candle, method=method, mode=mode)

    statuses = checkout_all(shop, api_client_for, tokens, mode)

    assert list(statuses.values()) == [200] * 20
    numbers = sorted(
        Order.objects.filter(type="order").values_list("order_number", flat=True)
    )
    assert numbers == list(range(1001, 1021))
    assert available(candle, mode) == 80


@MODES
def test_a_discount_limited_to_5_uses_is_used_5_times(make_store, api_client_for, mode):
    shop = make_store()
    method = make_shipping_method(shop.store, countries=["GB"])
    candle = make_product(shop.store, name="Candle", price=2400, stock=100)
    discount = make_discount(shop.store, code="FIRST5", value=50, usage_limit=5)
    tokens = [f"buyer-{i}" for i in range(20)]
    for token in tokens:
        ready_cart(
            shop.store, token, candle, method=method, discount=discount, mode=mode
        )

    statuses = checkout_all(shop, api_client_for, tokens, mode)

    assert sorted(statuses.values()) == [200] * 5 + [422] * 15
    counted = Discount.objects.get(pk=discount.pk)
    used = {"test": counted.test_usage_count, "live": counted.usage_count}
    assert used == {mode: 5, ("live" if mode == "test" else "test"): 0}
    assert DiscountRedemption.objects.filter(discount=discount).count() == 5
    discounted = Order.objects.filter(
        type="order", discount_amount=1200, discount=discount
    )
    assert discounted.count() == 5 == Order.objects.filter(type="order").count()
    assert available(candle, mode) == 95


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
    assert available(candle, "test") == 9


@MODES
def test_checkouts_of_one_store_overlap_until_the_order_number(
    make_store, api_client_for, monkeypatch, mode
):
    """A checkout that is still recording its order (timeline, ``order.created`` payload)
    does not hold the store's order-number counter: another checkout of the same store
    completes meanwhile, and the numbers stay consecutive in commit order."""
    from orders import events as order_events

    shop = make_store()
    method = make_shipping_method(shop.store, countries=["GB"])
    for token in ("slow", "fast"):
        # One product each: a bank transfer holds its variant rows until it commits.
        product = make_product(shop.store, name=f"Candle {token}", stock=10)
        ready_cart(shop.store, token, product, method=method, mode=mode)
    paused, release = threading.Event(), threading.Event()
    record = order_events.order_event

    def order_event(order, type):
        if order.cart_token == "slow" and type == "order.created":
            paused.set()
            # Released as soon as the other checkout is done (or after 20 s, if it waits
            # on a lock this checkout holds).
            released_in_time.append(release.wait(timeout=20))
        record(order, type)

    monkeypatch.setattr(order_events, "order_event", order_event)
    statuses: dict[str, int] = {}
    released_in_time: list[bool] = []
    key = shop.pk if mode == "test" else shop.live_pk

    def checkout(token):
        try:
            client = api_client_for("public", key)
            response = client.post(
                "/cart/checkout", {"paymentMethod": PAYMENT[mode]}, cart=token
            )
            statuses[token] = response.status_code
            if token == "fast":
                release.set()
        finally:
            connection.close()

    slow = threading.Thread(target=checkout, args=("slow",))
    slow.start()
    assert paused.wait(timeout=30)
    fast = threading.Thread(target=checkout, args=("fast",))
    fast.start()
    fast.join(timeout=60)
    release.set()
    slow.join(timeout=60)

    assert statuses == {"slow": 200, "fast": 200}
    # The fast checkout released the paused one: it did not wait for its counter lock.
    assert released_in_time == [True]
    numbers = dict(
        Order.objects.filter(type="order").values_list("cart_token", "order_number")
    )
    assert numbers == {"fast": 1001, "slow": 1002}
    created = {
        event.data["id"]: event.data["orderNumber"]
        for event in Event.objects.filter(type="order.created")
    }
    assert sorted(created.values()) == ["1001", "1002"]

"""Fetch once, correct explicitly, price purely (issue 15): ``cart_price`` is the composition
of ``cart_info_fetch`` (every query), ``cart_correct`` and ``cart_info_price`` (none)."""

from __future__ import annotations

from django.utils import timezone

from carts.pricing import Destination
from carts.services.corrections import cart_correct, cart_corrections_save
from carts.services.fetch import cart_info_fetch
from carts.services.lifecycle import cart_get_or_create
from carts.services.price import cart_info_price, cart_price
from catalog.models import Variant
from orders.models import Order, OrderItem

from .conftest import GB_ADDRESS, TOKEN, Cart
from .factories import (
    default_variant,
    make_category,
    make_discount,
    make_product,
    make_shipping_method,
)


def _cart(shop) -> Order:
    return cart_get_or_create(store=shop.store, mode="test", cart_token=TOKEN)


def test_pricing_a_fetched_cart_runs_no_query(
    public, shop, vat, candle, django_assert_num_queries
):
    category = make_category(shop.store)
    shirt = make_product(
        shop.store,
        categories=[category],
        image=True,
        variants=[{"values": {"Size": "S"}}, {"values": {"Size": "L"}}],
    )
    method = make_shipping_method(shop.store, price=395)
    make_discount(shop.store, code="CATS", categories=[category])
    cart = Cart(public)
    cart.add(candle, 2)
    cart.add(shirt, variant_id=shirt.variants.first().pk)
    cart.discount("CATS")
    cart.checkout_data({"email": "sam@example.com", "shippingAddress": GB_ADDRESS})
    public.post("/cart/shipping-option", {"shippingOptionId": method.pk}, cart=TOKEN)

    info = cart_info_fetch(cart=_cart(shop), now=timezone.now())
    with django_assert_num_queries(0):
        corrections = cart_correct(info)
        priced = cart_info_price(info, corrections)
        # What the Cart object shows reads only what was fetched.
        lines = [
            (line.variant_name, line.image, line.inventory_count, line.in_stock)
            for line in priced.lines
        ]
        snapshot = priced.customer_snapshot, priced.shipping_option
    assert corrections.messages == [] and not corrections.lines_changed
    assert [name for name, *_ in lines] == [None, "S"]
    assert all(image is not None for _, image, *_ in lines)
    assert snapshot[1]["id"] == method.pk
    assert priced.discount_code == "CATS"
    # The composition gives the same answer.
    again = cart_price(cart=_cart(shop), persist=False)
    assert again.result == priced.result
    assert priced.result.discount.amount > 0 and priced.result.shipping.amount == 395


def test_an_estimate_prices_the_fetched_shipping_methods_without_a_query(
    public, shop, vat, candle, django_assert_num_queries
):
    make_shipping_method(shop.store, name="Slow", price=395)
    make_shipping_method(shop.store, name="Fast", price=595)
    Cart(public).add(candle, 1)
    info = cart_info_fetch(
        cart=_cart(shop),
        now=timezone.now(),
        destination=Destination(country_code="GB"),
        estimate=True,
    )
    with django_assert_num_queries(0):
        priced = cart_info_price(info, cart_correct(info, estimate=True), estimate=True)
    assert [o.name for o in priced.shipping_options] == ["Slow", "Fast"]
    assert priced.shipping_method.name == "Slow"
    assert priced.result.shipping.amount == 395


def test_corrections_are_computed_in_memory_and_written_by_the_explicit_step(
    public, shop, candle, django_assert_num_queries
):
    Cart(public).add(candle, 5)
    make_discount(shop.store, code="BIG", minimum_subtotal_amount=10_000)
    cart = _cart(shop)
    Order.objects.filter(pk=cart.pk).update(discount_code="GONE")
    Variant.objects.filter(pk=default_variant(candle).pk).update(stock=3)

    info = cart_info_fetch(cart=_cart(shop), now=timezone.now())
    with django_assert_num_queries(0):
        corrections = cart_correct(info)
    assert [m.code for m in corrections.messages] == [
        "stock_limited",
        "discount_removed",
    ]
    assert info.lines[0].quantity == 3 and info.cart.discount_code == ""
    # Nothing is written until the write step runs.
    assert OrderItem.objects.get(order=cart).quantity == 5
    assert Order.objects.get(pk=cart.pk).discount_code == "GONE"
    cart_corrections_save(info.cart, corrections)
    assert OrderItem.objects.get(order=cart).quantity == 3
    assert Order.objects.get(pk=cart.pk).discount_code == ""
    # The next fetch finds nothing to correct.
    assert (
        cart_correct(cart_info_fetch(cart=_cart(shop), now=timezone.now())).messages
        == []
    )

"""Concurrent checkouts of a bundle and of its components on PostgreSQL: real threads, each
with its own connection and cart token. The components are never oversold, whichever
lines win, and no checkout deadlocks (every answer is a 200 or a 409)."""

from __future__ import annotations

import pytest

from carts.tests.factories import make_product, make_shipping_method
from catalog import services as catalog_services
from catalog.models import InventoryAdjustment, Variant
from catalog.tests.factories import default_variant
from orders.models import Order, OrderItem

from .test_checkout_concurrency import MODES, checkout_all, ready_cart

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.RATELIMIT_ENABLE = False


def _add(cart: Order, product, quantity: int) -> None:
    OrderItem.objects.create(
        order=cart,
        product=product,
        variant=default_variant(product),
        quantity=quantity,
        product_name=product.name,
        product_slug=product.slug,
    )


@MODES
def test_bundles_and_their_components_bought_together_never_oversell(
    make_store, api_client_for, mode
):
    shop = make_store()
    method = make_shipping_method(shop.store, countries=["GB"])
    candle = make_product(shop.store, name="Candle", stock=12)
    holder = make_product(shop.store, name="Holder", stock=5)
    candle_v, holder_v = default_variant(candle), default_variant(holder)
    bundle = catalog_services.product_create(
        store=shop.store,
        data={
            "name": "Gift set",
            "price": 5000,
            "product_type": "bundle",
            "status": "published",
            "components": [
                {"variant_id": candle_v.pk, "quantity": 2},
                {"variant_id": holder_v.pk, "quantity": 1},
            ],
        },
        mode="test",
    )
    # 30 carts asking for 40 candles and 14 holders of 12 and 5: a third buy a bundle,
    # a third a candle, a third a bundle, a candle and a holder (its variants locked in
    # another order than the bundle's components if it were not sorted).
    tokens = [f"buyer-{i}" for i in range(30)]
    wants = {}
    for index, token in enumerate(tokens):
        kind = index % 3
        first = {0: bundle, 1: candle, 2: holder}[kind]
        cart = ready_cart(shop.store, token, first, method=method, mode=mode)
        if kind == 2:
            _add(cart, bundle, 1)
            _add(cart, candle, 1)
        wants[token] = {
            0: (2, 1),  # (candles, holders)
            1: (1, 0),
            2: (3, 2),
        }[kind]

    statuses = checkout_all(shop, api_client_for, tokens, mode)

    assert set(statuses.values()) <= {200, 409}, statuses
    won = [t for t, s in statuses.items() if s == 200]
    assert won and len(won) < len(tokens)
    candles_sold = sum(wants[t][0] for t in won)
    holders_sold = sum(wants[t][1] for t in won)
    assert candles_sold <= 12 and holders_sold <= 5
    candle_v = Variant.objects.get(pk=candle_v.pk)
    holder_v = Variant.objects.get(pk=holder_v.pk)
    # Exactly what the winning orders took, in the mode's own column.
    assert candle_v.available_stock(mode) == 12 - candles_sold
    assert holder_v.available_stock(mode) == 5 - holders_sold
    assert (candle_v.stock, holder_v.stock) == (
        (12, 5) if mode == "test" else (12 - candles_sold, 5 - holders_sold)
    )
    # The audit rows add up to the same, per order.
    taken = {
        variant: sum(
            r.stock_before - r.stock_after
            for r in InventoryAdjustment.objects.filter(
                variant_id=variant, mode=mode, source="checkout"
            )
        )
        for variant in (candle_v.pk, holder_v.pk)
    }
    assert taken == {candle_v.pk: candles_sold, holder_v.pk: holders_sold}
    orders = Order.objects.filter(type=Order.Type.ORDER)
    assert {o.cart_token for o in orders} == set(won)
    # A lost race leaves the cart as it was, nothing held.
    assert Order.objects.filter(type=Order.Type.CART).count() == len(tokens) - len(won)
